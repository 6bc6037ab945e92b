"""Full-text search document for products, on PostgreSQL only.

``shop_product.search_document`` is a stored generated ``tsvector``: the title's words
weighted A, the description's B, in the built-in ``russian`` configuration (English
stemming for Latin-letter words, Russian for Cyrillic: the two languages the site speaks),
with a GIN index. ``shop.selectors.product_search`` matches it with ``@@`` and ranks title
hits first with ``ts_filter(search_document, '{a}')``, reading the stored vector instead of
running ``to_tsvector`` again for every match.

The column is not a model field on purpose: Django would then load it with every product
on every page (carts, orders, lists), and SQLite has no ``tsvector`` to generate it with.
The index is built with ``fastupdate = off``: new entries go straight into the index
instead of a pending list that every search scans through until the next vacuum. A
catalog is read far more than written, and products are added a few at a time.

SQLite keeps its scan (``product_search`` matches words with a regular expression there).

The trigram indexes of 0005 served the ``LIKE '%word%'`` search this replaces; nothing
sends that expression any more (the admin's product search ORs in ``slug``, which they
don't cover), so they go. Adding the column rewrites the table under an exclusive lock:
about ten seconds at 100,000 products.
"""

from django.db import migrations

DOCUMENT = (
    "setweight(to_tsvector('russian'::regconfig, coalesce(\"title\", '')), 'A') || "
    "setweight(to_tsvector('russian'::regconfig, coalesce(\"description\", '')), 'B')"
)
TRIGRAM_INDEXES = {
    "shop_product_title_trgm": "title",
    "shop_product_description_trgm": "description",
}


def add_search_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        'ALTER TABLE "shop_product" ADD COLUMN IF NOT EXISTS "search_document" tsvector '
        f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "shop_product_search_document" ON "shop_product" '
        'USING gin ("search_document") WITH (fastupdate = off)'
    )
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def drop_search_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "shop_product" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )
    schema_editor.execute('ALTER TABLE "shop_product" DROP COLUMN IF EXISTS "search_document"')


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0006_translated_model_names"),
    ]

    operations = [
        migrations.RunPython(add_search_document, drop_search_document, elidable=False),
    ]
