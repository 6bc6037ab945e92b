"""Search ranks title matches first by a title-only document, on PostgreSQL.

``title_document`` is the title's part of the search document of 0007-0008 (the lexemes
``ts_filter(search_document, '{a}')`` keeps), stored as a generated column of its own. The
search ranked every match by filtering its whole document (title and description) down
to the title's lexemes: over 100,000 products, "garden" has about 2,000 matches, and
filtering their documents was most of the ranking's time. The title's own, much smaller
document is matched directly (``shop.selectors.catalog._search_postgresql``).

It is no model field, like ``search_document``: pages listing products never load it.
Adding it rewrites the table (about two seconds at 100,000 products, under an exclusive
lock). SQLite (the zero-setup default) ranks by its own title patterns.
"""

from django.db import migrations

_TITLE = "to_tsvector('bazaar_search'::regconfig, coalesce(\"title\", ''))"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        'ALTER TABLE "shop_product" ADD COLUMN "title_document" tsvector '
        f"GENERATED ALWAYS AS ({_TITLE}) STORED"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('ALTER TABLE "shop_product" DROP COLUMN IF EXISTS "title_document"')


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0009_product_grid_index"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
