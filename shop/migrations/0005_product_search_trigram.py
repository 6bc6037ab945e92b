"""Trigram indexes for product search, on PostgreSQL only.

``shop.selectors.product_search`` matches every word with ``icontains``, which PostgreSQL
runs as ``UPPER(col::text) LIKE UPPER('%word%')``: a B-tree can't serve a leading
wildcard, so each search was a sequential scan of the catalog. GIN indexes over those very
expressions with ``gin_trgm_ops`` (the ``pg_trgm`` extension) answer such LIKEs for words of
three letters or more. SQLite has no such index and keeps its scan; the query is the same.
"""

from django.db import migrations

INDEXES = {
    "shop_product_title_trgm": "title",
    "shop_product_description_trgm": "description",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "shop_product" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0004_shipping_address_rules_on_fields"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
