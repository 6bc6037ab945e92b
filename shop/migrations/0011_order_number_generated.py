"""An order's number is derived from its primary key by the database as the row is
inserted (``Order.number``), instead of by an UPDATE after it. A column cannot become a
generated one in place: it is dropped and added back, each row's number computed again
from its id: the same value it held (``BZ-`` and the id zero-padded to six digits)."""

from django.db import migrations, models
from django.db.models.functions import Cast, Concat, Right

# As the model spells it (frozen here, as a migration must be).
_DIGITS = Cast("id", models.TextField())
NUMBER = Concat(
    models.Value("BZ-"),
    models.Case(
        models.When(id__gte=1_000_000, then=_DIGITS),
        default=Right(Concat(models.Value("00000"), _DIGITS, output_field=models.TextField()), 6),
        output_field=models.TextField(),
    ),
    output_field=models.TextField(),
)


def number_again(apps, schema_editor):
    """Backwards: the plain column is back, empty; each order gets its number again."""
    Order = apps.get_model("shop", "Order")
    Order.objects.update(number=NUMBER)


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0010_product_title_document"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, number_again),
        migrations.RemoveField(model_name="order", name="number"),
        migrations.AddField(
            model_name="order",
            name="number",
            field=models.GeneratedField(
                db_persist=True,
                expression=NUMBER,
                output_field=models.CharField(max_length=20),
                unique=True,
            ),
        ),
    ]
