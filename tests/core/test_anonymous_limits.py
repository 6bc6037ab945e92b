"""Rows anonymous visitors can make are bounded per client address: visitor carts and
CAPTCHA refreshes. Over the limit: a 429 page that says when to try again; a forged
X-Forwarded-For changes nothing."""

import shutil

import pytest
from captcha.models import CaptchaStore
from django.test import Client
from django.urls import reverse

from shop.models import Cart
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


def _new_visitor_adds(product, ip=IP, **headers):
    return Client().post(
        reverse("shop:cart-add", args=[product.pk]), {"quantity": 1}, REMOTE_ADDR=ip, **headers
    )


def test_visitor_carts_per_address_stop_at_the_limit_with_a_429(settings, security_log):
    settings.ANONYMOUS_CART_LIMIT_PER_HOUR = 3
    product = ProductFactory()

    answers = [_new_visitor_adds(product).status_code for _ in range(3)]
    refused = _new_visitor_adds(product, HTTP_X_FORWARDED_FOR="198.51.100.50")

    assert answers == [302, 302, 302]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "Too many new carts from your network" in refused.content.decode()
    assert "try again in an hour" in refused.content.decode()
    assert Cart.objects.filter(user__isnull=True).count() == 3
    assert security_log.events("http.429")[0]["client_ip"] == IP


def test_other_addresses_and_existing_carts_are_not_limited(settings, user):
    settings.ANONYMOUS_CART_LIMIT_PER_HOUR = 1
    product = ProductFactory()
    visitor = Client()
    visitor.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1}, REMOTE_ADDR=IP)

    again = visitor.post(
        reverse("shop:cart-add", args=[product.pk]), {"quantity": 1}, REMOTE_ADDR=IP
    )
    elsewhere = _new_visitor_adds(product, ip="198.51.100.1")
    shopper = Client()
    shopper.force_login(user)
    signed_in = shopper.post(
        reverse("shop:cart-add", args=[product.pk]), {"quantity": 1}, REMOTE_ADDR=IP
    )

    assert (again.status_code, elsewhere.status_code, signed_in.status_code) == (302, 302, 302)


def test_captcha_refreshes_per_address_stop_at_the_limit(settings):
    settings.CAPTCHA_REFRESH_LIMIT_PER_HOUR = 2
    client = Client()

    def refresh(ip=IP):
        return client.get(
            "/captcha/refresh/", REMOTE_ADDR=ip, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
        )

    answers = [refresh().status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert CaptchaStore.objects.count() == 2
    assert refresh(ip="198.51.100.1").status_code == 200


@pytest.mark.skipif(not shutil.which("flite"), reason="flite is not installed")
def test_the_captcha_is_read_aloud_and_bounded_per_address(settings):
    settings.CAPTCHA_FLITE_PATH = shutil.which("flite")
    settings.CAPTCHA_AUDIO_LIMIT_PER_HOUR = 2
    key = CaptchaStore.pick()
    client = Client()

    def listen(ip=IP):
        return client.get(f"/captcha/audio/{key}.wav", REMOTE_ADDR=ip)

    spoken = listen()
    assert spoken.status_code == 200
    assert spoken["Content-Type"] == "audio/wav"
    assert b"".join(spoken.streaming_content)[:4] == b"RIFF"  # a real WAV file
    assert [listen().status_code, listen().status_code] == [200, 429]
