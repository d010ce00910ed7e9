from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Editorial"

    def ready(self):
        from django.db.models.signals import post_migrate

        from articles.review import scheduling  # noqa: F401 - adds its steps to workflow.run
        from articles.site import caching, search

        caching.connect_signals()
        post_migrate.connect(search.ensure_sqlite_index, sender=self)
