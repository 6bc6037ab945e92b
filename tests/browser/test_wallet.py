"""A new shopper creates the wallet, confirms it by email, links two cards (one with
another payment address), makes the second default and removes both, in Chromium; the
wallet stays confirmed in a new browser; "Use another address" without JavaScript; the
password re-check. (axe over every wallet page: test_accessibility.py, test_phone.py.)"""

import re
from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import (
    DEFAULT_PASSWORD,
    AddressFactory,
    CardFactory,
    UserFactory,
    WalletAccountFactory,
)
from tests.wallet.pages import confirmation_link
from wallet.models import Card, WalletAccount
from wallet.reauth import SESSION_KEY as REAUTH_KEY

EXPIRY = f"08/{(timezone.now().year + 4) % 100:02d}"


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Account")).to_be_visible()


def new_browser_page(browser, live_server, **options):
    """A page in a fresh browser context: no cookies, nothing shared with ``page``."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, **options
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def confirmed_shopper(email: str):
    user = UserFactory(email=email, full_name="Wanda Wallet")
    WalletAccountFactory(user=user, confirmed_at=timezone.now())
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
    return user


def add_card(page, number: str, cvc: str = "123") -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Name on card").fill("Wanda Wallet")
    page.get_by_label("Expiry (MM/YY)").fill(EXPIRY)
    page.get_by_label("CVC").fill(cvc)


def test_create_wallet_link_two_cards_make_default_and_remove_both(
    page, screenshot, login, browser, live_server
):
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
    notices = [message.body for message in mail.outbox[1:]]
    assert any("A card ending 4242 was linked" in body for body in notices)
    assert any("A card ending 4444 was removed" in body for body in notices)
    assert all("If this wasn't you" in body for body in notices)

    # Once confirmed, never asked again: log out, then a new browser.
    page.get_by_role("button", name="Account").click()
    page.get_by_role("button", name="Log out").click()
    page.goto("/wallet/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    fresh = new_browser_page(browser, live_server)
    log_in(fresh, user.email)
    fresh.get_by_role("link", name="Wallet", exact=True).first.click()
    expect(fresh.get_by_role("heading", name="Your wallet")).to_be_visible()
    expect(fresh.get_by_role("link", name="Add a card")).to_be_visible()
    expect(fresh.get_by_label("Type the characters in the picture")).to_have_count(0)
    screenshot(fresh, "09-new-browser-no-questions")
    assert len(mail.outbox) == 5  # no new letter
    fresh.context.close()


def test_use_another_address_works_without_javascript(browser, live_server, screenshot):
    user = confirmed_shopper("nojs@example.com")
    page = new_browser_page(browser, live_server, java_script_enabled=False)
    log_in(page, user.email)

    page.goto("/wallet/cards/add/")
    expect(page.get_by_text("500 Market Street")).to_be_visible()
    expect(page.get_by_label("Address line 1")).to_be_hidden()
    page.get_by_role("link", name="Use another address").click()
    expect(page).to_have_url(re.compile(r"/wallet/cards/add/\?address=new$"))
    expect(page.get_by_label("Address line 1")).to_be_visible()
    add_card(page, "5555 5555 5555 4444")
    page.get_by_label("Full name").fill("Nora Nojs")
    page.get_by_label("Address line 1").fill("7 Plain HTML Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("State / region").fill("OR")
    page.get_by_label("ZIP / postal code").fill("97201")
    screenshot(page, "01-another-address-no-js")
    page.get_by_role("button", name="Save the card").click()

    expect(page.get_by_test_id("saved-card").get_by_text("•••• 4444")).to_be_visible()
    expect(page.get_by_text("7 Plain HTML Street")).to_be_visible()
    card = Card.objects.get(owner=user)
    assert card.payment_address["line1"] == "7 Plain HTML Street"
    assert card.payment_address["full_name"] == "Nora Nojs"

    # And back: the saved address again, still without JavaScript.
    page.goto("/wallet/cards/add/?address=new")
    page.get_by_role("link", name="Use the address of your last order").click()
    expect(page.get_by_text("500 Market Street")).to_be_visible()
    expect(page.get_by_label("Address line 1")).to_be_hidden()
    add_card(page, "4242 4242 4242 4242")
    page.get_by_role("button", name="Save the card").click()
    expect(page.get_by_test_id("saved-card").get_by_text("•••• 4242")).to_be_visible()
    assert Card.objects.get(owner=user, last4="4242").payment_address["line1"] == (
        "500 Market Street"
    )
    page.context.close()


def _password_typed(page, minutes_ago: int) -> None:
    """Pretend the password was last typed ``minutes_ago`` (edits the server session)."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    session[REAUTH_KEY] = (timezone.now() - timedelta(minutes=minutes_ago)).timestamp()
    session.save()


def test_after_15_minutes_adding_or_removing_asks_for_the_password_then_goes_back(page, screenshot):
    user = confirmed_shopper("reauth@example.com")
    CardFactory(owner=user, number="4242424242424242")
    log_in(page, user.email)

    _password_typed(page, minutes_ago=16)
    page.goto("/wallet/")
    page.get_by_role("link", name="Add a card").click()
    expect(page.get_by_role("heading", name="Confirm your password")).to_be_visible()
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That password isn't right")).to_be_visible()
    screenshot(page, "01-confirm-password")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/wallet/cards/add/$"))
    expect(page.get_by_role("button", name="Save the card")).to_be_visible()

    _password_typed(page, minutes_ago=14)
    page.goto("/wallet/cards/")
    page.get_by_role("article", name="Visa •••• 4242").get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove this card?")).to_be_visible()

    _password_typed(page, minutes_ago=15)
    page.get_by_role("button", name="Remove").click()  # the POST itself is re-checked
    expect(page.get_by_role("heading", name="Confirm your password")).to_be_visible()
    expect(page.get_by_text("Nothing was changed yet")).to_be_visible()
    assert Card.objects.active().filter(owner=user).count() == 1
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Remove this card?")).to_be_visible()
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("You have no linked cards")).to_be_visible()


def test_a_removed_card_disappears_from_checkout_at_once(page):
    from shop.services import cart_add_item, cart_get_or_create_for_user
    from tests.factories import ProductFactory

    user = confirmed_shopper("checkout-after-remove@example.com")
    visa = CardFactory(owner=user, number="4242424242424242")
    mastercard = CardFactory(owner=user, number="5555555555554444")
    product = ProductFactory(title="Enamel Teapot")
    cart_add_item(cart=cart_get_or_create_for_user(user=user), product=product, quantity=1)
    log_in(page, user.email)

    def to_checkout() -> None:
        page.goto("/cart/")
        page.get_by_role("link", name="Order from this seller").click()
        expect(page.get_by_role("heading", name="Way of payment")).to_be_visible()

    to_checkout()
    expect(page.get_by_label(f"Visa •••• 4242, expires {visa.expiry_display}")).to_be_checked()

    page.goto("/wallet/cards/")
    page.get_by_role("article", name="Visa •••• 4242").get_by_role("link", name="Remove").click()
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Visa •••• 4242 was removed from your wallet")).to_be_visible()

    to_checkout()
    expect(page.get_by_text("•••• 4242")).to_have_count(0)
    expect(
        page.get_by_label(f"Mastercard •••• 4444, expires {mastercard.expiry_display}")
    ).to_be_checked()


def test_the_captcha_offers_a_new_picture_and_reads_itself_aloud(page, login, settings):
    user = UserFactory(email="cara@example.com")
    login(user.email, DEFAULT_PASSWORD)
    page.goto("/wallet/")
    picture = page.get_by_role("img", name="A picture of distorted characters")
    first_picture = picture.get_attribute("src")
    key = page.locator("input[name=captcha_0]")
    first_key = key.input_value()

    page.get_by_role("button", name="New picture").click()

    expect(key).not_to_have_value(first_key)
    expect(picture).not_to_have_attribute("src", first_picture)
    expect(page.get_by_label("Type the characters in the picture")).to_be_focused()
    if settings.CAPTCHA_FLITE_PATH:
        listen = page.locator("audio[data-captcha-audio]")
        expect(listen).to_have_attribute("src", f"/captcha/audio/{key.input_value()}.wav")
    else:
        expect(page.get_by_text("Can't read it? Contact us")).to_be_visible()
