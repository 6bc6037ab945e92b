"""Support in a real browser: did the customer get the letter? The outbox answers, by email."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from core.letters import letter_deliver, letter_enqueue
from support.permissions import SUPPORT_GROUP
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_support_finds_a_customers_letter_in_the_outbox(page, screenshot):
    agent = UserFactory(email="support@example.com", is_staff=True)
    agent.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    sent = letter_enqueue(
        to="ada@example.com", subject="Your Bazaar order BZ-000007 is confirmed", body="Hello"
    )
    letter_deliver(letter_id=sent.pk)
    letter_enqueue(to="bob@example.com", subject="Reset your Bazaar password", body="link")

    page.goto("/admin/login/")
    page.get_by_label("Email").fill(agent.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Outbox").click()
    page.locator("#searchbar").fill("ada@example.com")
    page.locator("#searchbar").press("Enter")

    expect(page.get_by_role("heading", name="Outbox")).to_be_visible()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Your Bazaar order BZ-000007 is confirmed")
    expect(rows.first).to_contain_text("Sent")
    screenshot(page, "outbox-search")
