"""Typed text is stored as one clean line: control characters and bidirectional-text
controls dropped, white space folded."""

import pytest
from django.urls import reverse

from accounts.models import Address
from core.text import one_line
from tests.accounts.test_address_views import FORM_DATA


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("  Grace \n Hopper\t", "Grace Hopper"),
        ("A\u202eB\x07C", "ABC"),  # a right-to-left override and a bell
        ("Bob\x1b[31m", "Bob[31m"),  # a terminal escape
        ("Nul\x00 byte", "Nul byte"),
        ("next\x85line", "next line"),  # NEL is a line break
        ("Zoë \u200d👩‍💻", "Zoë \u200d👩‍💻"),  # joiners that build letters and emoji stay
        (None, ""),
    ],
)
def test_one_line(typed, stored):
    assert one_line(typed) == stored


def test_an_address_typed_with_control_characters_is_stored_without_them(user_client):
    response = user_client.post(
        reverse("accounts:address-add"),
        {**FORM_DATA, "full_name": "Grace\u202e Hopper\x07", "line1": "1 Navy\x1b[2J Way"},
    )

    assert response.status_code == 302
    address = Address.objects.get()
    assert (address.full_name, address.line1) == ("Grace Hopper", "1 Navy[2J Way")
