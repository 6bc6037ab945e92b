"""Product search ignores accents, on PostgreSQL: "Lumiere" finds "Lumière", "creme" finds
"crème" and "Lumière" finds "Lumiere".

A text search configuration of our own, ``bazaar_search``: PostgreSQL's ``russian``
(English stemming for Latin-letter words, Russian for Cyrillic) with the ``unaccent``
dictionary in front of the stemmer for words that are not plain ASCII. The stored search
document of 0007 is generated again with it (PostgreSQL 15 cannot change a generated
column's expression in place, so the column and its GIN index are made again: about ten
seconds at 100,000 products, under an exclusive lock), and
``shop.selectors.catalog._CONFIG`` parses queries with the same configuration.

``unaccent`` is a trusted extension (PostgreSQL 13 and later): the database's owner may
create it. SQLite (the zero-setup default) still matches accents as typed.
"""

from django.db import migrations


def _document(config: str) -> str:
    return (
        f"setweight(to_tsvector('{config}'::regconfig, coalesce(\"title\", '')), 'A') || "
        f"setweight(to_tsvector('{config}'::regconfig, coalesce(\"description\", '')), 'B')"
    )


def _rebuild_document(schema_editor, config: str) -> None:
    schema_editor.execute('DROP INDEX IF EXISTS "shop_product_search_document"')
    schema_editor.execute('ALTER TABLE "shop_product" DROP COLUMN IF EXISTS "search_document"')
    schema_editor.execute(
        'ALTER TABLE "shop_product" ADD COLUMN "search_document" tsvector '
        f"GENERATED ALWAYS AS ({_document(config)}) STORED"
    )
    schema_editor.execute(
        'CREATE INDEX "shop_product_search_document" ON "shop_product" '
        'USING gin ("search_document") WITH (fastupdate = off)'
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema_editor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS bazaar_search")
    schema_editor.execute("CREATE TEXT SEARCH CONFIGURATION bazaar_search (COPY = russian)")
    schema_editor.execute(
        "ALTER TEXT SEARCH CONFIGURATION bazaar_search "
        "ALTER MAPPING FOR word, hword, hword_part WITH unaccent, russian_stem"
    )
    _rebuild_document(schema_editor, "bazaar_search")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _rebuild_document(schema_editor, "russian")
    schema_editor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS bazaar_search")


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0007_product_search_document"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
