"""Events the workflow announces, for wings above it to act on (the site's page cache, later
edge purges and partners' webhooks) without the workflow knowing who listens.

``article_changed`` is sent inside the step's transaction, with ``article=``, whenever what
readers see of the article may have changed (an approval, a confirmation, a withdrawal...).
Receivers that act outside the database defer their work with ``transaction.on_commit``.
"""

from django.dispatch import Signal

article_changed = Signal()
