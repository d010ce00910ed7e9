# Full-text search on SQLite: an FTS5 table over every revision's searchable text (title,
# summary, both audiences' text and the reference titles), kept in step by triggers so every
# write path (admin, importer, bulk inserts, restores) updates it. The Porter stemmer makes
# "diabetic" find "diabetes", as PostgreSQL's english configuration does. PostgreSQL uses the
# GIN index from migration 0007 instead; other databases search without an index.

# ruff: noqa: S608  (the SQL is built from the constants below, never from input)
from django.db import migrations

TABLE = "articles_revision_fts"
COLUMNS = "title, summary, body, professional_summary, professional_body, reference_titles"
NEW_VALUES = (
    "new.id, new.title, new.summary, new.body, new.professional_summary, new.professional_body,"
    " (SELECT group_concat(json_extract(value, '$.title'), ' ') FROM json_each(new.\"references\"))"
)

CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5({COLUMNS},"
    " tokenize = 'porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_insert AFTER INSERT ON articles_revision BEGIN"
    f" INSERT INTO {TABLE} (rowid, {COLUMNS}) VALUES ({NEW_VALUES}); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_delete AFTER DELETE ON articles_revision BEGIN"
    f" DELETE FROM {TABLE} WHERE rowid = old.id; END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_update AFTER UPDATE OF title, summary, body,"
    ' professional_summary, professional_body, "references" ON articles_revision BEGIN'
    f" DELETE FROM {TABLE} WHERE rowid = old.id;"
    f" INSERT INTO {TABLE} (rowid, {COLUMNS}) VALUES ({NEW_VALUES}); END",
    f"INSERT INTO {TABLE} (rowid, {COLUMNS}) SELECT {NEW_VALUES.replace('new.', 'r.')} FROM articles_revision AS r",
]
DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {TABLE}_update",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def create_search_table(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_search_table(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_scale_indexes"),
    ]

    operations = [
        migrations.RunPython(create_search_table, drop_search_table, elidable=False),
    ]
