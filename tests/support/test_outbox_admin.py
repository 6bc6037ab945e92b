"""Support's read-only outbox: whether and when a customer's letter went out, never its text."""

import pytest
from django.urls import reverse

from core.letters import letter_deliver, letter_enqueue
from core.models import Letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters():
    sent = letter_enqueue(
        to="ada@example.com", subject="Your Bazaar order BZ-000007 is confirmed", body="Sent text"
    )
    letter_deliver(letter_id=sent.pk)
    waiting = letter_enqueue(
        to="bob@example.com",
        subject="Reset your Bazaar password",
        body="https://bazaar.example/accounts/reset/secret-token/",
    )
    return Letter.objects.get(pk=sent.pk), waiting


def test_support_finds_a_customers_letters_by_email_and_sees_when_they_went(
    support_client, letters
):
    sent, _waiting = letters
    response = support_client.get(reverse("admin:core_letter_changelist"), {"q": "ada@"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Outbox" in page
    assert "Your Bazaar order BZ-000007 is confirmed" in page
    assert "Sent" in page
    assert "bob@example.com" not in page
    detail = support_client.get(reverse("admin:core_letter_change", args=[sent.pk]))
    assert detail.status_code == 200
    assert "ada@example.com" in detail.content.decode()


def test_the_outbox_never_shows_a_letters_text_and_cannot_be_edited(
    support_client, superuser_client, letters
):
    _sent, waiting = letters
    for client in (support_client, superuser_client):
        page = client.get(reverse("admin:core_letter_change", args=[waiting.pk]))
        assert page.status_code == 200
        assert "secret-token" not in page.content.decode()
        assert client.get(reverse("admin:core_letter_add")).status_code == 403
        delete = client.post(reverse("admin:core_letter_delete", args=[waiting.pk]))
        assert delete.status_code == 403
    assert Letter.objects.count() == 2
