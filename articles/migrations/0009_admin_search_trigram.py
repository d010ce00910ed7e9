# The admin's article search (title, slug or summary containing the words) on PostgreSQL: trigram
# GIN indexes on the very expressions Django's ``icontains`` compares (``UPPER(column::text)``),
# so a search over 10,000 articles reads the indexes instead of every row. SQLite scans; at its
# scale that stays fast (benchmarks/scale.py prints both).

from django.db import migrations

COLUMNS = ("title", "slug", "summary")


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS article_{column}_trgm_idx"
            f" ON articles_article USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS article_{column}_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_sqlite_search_index"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
