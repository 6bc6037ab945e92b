import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from accounts.models import Address, User
from shop.models import Product, Seller


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _snapshot():
    return (
        list(Seller.objects.values_list("slug", "name", "shipping_fee").order_by("slug")),
        list(Product.objects.values_list("slug", "price", "stock", "image").order_by("slug")),
        list(User.objects.values_list("email", "password", "is_staff").order_by("email")),
        Address.objects.count(),
    )


def test_seed_demo_creates_a_catalog_with_images_and_demo_users(db, settings):
    assert Group.objects.filter(name="Support").exists()  # made by support's migrations
    output = _seed()

    assert Seller.objects.count() >= 4
    assert len(set(Seller.objects.values_list("country", flat=True))) >= 4
    assert Product.objects.count() >= 24
    for product in Product.objects.all():
        assert product.image.name == f"products/{product.slug}.png"
        assert (settings.MEDIA_ROOT / product.image.name).stat().st_size > 1000
    shopper = User.objects.get(email="shopper@example.com")
    assert shopper.check_password("demo-shopper-pass")
    assert shopper.addresses.count() == 1
    support = User.objects.get(email="support@example.com")
    assert support.is_staff and not support.is_superuser
    assert support.check_password("demo-support-pass")
    assert support.groups.filter(name="Support").exists()
    assert "shopper@example.com" in output


def test_seed_demo_twice_changes_nothing(db, settings):
    _seed()
    before = _snapshot()
    files_before = sorted(p.name for p in (settings.MEDIA_ROOT / "products").iterdir())
    _seed()
    assert _snapshot() == before
    assert sorted(p.name for p in (settings.MEDIA_ROOT / "products").iterdir()) == files_before


def test_seed_demo_creates_a_superuser_only_when_asked(db):
    _seed()
    assert not User.objects.filter(is_superuser=True).exists()
    _seed("--superuser", "boss@example.com", "--password", "a-long-admin-pass")
    boss = User.objects.get(email="boss@example.com")
    assert boss.is_superuser and boss.check_password("a-long-admin-pass")


def test_seed_demo_superuser_needs_a_password(db, monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="password"):
        _seed("--superuser", "boss@example.com")


def test_the_empty_search_pages_examples_find_products_in_the_demo_catalog(db, client):
    _seed()
    page = client.get("/search/?q=").content.decode()
    examples = re.findall(r"<em>([^<]+)</em>", page)

    assert examples == ["mug", "silk scarf"]
    for example in examples:
        found = client.get("/search/", {"q": example}).context["page_obj"].object_list
        assert len(found) >= 1, example
