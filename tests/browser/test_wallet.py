"""A new shopper creates the wallet, confirms it by email, links two cards (one with
another payment address), makes the second default and removes both, in Chromium."""

import re

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, AddressFactory, UserFactory
from tests.wallet.pages import confirmation_link
from wallet.models import Card, WalletAccount

EXPIRY = f"08/{(timezone.now().year + 4) % 100:02d}"


def add_card(page, number: str, cvc: str = "123") -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Name on card").fill("Wanda Wallet")
    page.get_by_label("Expiry (MM/YY)").fill(EXPIRY)
    page.get_by_label("CVC").fill(cvc)


def test_create_wallet_link_two_cards_make_default_and_remove_both(page, screenshot, login):
    user = UserFactory(email="wanda@example.com", full_name="Wanda Wallet")
    AddressFactory(
        user=user,
        full_name="Wanda Wallet",
        line1="500 Market Street",
        city="San Francisco",
        region="CA",
        postal_code="94105",
        country="US",
        last_used_at=timezone.now(),
    )
    login(user.email, DEFAULT_PASSWORD)
    expect(page.get_by_role("button", name="Account")).to_be_visible()

    # Create the wallet: CAPTCHA, then the letter.
    page.get_by_role("link", name="Wallet", exact=True).first.click()
    expect(page.get_by_role("heading", name="Create your wallet")).to_be_visible()
    page.get_by_label("Type the characters in the picture").fill("PASSED")
    screenshot(page, "01-create-wallet")
    page.get_by_role("button", name="Create my wallet").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text("We sent a confirmation letter to wanda@example.com")).to_be_visible()
    screenshot(page, "02-letter-sent")
    assert len(mail.outbox) == 1

    # Follow the link from the letter.
    page.goto(confirmation_link(mail.outbox[0]))
    expect(page.get_by_text("Your wallet is confirmed")).to_be_visible()
    assert WalletAccount.objects.get(user=user).is_confirmed
    screenshot(page, "03-wallet-home")

    # First card, with the address of the last order.
    page.get_by_role("link", name="Add a card").click()
    expect(page.get_by_text("500 Market Street")).to_be_visible()
    expect(page.get_by_label("Address line 1")).to_be_hidden()
    add_card(page, "4242 4242 4242 4242")
    screenshot(page, "04-add-card")
    page.get_by_role("button", name="Save the card").click()
    expect(page.get_by_role("heading", name="Your saved card")).to_be_visible()
    expect(page.get_by_test_id("saved-card").get_by_text("•••• 4242")).to_be_visible()
    expect(page.get_by_role("link", name="Go to your cart")).to_be_visible()
    screenshot(page, "05-card-saved")

    # Second card, with another payment address.
    page.get_by_role("link", name="Back to your wallet").click()
    page.get_by_role("link", name="Add a card").click()
    add_card(page, "5555 5555 5555 4444")
    page.get_by_role("link", name="Use another address").click()
    expect(page.get_by_label("Address line 1")).to_be_visible()
    page.get_by_label("Full name").fill("Wanda Billing")
    page.get_by_label("Address line 1").fill("1 Billing Plaza")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("State / region").fill("TX")
    page.get_by_label("ZIP / postal code").fill("73301")
    screenshot(page, "06-another-address")
    page.get_by_role("button", name="Save the card").click()
    expect(page.get_by_test_id("saved-card").get_by_text("•••• 4444")).to_be_visible()
    assert Card.objects.get(owner=user, last4="4444").payment_address["line1"] == "1 Billing Plaza"

    # View the cards, make the second default.
    page.get_by_role("link", name="Back to your wallet").click()
    page.get_by_role("link", name=re.compile(r"View your cards")).click()
    visa = page.get_by_role("article", name="Visa •••• 4242")
    mastercard = page.get_by_role("article", name="Mastercard •••• 4444")
    expect(visa.get_by_text("Default", exact=True)).to_be_visible()
    expect(mastercard.get_by_text("1 Billing Plaza")).to_be_visible()
    mastercard.get_by_role("button", name="Make default").click()
    expect(page.get_by_text("Mastercard •••• 4444 is now your default card")).to_be_visible()
    expect(
        page.get_by_role("article", name="Mastercard •••• 4444").get_by_text("Default", exact=True)
    ).to_be_visible()
    screenshot(page, "07-second-default")

    # Remove both, down to the empty state.
    for name in ("Visa •••• 4242", "Mastercard •••• 4444"):
        page.get_by_role("article", name=name).get_by_role("link", name="Remove").click()
        expect(page.get_by_role("heading", name="Remove this card?")).to_be_visible()
        page.get_by_role("button", name="Remove").click()
        expect(page.get_by_text(f"{name} was removed from your wallet")).to_be_visible()
    expect(page.get_by_text("You have no linked cards")).to_be_visible()
    expect(page.get_by_role("link", name="Add a card")).to_be_visible()
    screenshot(page, "08-empty-state")
    assert not Card.objects.active().filter(owner=user).exists()
    # Linked twice, removed twice: four security notices after the letter.
    assert len(mail.outbox) == 5
