"""Full-text search index over Need.search_document (docs/SEARCH.md).

SQLite: an FTS5 table keyed by the need id, kept in sync by the services that write
needs (needs.search.index_update). PostgreSQL: a generated tsvector column ('simple'
configuration over the pre-tokenised document) with a GIN index.
"""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS needs_need_fts USING fts5("
    "search_document, tokenize = 'unicode61 remove_diacritics 0')"
)
SQLITE_DROP = "DROP TABLE IF EXISTS needs_need_fts"
PG_CREATE = [
    "ALTER TABLE needs_need ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_document)) STORED",
    "CREATE INDEX needs_need_search_gin ON needs_need USING gin (search_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS needs_need_search_gin",
    "ALTER TABLE needs_need DROP COLUMN IF EXISTS search_vector",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for statement in PG_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        for statement in PG_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("needs", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
