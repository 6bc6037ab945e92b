from decimal import Decimal

from django.db import migrations

NAMES = [
    "Stoneware Mug", "Oak Lamp", "Merino Throw", "Soy Candle",
    "Walnut Board", "Glass Teapot", "Linen Pillow", "Brass Clock",
]  # fmt: skip


def items(apps, schema_editor):
    Item = apps.get_model("floor", "Item")
    Item.objects.bulk_create(
        Item(name=name, price=Decimal("12.50") + n) for n, name in enumerate(NAMES)
    )


class Migration(migrations.Migration):
    dependencies = [("floor", "0001_initial")]
    operations = [migrations.RunPython(items, migrations.RunPython.noop)]
