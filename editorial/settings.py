"""Settings for the editorial site, read from the environment (see README)."""

from datetime import timedelta
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
    "django.forms",  # the built-in widget templates, for FORM_RENDERER below
    "simple_history",
    "csp",
    "axes",
    # Second factors for staff (README, "Signing in"): authenticator apps (TOTP), one-time
    # recovery codes, and passkeys or security keys (WebAuthn).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "django_tasks",
    "django_tasks_db",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL in an admin filter or search would be a DataError on PostgreSQL: 400 instead.
    "articles.operations.security.RejectNulInAdminQueryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "articles.operations.security.RequestSizeLimitMiddleware",
    # Under /api/: CORS preflights, HEAD, and every error as application/problem+json.
    "articles.api.middleware.ApiMiddleware",
    # Only on a 404: an old address (renamed article, migrated library) answers 301.
    "articles.site.redirects.RedirectMiddleware",
    # As early as possible: a cached public page skips sessions, CSRF, auth and the database.
    "articles.site.middleware.PublicPageCacheMiddleware",
    # Inside it: a request that reaches the app first applies scheduled go-lives and end dates due.
    "articles.site.schedule.ScheduledChangesMiddleware",
    # Inside the page cache: the policy is the same for everyone, so cached pages carry it.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed a second factor.
    "django_otp.middleware.OTPMiddleware",
    # Staff sessions end after EDITORIAL_STAFF_IDLE_MINUTES without a request (JSON 401 to scripts).
    "articles.operations.staff_sessions.StaffIdleTimeoutMiddleware",
    # After the password, staff who must use a second factor go to it (or to enrolment) first.
    "articles.admin.signin.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed admin logins and locks them for a while (articles/operations/login_throttle.py).
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, except that a member who has left the board loses the board group's
    # permissions at once (articles/review/board.py).
    "articles.review.board.BoardPermissionsBackend",
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
                "articles.site.context_processors.site",
            ],
        },
    },
    {
        # The article page only (articles/site/jinja.py): the page readers, crawlers and cold caches
        # see most, rendered several times faster than by Django's engine.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "articles.site.jinja.environment",
            "autoescape": True,
            "context_processors": ["articles.site.context_processors.site"],
        },
    },
]

WSGI_APPLICATION = "editorial.wsgi.application"
# Widgets render through the project's template settings, so templates/ can hold widget
# templates (the article editor's toolbar and preview).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent editors on the embedded database: readers never block the writer (WAL), a
    # write transaction takes the lock when it starts rather than failing half-way through
    # (IMMEDIATE), and a busy database is waited for instead of answering "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a bound on every wait for an answer (editorial/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "editorial.postgresql"
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    # Every wait is bounded, so a database that accepts connections and never answers costs a
    # request a 503 after seconds, not a thread for ever: connecting (libpq's connect_timeout),
    # a peer that vanished (TCP keepalives; unacknowledged data for tcp_user_timeout ms) and,
    # while serving requests, a statement the server takes too long over (statement_timeout,
    # the server's clock) or a server that does not answer at all (answer_timeout, ours: a
    # little longer, so a live server reports first). Application servers load
    # editorial/wsgi.py, which turns the last two on (EDITORIAL_DB_STATEMENT_TIMEOUT);
    # commands (migrate, imports, backups, dataset generation) may run long statements.
    _statement_timeout = env.float("EDITORIAL_DB_STATEMENT_TIMEOUT", default=0)
    _options.setdefault("connect_timeout", env.int("EDITORIAL_DB_CONNECT_TIMEOUT", default=3))
    _options.setdefault("keepalives", 1)
    _options.setdefault("keepalives_idle", 10)
    _options.setdefault("keepalives_interval", 5)
    _options.setdefault("keepalives_count", 3)
    _options.setdefault("tcp_user_timeout", 10_000)
    _options.setdefault("answer_timeout", _statement_timeout + 2 if _statement_timeout else None)
    _startup = []
    # PostgreSQL's default random_page_cost (4) models spinning disks; on SSD storage (1.1 is
    # the usual value) the planner reads the trigram and full-text indexes instead of scanning
    # 10,000 articles' text for an admin search. Empty leaves the server's own setting (set it
    # there instead behind a pooler such as PgBouncer, which refuses startup options).
    if page_cost := env.str("EDITORIAL_PG_RANDOM_PAGE_COST", default="1.1"):
        _startup.append(f"-c random_page_cost={float(page_cost)}")
    if _statement_timeout:
        # A connection left inside a transaction (its thread stuck elsewhere) releases its locks.
        _startup += [
            f"-c statement_timeout={int(_statement_timeout * 1000)}",
            f"-c idle_in_transaction_session_timeout={int(max(60, _statement_timeout * 4) * 1000)}",
        ]
    if _startup:
        _options.setdefault("options", " ".join(_startup))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "articles.operations.cache_backend.CircuitBreakerRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "editorial",
            # Fail fast when Redis is down or hangs: pages are then rendered uncached.
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
                "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
            },
        }
    }
else:
    # Without Redis, a cache directory shared by every worker process on this machine, so an
    # approval handled by one gunicorn worker makes pages fresh in all of them. (A local-memory
    # cache is per process; several machines need Redis.)
    CACHES = {
        "default": {
            # Django's file cache, except that it counts its files in the background every 10 s
            # rather than in every write (articles/operations/cache_backend.py).
            "BACKEND": "articles.operations.cache_backend.FileCache",
            "LOCATION": env.str("EDITORIAL_CACHE_DIR", default=str(BASE_DIR / "var" / "cache")),
            "OPTIONS": {"MAX_ENTRIES": 20000, "CULL_INTERVAL": 10},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# The site's time zone: schedules, embargoes and end dates are entered and shown in it, with the offset.
TIME_ZONE = env.str("EDITORIAL_TIME_ZONE", default=env.str("DJANGO_TIME_ZONE", default="Europe/London"))
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files served at the site root by whitenoise (favicon.ico, which browsers ask for unprompted).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploaded images (README, "Images"): content-addressed files under MEDIA_ROOT, served at
# MEDIA_URL by articles/site/media.py (never by whitenoise), or, for several machines, in an
# S3-compatible bucket through django-storages, read by the same view.
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("EDITORIAL_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
EDITORIAL_IMAGE_MAX_BYTES = env.int("EDITORIAL_IMAGE_MAX_BYTES", default=10_000_000)
EDITORIAL_MEDIA_S3_BUCKET = env.str("EDITORIAL_MEDIA_S3_BUCKET", default="")
if EDITORIAL_MEDIA_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EDITORIAL_MEDIA_S3_BUCKET,
            "endpoint_url": env.str("EDITORIAL_MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("EDITORIAL_MEDIA_S3_REGION", default="") or None,
            # Empty: boto3 finds credentials itself (instance role, AWS_* variables, ~/.aws).
            "access_key": env.str("EDITORIAL_MEDIA_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("EDITORIAL_MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("EDITORIAL_MEDIA_S3_PREFIX", default=""),
            # Objects are private: readers get them through MEDIA_URL, which sets the headers.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": True,  # names are hashes of the bytes: writing one again writes the same bytes
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
# Notifications are sent by background workers, replies to readers from request threads: a mail
# server that accepts and never answers must hold neither (Django's default is no timeout at all).
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="editorial@localhost")

# Background work (emails, purges of the edge) on a persistent task queue kept in the database:
# django-tasks with its database backend, run by ``manage.py run_tasks`` (README, "Background
# work"; articles/operations/tasks.py). Nothing more to run on one machine; any number of workers
# on any number of machines share one PostgreSQL queue.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A job whose worker vanished (killed, machine lost) is run again by another worker: at once when
# the worker was on the same machine and its process is gone, otherwise once it has been running
# this many seconds (longer than any job takes: each of its waits is bounded).
EDITORIAL_TASK_LEASE_SECONDS = env.int("EDITORIAL_TASK_LEASE_SECONDS", default=600)
# How often each worker looks for such jobs.
EDITORIAL_TASK_RECOVERY_SECONDS = env.int("EDITORIAL_TASK_RECOVERY_SECONDS", default=30)

# Database sessions whose keys are signed: a session cookie this site never issued is known to
# be no session without asking the database, so it cannot make the page cache render a page
# (articles/operations/sessions.py, articles/site/visitors.py).
SESSION_ENGINE = "articles.operations.sessions"
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
# Ask browsers' HSTS preload lists to include the domain (only with subdomains and a long max-age).
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)

# No inline script or style anywhere (site or admin), so none is allowed; JSON-LD data blocks
# are not scripts. Previews are framed by the review screen of the same site only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

# Admin login throttling (django-axes): after 5 failures a username is locked for that client
# address for 15 minutes. The address is read as the rate limit reads it, from the proxies
# configured in EDITORIAL_TRUSTED_PROXIES (articles/ratelimit.py). Every lockout is logged and
# announced (articles/operations/account_signals.py); an admin unlocks early (README, "Signing in").
AXES_FAILURE_LIMIT = env.int("EDITORIAL_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("EDITORIAL_LOGIN_LOCKOUT_MINUTES", default=15))
# One username from one address (the limit above), one address across usernames (password
# spraying) and one username across addresses (a botnet guessing one account):
# articles/operations/login_throttle.py gives each count its own limit.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], ["ip_address"], ["username"]]
AXES_HANDLER = "articles.operations.login_throttle.ThrottlingAxesHandler"
EDITORIAL_LOGIN_FAILURES_PER_ADDRESS = env.int("EDITORIAL_LOGIN_FAILURES_PER_ADDRESS", default=10)
EDITORIAL_LOGIN_FAILURES_PER_USERNAME = env.int("EDITORIAL_LOGIN_FAILURES_PER_USERNAME", default=10)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "articles.operations.ratelimit.client_address"
AXES_VERBOSE = False

# Second factor (README, "Signing in"). Required of board members and superusers unless turned
# off (off by default only in DEBUG, the local demo); of editors too with the second setting.
# Without it, approvals, confirmations, withdrawals and permission changes are refused.
EDITORIAL_REQUIRE_2FA = env.bool("EDITORIAL_REQUIRE_2FA", default=not DEBUG)
EDITORIAL_REQUIRE_2FA_FOR_EDITORS = env.bool("EDITORIAL_REQUIRE_2FA_FOR_EDITORS", default=False)
# A staff session without a request for this many minutes ends (0: never).
EDITORIAL_STAFF_IDLE_MINUTES = env.int("EDITORIAL_STAFF_IDLE_MINUTES", default=60)
# Authenticator apps show the site under this name. A code from one step (30 s) before or after
# is accepted (each device's tolerance), never more: the tolerance does not drift with a
# device's clock. A code already used is refused.
OTP_TOTP_ISSUER = env.str("EDITORIAL_SITE_NAME", default="Reviewed Health")
OTP_TOTP_SYNC = False
# Passkeys and security keys: as a second factor only (never instead of the password), for the
# host the browser is on; origins they may be used from must be HTTPS (or http://localhost).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_ID_CALLABLE = "articles.review.second_factor.relying_party_id"
OTP_WEBAUTHN_RP_NAME = env.str("EDITORIAL_SITE_NAME", default="Reviewed Health")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "EDITORIAL_WEBAUTHN_ORIGINS",
    default=[
        origin
        for origin in [env.str("EDITORIAL_BASE_URL", default=""), "http://localhost:8000"]
        if origin.startswith("https://") or origin.startswith("http://localhost")
    ],
)

LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per refused request (Django logs a 403's whole traceback), and warnings about a
    # cache outage at most once per kind per process every 10 s, with a count of the others
    # (articles/operations/logs.py).
    "filters": {
        "one_line_refusals": {"()": "articles.operations.logs.OneLineRefusals"},
        "rate_limited_outages": {"()": "articles.operations.logs.RateLimitedOutages", "seconds": 10},
        "task_failures_once": {"()": "articles.operations.logs.TaskFailuresOnce"},
    },
    # The level on the handler too: records propagated from Django's loggers skip the root's level.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "level": LOG_LEVEL,
            "filters": ["one_line_refusals", "rate_limited_outages"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own "django" logger prints to the console in debug; sending its records only to
    # the root handler prints each line once (runserver printed every line twice).
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django_tasks": {"handlers": [], "filters": ["task_failures_once"], "propagate": True},
    },
}

# --- Editorial policy -------------------------------------------------------
# Distinct Medical Advisory Board approvals needed to publish a version.
EDITORIAL_REQUIRED_APPROVALS = env.int("EDITORIAL_REQUIRED_APPROVALS", default=1)
# Show submitted / under-review articles publicly, with a caution banner.
EDITORIAL_SHOW_PENDING = env.bool("EDITORIAL_SHOW_PENDING", default=False)
# Days between an approval and the next periodic re-review.
EDITORIAL_REVIEW_INTERVAL_DAYS = env.int("EDITORIAL_REVIEW_INTERVAL_DAYS", default=365)
# Days a correction of an error stays flagged at the top of the article page.
EDITORIAL_CORRECTION_NOTICE_DAYS = env.int("EDITORIAL_CORRECTION_NOTICE_DAYS", default=30)
# Re-reviews enter the board's queue this many days before they fall due.
EDITORIAL_REVIEW_DUE_SOON_DAYS = env.int("EDITORIAL_REVIEW_DUE_SOON_DAYS", default=30)
# A submission waiting longer than this many days is shown as overdue in the queue.
EDITORIAL_REVIEW_SLA_DAYS = env.int("EDITORIAL_REVIEW_SLA_DAYS", default=7)
# The reading grade the patient text aims at (Flesch-Kincaid and SMOG); the editorial checklist
# (admin) decides whether text above it is a warning, blocks submission, or is not checked.
EDITORIAL_PATIENT_READING_GRADE = env.int("EDITORIAL_PATIENT_READING_GRADE", default=8)
# References one article may have (and so the highest reference number); at most 999, the
# highest number a citation can carry.
EDITORIAL_MAX_REFERENCES = env.int("EDITORIAL_MAX_REFERENCES", default=200)
# Fill a reference from its DOI or PubMed ID in the admin: off by default (it asks outside services).
EDITORIAL_REFERENCE_LOOKUP = env.bool("EDITORIAL_REFERENCE_LOOKUP", default=False)
# Allow the look-up services on private or loopback addresses (a local mirror, an egress proxy).
EDITORIAL_REFERENCE_LOOKUP_ALLOW_PRIVATE = env.bool("EDITORIAL_REFERENCE_LOOKUP_ALLOW_PRIVATE", default=False)
EDITORIAL_CROSSREF_URL = env.str("EDITORIAL_CROSSREF_URL", default="https://api.crossref.org/works/")
EDITORIAL_PUBMED_URL = env.str(
    "EDITORIAL_PUBMED_URL", default="https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi"
)
# Sources still standing (README): each cited URL, DOI and PubMed ID is checked in the background
# when a version is submitted and by ``manage.py check_sources`` (cron) once older than this.
# Off: sources are linked to their checks but no request is made (``seed_demo`` runs with it off).
EDITORIAL_SOURCE_CHECKS = env.bool("EDITORIAL_SOURCE_CHECKS", default=True)
EDITORIAL_SOURCE_CHECK_DAYS = env.int("EDITORIAL_SOURCE_CHECK_DAYS", default=7)
EDITORIAL_SOURCE_CHECK_TIMEOUT = env.float("EDITORIAL_SOURCE_CHECK_TIMEOUT", default=10)
# Tries in all before a failing address is reported dead; the wait doubles after each.
EDITORIAL_SOURCE_CHECK_ATTEMPTS = env.int("EDITORIAL_SOURCE_CHECK_ATTEMPTS", default=3)
EDITORIAL_SOURCE_CHECK_BACKOFF = env.float("EDITORIAL_SOURCE_CHECK_BACKOFF", default=300)
# At most one request per host in this many seconds (shared through the cache).
EDITORIAL_SOURCE_CHECK_HOST_INTERVAL = env.float("EDITORIAL_SOURCE_CHECK_HOST_INTERVAL", default=1)
EDITORIAL_SOURCE_CHECK_CONTACT = env.str("EDITORIAL_SOURCE_CHECK_CONTACT", default="editorial@localhost")
# Blank: "<EDITORIAL_SITE_NAME> source checker (+mailto:<EDITORIAL_SOURCE_CHECK_CONTACT>)".
EDITORIAL_SOURCE_CHECK_USER_AGENT = env.str("EDITORIAL_SOURCE_CHECK_USER_AGENT", default="")
# Check addresses on private or loopback networks (an intranet's guideline); off: refused.
EDITORIAL_SOURCE_CHECK_ALLOW_PRIVATE = env.bool("EDITORIAL_SOURCE_CHECK_ALLOW_PRIVATE", default=False)
# History is restored through the workflow (a new draft), never by simple-history's revert.
SIMPLE_HISTORY_REVERT_DISABLED = True
# Reasons carry reviewers' comments, which can be long; the default column holds 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# Follow-up questions one client may send per hour, and proxies in front of the app
# whose X-Forwarded-For entries are trusted (0: use the connection's address).
EDITORIAL_QUESTIONS_PER_HOUR = env.int("EDITORIAL_QUESTIONS_PER_HOUR", default=5)
EDITORIAL_TRUSTED_PROXIES = env.int("EDITORIAL_TRUSTED_PROXIES", default=0)
# Readers' addresses are removed from questions older than this (manage.py anonymise_questions, daily).
EDITORIAL_QUESTION_RETENTION_DAYS = env.int("EDITORIAL_QUESTION_RETENTION_DAYS", default=365)
# Editors paste long texts: a 10 MB body must come back as a form error with the text kept,
# not as a bare "400 Bad Request". Public forms are held to EDITORIAL_PUBLIC_MAX_POST_BYTES
# (articles.operations.security.RequestSizeLimitMiddleware) before anything reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024
EDITORIAL_PUBLIC_MAX_POST_BYTES = env.int("EDITORIAL_PUBLIC_MAX_POST_BYTES", default=64 * 1024)
# The change form posts every reference row with all its fields (11 each): the field limit
# leaves room for twice EDITORIAL_MAX_REFERENCES, so an article at the cap saves and one beyond
# it gets the formset's "at most N references" error with the text kept, not a bare 400.
DATA_UPLOAD_MAX_NUMBER_FIELDS = max(1000, 12 * 2 * EDITORIAL_MAX_REFERENCES + 200)
# Seconds browsers and CDNs may cache public pages (0 turns shared caching off), and may go on
# serving a stale copy while they revalidate it in the background.
EDITORIAL_PUBLIC_MAX_AGE = env.int("EDITORIAL_PUBLIC_MAX_AGE", default=60)
EDITORIAL_PUBLIC_STALE_WHILE_REVALIDATE = env.int("EDITORIAL_PUBLIC_STALE_WHILE_REVALIDATE", default=60)
# The edge: CDNs and Varnish in front are purged after every event that changes pages, by the
# pages' surrogate keys (articles/site/edge.py, articles/operations/purges.py; README, "The
# edge"). Each backend is on when its settings are given.
EDITORIAL_PURGE_VARNISH_URLS = env.list("EDITORIAL_PURGE_VARNISH_URLS", default=[])
EDITORIAL_FASTLY_SERVICE_ID = env.str("EDITORIAL_FASTLY_SERVICE_ID", default="")
EDITORIAL_FASTLY_API_TOKEN = env.str("EDITORIAL_FASTLY_API_TOKEN", default="")
EDITORIAL_FASTLY_API_URL = env.str("EDITORIAL_FASTLY_API_URL", default="https://api.fastly.com")
EDITORIAL_CLOUDFLARE_ZONE_ID = env.str("EDITORIAL_CLOUDFLARE_ZONE_ID", default="")
EDITORIAL_CLOUDFLARE_API_TOKEN = env.str("EDITORIAL_CLOUDFLARE_API_TOKEN", default="")
EDITORIAL_CLOUDFLARE_API_URL = env.str("EDITORIAL_CLOUDFLARE_API_URL", default="https://api.cloudflare.com/client/v4")
# CloudFront has no tags: keys are mapped to paths. Credentials come from the usual AWS_*
# variables (or the machine's role); the endpoint is for tests and AWS-compatible stand-ins.
EDITORIAL_CLOUDFRONT_DISTRIBUTION_ID = env.str("EDITORIAL_CLOUDFRONT_DISTRIBUTION_ID", default="")
EDITORIAL_CLOUDFRONT_ENDPOINT_URL = env.str("EDITORIAL_CLOUDFRONT_ENDPOINT_URL", default="") or None
# Seconds a purge request may take before it is retried later.
EDITORIAL_PURGE_TIMEOUT = env.float("EDITORIAL_PURGE_TIMEOUT", default=10)
# Seconds the edge may keep a public page (s-maxage) when it is purged on events; browsers keep
# EDITORIAL_PUBLIC_MAX_AGE. Without a purge backend, the edge follows EDITORIAL_PUBLIC_MAX_AGE.
EDITORIAL_EDGE_MAX_AGE = env.int("EDITORIAL_EDGE_MAX_AGE", default=24 * 3600)
# Whole-page cache of anonymous public pages (articles/caching.py); events make pages fresh at
# once, the timeout only bounds how long an unvisited page occupies the cache.
EDITORIAL_PAGE_CACHE = env.bool("EDITORIAL_PAGE_CACHE", default=True)
EDITORIAL_PAGE_CACHE_TIMEOUT = env.int("EDITORIAL_PAGE_CACHE_TIMEOUT", default=24 * 3600)
# Public name of the site and absolute base URL used in emails and feeds.
# The read API (/api/v1/, README "Content API"): keys are required unless anonymous access is on,
# which has its own, lower limit per client address (requests per minute).
EDITORIAL_API_ANONYMOUS = env.bool("EDITORIAL_API_ANONYMOUS", default=False)
EDITORIAL_API_ANONYMOUS_RATE = env.int("EDITORIAL_API_ANONYMOUS_RATE", default=30)
EDITORIAL_API_DEFAULT_RATE = env.int("EDITORIAL_API_DEFAULT_RATE", default=600)
EDITORIAL_API_MAX_PAGE_SIZE = env.int("EDITORIAL_API_MAX_PAGE_SIZE", default=100)
# What partners may do with the content and the credit they must show ({site_name}, {title}, {url}).
EDITORIAL_CONTENT_LICENCE = env.str(
    "EDITORIAL_CONTENT_LICENCE",
    default="Reuse under your syndication agreement with us: republish unchanged, with the attribution, "
    "a link to the canonical URL, and corrections and withdrawals applied promptly.",
)
EDITORIAL_ATTRIBUTION_TEXT = env.str(
    "EDITORIAL_ATTRIBUTION_TEXT",
    default="“{title}”, reviewed by the Medical Advisory Board of {site_name}. Read the original: {url}",
)
EDITORIAL_SITE_NAME = env.str("EDITORIAL_SITE_NAME", default="Reviewed Health")
EDITORIAL_BASE_URL = env.str("EDITORIAL_BASE_URL", default="http://127.0.0.1:8000")
# Partners' webhooks (README "Webhooks"): seconds to connect and to wait for each read, and whether
# endpoints may be plain http or resolve to private, loopback or link-local addresses (the cloud's
# metadata service): never in production; DEBUG (the local demo) and the tests allow them.
EDITORIAL_WEBHOOK_TIMEOUT = env.float("EDITORIAL_WEBHOOK_TIMEOUT", default=5)
EDITORIAL_WEBHOOK_ALLOW_PRIVATE = env.bool("EDITORIAL_WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
# Markdown import (articles/interchange): the largest article file accepted, and the most an
# import may hold in all (uploads and zip archives counted expanded), in bytes.
EDITORIAL_IMPORT_MAX_BYTES = env.int("EDITORIAL_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
EDITORIAL_IMPORT_MAX_TOTAL_BYTES = env.int("EDITORIAL_IMPORT_MAX_TOTAL_BYTES", default=200 * 1024 * 1024)
# Where the admin's import page keeps an upload between its preview and the confirmation.
EDITORIAL_IMPORT_DIR = BASE_DIR / "var" / "imports"
