from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Editorial"

    def ready(self):
        from django.db.models.signals import post_migrate

        from articles.api import webhooks
        from articles.operations import account_signals, audit
        from articles.review import (
            accounts,
            scheduling,  # noqa: F401 - adds its steps to workflow.run
        )
        from articles.site import caching, redirects, search

        caching.connect_signals()
        redirects.connect_signals()
        accounts.connect()  # a deactivated user or a member who left: their sessions end
        account_signals.connect()  # every sign-in lockout logged and announced
        audit.connect_signals()  # sign-ins, admin changes, permissions, board membership, second factors
        webhooks.connect_signals()  # partners' endpoints hear of what readers see change
        post_migrate.connect(search.ensure_sqlite_index, sender=self)
