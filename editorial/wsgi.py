"""WSGI entry point for application servers (gunicorn, uwsgi)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editorial.settings")
# Serving requests: a PostgreSQL statement may take this many seconds, and a server that does not
# answer is given up on two seconds later (503), see DATABASES in editorial/settings.py. Commands
# (manage.py) leave it unset and may run long statements.
os.environ.setdefault("EDITORIAL_DB_STATEMENT_TIMEOUT", "5")

application = get_wsgi_application()

# Refuse to start serving without a secret key, rather than fail on the first request.
settings.SECRET_KEY  # noqa: B018 - reading it raises ImproperlyConfigured when it is empty

# The editorial checks grade text with textstat, whose pronouncing dictionary takes a second or two
# to load: load it now, once per worker, not in an editor's first live preview.
from articles.content.checks import warm_up  # noqa: E402

warm_up()
