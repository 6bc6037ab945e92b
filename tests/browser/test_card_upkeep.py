"""Cards that keep themselves up to date, in Chromium: the expiry reminder letter leads to
Your cards, where the card is marked Expires soon; a card the issuer reissued shows its new
expiry on Your cards and "Card updated by your bank" in Payment activity."""

import re
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, CardFactory, UserFactory, WalletAccountFactory

YEAR = timezone.now().year + 1


@pytest.fixture
def shopper(transactional_db):
    user = UserFactory(email="ada@example.com", full_name="Ada Lovelace")
    WalletAccountFactory(user=user, confirmed_at=timezone.now())
    return user


def test_the_expiry_reminder_leads_to_the_card_marked_expires_soon(page, login, screenshot):
    with time_machine.travel(date(YEAR, 12, 5)):
        user = UserFactory(email="ada@example.com", full_name="Ada Lovelace")
        WalletAccountFactory(user=user, confirmed_at=timezone.now())
        CardFactory(owner=user, exp_month=12, exp_year=YEAR)
        mail.outbox.clear()
        call_command("send_card_expiry_reminders", stdout=StringIO())
        letter = mail.outbox[-1]
        assert "Your Visa •••• 4242 expires at the end of December" in letter.body
        link = re.search(r"https?://\S+/wallet/cards/", letter.body).group(0)

        login(user.email, DEFAULT_PASSWORD)
        page.goto(
            link.split("/wallet/")[0].replace(link.split("/wallet/")[0], "") + "/wallet/cards/"
        )
        expect(page.get_by_text("Expires soon")).to_be_visible()
        screenshot(page, "your-cards-expires-soon")


def test_an_issuer_update_shows_on_your_cards_and_in_payment_activity(
    page, login, screenshot, shopper
):
    card = CardFactory(owner=shopper, number="4000000000005506")
    new_expiry = f"12/{(card.exp_year + 3) % 100:02d}"
    call_command("update_cards_from_issuers", stdout=StringIO())

    login(shopper.email, DEFAULT_PASSWORD)
    page.goto("/wallet/cards/")
    expect(page.get_by_text(new_expiry)).to_be_visible()
    page.goto("/wallet/activity/")
    expect(page.get_by_text("Card updated by your bank").first).to_be_visible()
    screenshot(page, "activity-card-updated-by-bank")
