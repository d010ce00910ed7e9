"""Settings for the editorial site, read from the environment (see README)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is optional and never required; the environment wins over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The fallback only works for local runs. Without DJANGO_SECRET_KEY outside debug the key is
# empty: commands that need no key (migrate, makemigrations, check) still run, and anything
# that signs (sessions, CSRF, serving requests) stops with Django's "SECRET_KEY must not be empty".
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me" if DEBUG else "")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "simple_history",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "editorial.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "editorial.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "editorial",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="editorial@localhost")

SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# --- Editorial policy -------------------------------------------------------
# Distinct Medical Advisory Board approvals needed to publish a version.
EDITORIAL_REQUIRED_APPROVALS = env.int("EDITORIAL_REQUIRED_APPROVALS", default=1)
# Show submitted / under-review articles publicly, with a caution banner.
EDITORIAL_SHOW_PENDING = env.bool("EDITORIAL_SHOW_PENDING", default=False)
# Days between an approval and the next periodic re-review.
EDITORIAL_REVIEW_INTERVAL_DAYS = env.int("EDITORIAL_REVIEW_INTERVAL_DAYS", default=365)
# Re-reviews enter the board's queue this many days before they fall due.
EDITORIAL_REVIEW_DUE_SOON_DAYS = env.int("EDITORIAL_REVIEW_DUE_SOON_DAYS", default=30)
# A submission waiting longer than this many days is shown as overdue in the queue.
EDITORIAL_REVIEW_SLA_DAYS = env.int("EDITORIAL_REVIEW_SLA_DAYS", default=7)
# History is restored through the workflow (a new draft), never by simple-history's revert.
SIMPLE_HISTORY_REVERT_DISABLED = True
# Reasons carry reviewers' comments, which can be long; the default column holds 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# Follow-up questions one client may send per hour, and proxies in front of the app
# whose X-Forwarded-For entries are trusted (0: use the connection's address).
EDITORIAL_QUESTIONS_PER_HOUR = env.int("EDITORIAL_QUESTIONS_PER_HOUR", default=5)
EDITORIAL_TRUSTED_PROXIES = env.int("EDITORIAL_TRUSTED_PROXIES", default=0)
# Seconds browsers and CDNs may cache public pages (0 turns shared caching off).
EDITORIAL_PUBLIC_MAX_AGE = env.int("EDITORIAL_PUBLIC_MAX_AGE", default=60)
# Public name of the site and absolute base URL used in emails and feeds.
EDITORIAL_SITE_NAME = env.str("EDITORIAL_SITE_NAME", default="Reviewed Health")
EDITORIAL_BASE_URL = env.str("EDITORIAL_BASE_URL", default="http://127.0.0.1:8000")
