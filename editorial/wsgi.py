"""WSGI entry point for application servers (gunicorn, uwsgi)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editorial.settings")

application = get_wsgi_application()

# Refuse to start serving without a secret key, rather than fail on the first request.
settings.SECRET_KEY  # noqa: B018 - reading it raises ImproperlyConfigured when it is empty
