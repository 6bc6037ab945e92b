"""`manage.py seed_demo`: sellers, products with drawn images, a demo shopper and a support
user. Idempotent: what exists (matched by slug or email) is left exactly as it is, so a
second run creates nothing and changes nothing, and stock bought down in the demo stays.

The passwords below are DEMO-ONLY (the Makefile prints them); never reuse them.
"""

import os
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Address, User
from shop.management.commands._demo_art import product_png
from shop.models import Product, Seller

SHOPPER_EMAIL = "shopper@example.com"
SHOPPER_PASSWORD = "demo-shopper-pass"  # noqa: S105 (demo-only, printed by the Makefile)
SUPPORT_EMAIL = "support@example.com"
SUPPORT_PASSWORD = "demo-support-pass"  # noqa: S105 (demo-only, printed by the Makefile)
SUPPORT_GROUP = "Support"


@dataclass(frozen=True)
class DemoProduct:
    slug: str
    title: str
    price: str
    stock: int
    kind: str
    description: str


SELLERS = [
    {
        "slug": "nordic-home-goods",
        "name": "Nordic Home Goods",
        "country": "SE",
        "shipping_fee": Decimal("6.90"),
        "free_shipping_threshold": Decimal("60.00"),
        "hue": 0.02,
        "description": "Calm, sturdy things for the home, designed and packed in Malmö.",
        "products": [
            DemoProduct(
                "stoneware-coffee-mug",
                "Stoneware Coffee Mug, 350 ml",
                "18.50",
                42,
                "mug",
                "Hand-glazed stoneware mug with a comfortable handle. Holds 350 ml, "
                "dishwasher and microwave safe.",
            ),
            DemoProduct(
                "oak-bedside-lamp",
                "Oak Bedside Lamp with Linen Shade",
                "64.00",
                7,
                "lamp",
                "Solid oak base, natural linen shade and a warm 2700 K LED bulb included. "
                "Cable with inline switch, 1.8 m.",
            ),
            DemoProduct(
                "merino-throw-blanket",
                "Striped Merino Wool Throw",
                "89.00",
                12,
                "stripes",
                "Soft merino wool throw woven in Sweden, 130 x 170 cm. Warm in winter, "
                "breathable in summer.",
            ),
            DemoProduct(
                "soy-candle-birch",
                "Birch & Cedar Soy Candle",
                "22.00",
                3,
                "candle",
                "Slow-burning soy wax candle with a cotton wick. Around 45 hours of "
                "woody, fresh scent.",
            ),
            DemoProduct(
                "ceramic-bud-vase",
                "Round Ceramic Bud Vase",
                "27.50",
                18,
                "vase",
                "A small matte vase for a single stem or dried flowers. 14 cm tall.",
            ),
            DemoProduct(
                "walnut-cutting-board",
                "Walnut Cutting Board",
                "45.00",
                0,
                "board",
                "End-grain walnut board with a handle, finished with food-safe oil. 38 x 25 cm.",
            ),
        ],
    },
    {
        "slug": "tokyo-tech-corner",
        "name": "Tokyo Tech Corner",
        "country": "JP",
        "shipping_fee": Decimal("12.00"),
        "free_shipping_threshold": Decimal("150.00"),
        "hue": 0.36,
        "description": "Gadgets and accessories from Akihabara, tested before they ship.",
        "products": [
            DemoProduct(
                "wireless-noise-cancelling-headphones",
                "Wireless Noise-Cancelling Headphones",
                "149.00",
                9,
                "headphones",
                "Over-ear Bluetooth 5.3 headphones with active noise cancelling, "
                "35-hour battery and a fold-flat case.",
            ),
            DemoProduct(
                "power-bank-20000",
                "Slim Power Bank 20,000 mAh",
                "39.90",
                25,
                "device",
                "Charges a phone four times over. USB-C in/out with 30 W fast charging "
                "and a pass-through port.",
            ),
            DemoProduct(
                "mechanical-keyboard-tkl",
                "Compact Mechanical Keyboard",
                "98.00",
                5,
                "keyboard",
                "Tenkeyless layout, hot-swappable tactile switches, PBT keycaps and a "
                "detachable USB-C cable.",
            ),
            DemoProduct(
                "smartwatch-fit",
                "Fitness Smartwatch with Heart-Rate Monitor",
                "119.00",
                14,
                "watch",
                "Tracks steps, sleep and heart rate; water resistant to 50 m; a week of battery.",
            ),
            DemoProduct(
                "silent-wireless-mouse",
                "Silent Wireless Mouse",
                "24.90",
                60,
                "mouse",
                "Quiet clicks, 2.4 GHz receiver stored in the body, up to 18 months on "
                "one AA battery.",
            ),
            DemoProduct(
                "usb-c-hub-7in1",
                "7-in-1 USB-C Hub",
                "49.00",
                2,
                "device",
                "HDMI 4K, two USB-A, SD and microSD readers, USB-C power delivery up "
                "to 100 W and gigabit Ethernet.",
            ),
        ],
    },
    {
        "slug": "atelier-lumiere",
        "name": "Atelier Lumière",
        "country": "FR",
        "shipping_fee": Decimal("8.50"),
        "free_shipping_threshold": None,
        "hue": 0.72,
        "description": "Small-batch accessories from a Lyon workshop, tracked shipping always.",
        "products": [
            DemoProduct(
                "silk-blend-scarf",
                "Silk-Blend Scarf, Lavender Stripe",
                "54.00",
                11,
                "stripes",
                "Light silk and modal blend with hand-rolled edges. 180 x 70 cm.",
            ),
            DemoProduct(
                "canvas-tote-bag",
                "Waxed Canvas Tote Bag",
                "38.00",
                20,
                "bag",
                "Water-resistant waxed canvas with leather handles and an inner zip "
                "pocket. Fits a 15-inch laptop.",
            ),
            DemoProduct(
                "leather-notebook-a5",
                "Leather-Bound A5 Notebook",
                "29.00",
                33,
                "book",
                "192 pages of 100 gsm dotted paper, lay-flat binding and a vegetable-"
                "tanned leather cover.",
            ),
            DemoProduct(
                "classic-sunglasses",
                "Classic Polarised Sunglasses",
                "72.00",
                6,
                "sunglasses",
                "Acetate frame with polarised, UV400 lenses. Comes in a recycled felt pouch.",
            ),
            DemoProduct(
                "wool-beret",
                "Wool Beret",
                "32.00",
                15,
                "hat",
                "The classic: 100% wool felt, one size, soft and warm.",
            ),
            DemoProduct(
                "eau-de-parfum-figue",
                "Eau de Parfum Figue, 50 ml",
                "68.00",
                4,
                "bottle",
                "Green fig, bergamot and cedar. Made in Grasse.",
            ),
        ],
    },
    {
        "slug": "trailhead-outfitters",
        "name": "Trailhead Outfitters",
        "country": "US",
        "shipping_fee": Decimal("5.99"),
        "free_shipping_threshold": Decimal("35.00"),
        "hue": 0.57,
        "description": "Gear for weekend hikes and long trails, shipped from Denver, Colorado.",
        "products": [
            DemoProduct(
                "insulated-water-bottle",
                "Insulated Steel Water Bottle, 750 ml",
                "29.95",
                48,
                "bottle",
                "Double-wall stainless steel keeps drinks cold for 24 hours or hot for "
                "12. Leak-proof lid.",
            ),
            DemoProduct(
                "daypack-22l",
                "Trail Daypack 22 L",
                "79.00",
                10,
                "backpack",
                "Light ripstop daypack with a ventilated back panel, hip belt and "
                "hydration sleeve.",
            ),
            DemoProduct(
                "camping-lantern",
                "Rechargeable Camping Lantern",
                "34.50",
                17,
                "lantern",
                "Three brightness levels and a warm candle mode; charges by USB-C and "
                "doubles as a power bank.",
            ),
            DemoProduct(
                "merino-hiking-socks",
                "Merino Hiking Socks, 2 Pairs",
                "24.00",
                36,
                "socks",
                "Cushioned merino wool socks that stay fresh for days. Reinforced heel and toe.",
            ),
            DemoProduct(
                "trail-mug-enamel",
                "Enamel Camp Mug",
                "14.00",
                1,
                "mug",
                "Classic speckled enamel mug, light enough for the pack and tough "
                "enough for the fire.",
            ),
            DemoProduct(
                "field-journal",
                "Waterproof Field Journal",
                "16.50",
                27,
                "book",
                "Write in the rain: 64 pages of waterproof paper in a flexible cover.",
            ),
        ],
    },
    {
        "slug": "verde-plant-co",
        "name": "Verde Plant Co.",
        "country": "PT",
        "shipping_fee": Decimal("4.50"),
        "free_shipping_threshold": Decimal("40.00"),
        "hue": 0.25,
        "description": "Healthy houseplants and tools, grown and packed in Porto.",
        "products": [
            DemoProduct(
                "monstera-deliciosa",
                "Monstera Deliciosa in 17 cm Pot",
                "36.00",
                8,
                "plant",
                "An easy, fast-growing favourite. Bright indirect light, water when "
                "the top soil is dry.",
            ),
            DemoProduct(
                "terracotta-planter",
                "Terracotta Planter with Saucer",
                "19.00",
                24,
                "vase",
                "Breathable unglazed terracotta, 15 cm, with a drainage hole and matching saucer.",
            ),
            DemoProduct(
                "brass-watering-can",
                "Indoor Watering Can, 1 L",
                "26.00",
                13,
                "can",
                "A long, slim spout that reaches under leaves without splashing.",
            ),
            DemoProduct(
                "herb-garden-kit",
                "Kitchen Herb Garden Kit",
                "21.50",
                30,
                "plant",
                "Basil, parsley and chives seeds with three pots and compost discs. "
                "Sprouts in about a week.",
            ),
            DemoProduct(
                "plant-care-handbook",
                "The Houseplant Care Handbook",
                "17.00",
                19,
                "book",
                "A friendly guide to light, water and repotting for more than 120 plants.",
            ),
            DemoProduct(
                "mister-spray-bottle",
                "Glass Plant Mister",
                "15.00",
                0,
                "bottle",
                "Fine mist for ferns and orchids that love humidity. 300 ml.",
            ),
        ],
    },
]


class Command(BaseCommand):
    help = "Create demo sellers, products (with drawn images), a demo shopper and a support user."

    def add_arguments(self, parser):
        parser.add_argument(
            "--superuser",
            metavar="EMAIL",
            help="Also create a superuser with this email (password from --password or "
            "DJANGO_SUPERUSER_PASSWORD).",
        )
        parser.add_argument("--password", help="Password for --superuser.")

    def handle(self, *args, **options):
        superuser_email = options.get("superuser")
        superuser_password = options.get("password") or os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if superuser_email and not superuser_password:
            raise CommandError(
                "--superuser needs a password: pass --password or set DJANGO_SUPERUSER_PASSWORD."
            )
        with transaction.atomic():
            self._seed_catalog()
            self._seed_users()
            if superuser_email:
                self._seed_superuser(superuser_email, superuser_password)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    # ------------------------------------------------------------------ catalog
    def _seed_catalog(self) -> None:
        sellers_created = products_created = images_drawn = 0
        for spec in SELLERS:
            seller, created = Seller.objects.get_or_create(
                slug=spec["slug"],
                defaults={
                    "name": spec["name"],
                    "country": spec["country"],
                    "shipping_fee": spec["shipping_fee"],
                    "free_shipping_threshold": spec["free_shipping_threshold"],
                    "description": spec["description"],
                },
            )
            sellers_created += created
            for index, item in enumerate(spec["products"]):
                product, created = Product.objects.get_or_create(
                    slug=item.slug,
                    defaults={
                        "seller": seller,
                        "title": item.title,
                        "description": item.description,
                        "price": Decimal(item.price),
                        "currency": seller.currency,
                        "stock": item.stock,
                    },
                )
                products_created += created
                if self._ensure_image(product, item, hue=spec["hue"] + index * 0.035):
                    images_drawn += 1
        self.stdout.write(
            f"Sellers: {sellers_created} created, {Seller.objects.count()} in total.\n"
            f"Products: {products_created} created, {Product.objects.count()} in total; "
            f"{images_drawn} image{'s' if images_drawn != 1 else ''} drawn."
        )

    def _ensure_image(self, product: Product, item: DemoProduct, *, hue: float) -> bool:
        """Draw the product's image unless it has one whose file exists."""
        storage = product.image.storage
        if product.image and storage.exists(product.image.name):
            return False
        name = f"{item.slug}.png"
        target = product.image.field.generate_filename(product, name)
        if storage.exists(target):
            # A file left behind by a wiped database: replace it instead of adding a copy.
            storage.delete(target)
        product.image.save(
            name, ContentFile(product_png(kind=item.kind, title=item.title, hue=hue)), save=False
        )
        product.save(update_fields=["image"])
        return True

    # -------------------------------------------------------------------- users
    def _seed_users(self) -> None:
        shopper, created = self._get_or_create_user(
            SHOPPER_EMAIL, SHOPPER_PASSWORD, full_name="Sam Shopper"
        )
        self._report_user("Demo shopper", shopper, created, SHOPPER_PASSWORD)
        if not shopper.addresses.exists():
            Address.objects.create(
                user=shopper,
                full_name="Sam Shopper",
                line1="500 Market Street",
                line2="Apt 12",
                city="San Francisco",
                region="CA",
                postal_code="94105",
                country="US",
                phone="+1 415 555 0100",
            )
            self.stdout.write("  added an address to the shopper's address book")

        support, created = self._get_or_create_user(
            SUPPORT_EMAIL, SUPPORT_PASSWORD, full_name="Sky Support", is_staff=True
        )
        self._report_user("Support user", support, created, SUPPORT_PASSWORD)
        group = Group.objects.filter(name=SUPPORT_GROUP).first()
        if group is None:
            self.stdout.write(f"  (no '{SUPPORT_GROUP}' group yet: not added to one)")
        elif not support.groups.filter(pk=group.pk).exists():
            support.groups.add(group)
            self.stdout.write(f"  added to the '{SUPPORT_GROUP}' group")

    def _seed_superuser(self, email: str, password: str) -> None:
        user, created = self._get_or_create_user(email, password, is_staff=True, is_superuser=True)
        if created:
            self.stdout.write(f"Superuser {user.email}: created.")
        else:
            self.stdout.write(f"Superuser {user.email}: already exists, left unchanged.")

    def _get_or_create_user(self, email: str, password: str, **fields) -> tuple[User, bool]:
        user = User.objects.filter(email__iexact=email).first()
        if user is not None:
            return user, False
        return User.objects.create_user(email=email, password=password, **fields), True

    def _report_user(self, label: str, user: User, created: bool, password: str) -> None:
        if created:
            self.stdout.write(f"{label}: {user.email} / {password} (demo only): created.")
        else:
            self.stdout.write(f"{label}: {user.email}: already exists, left unchanged.")
