"""A shopper signs up, logs out, logs back in and fills the address book, in Chromium."""

import re

from playwright.sync_api import expect

from accounts.models import Address, User

PASSWORD = "plum-orchard-41-lantern"


def test_sign_up_log_out_log_in_and_add_an_address(page, screenshot, login):
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    page.get_by_label("Email").fill("Browser.Shopper@Example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    screenshot(page, "01-signup")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_text("Welcome to Bazaar! Your account is ready.")).to_be_visible()
    assert User.objects.filter(email="browser.shopper@example.com").exists()
    screenshot(page, "02-signed-up")

    page.get_by_role("button", name="Account").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    login("browser.shopper@example.com", "wrong-password-1")
    expect(page.get_by_text("That email and password don't match an account")).to_be_visible()
    screenshot(page, "03-login-error")
    login("BROWSER.SHOPPER@example.com", PASSWORD)
    expect(page.get_by_role("button", name="Account")).to_be_visible()

    page.get_by_role("button", name="Account").click()
    page.get_by_role("link", name="Addresses").click()
    expect(page.get_by_text("You have no saved addresses yet")).to_be_visible()
    page.get_by_role("link", name="Add an address").click()
    page.get_by_label("Full name").fill("Browser Shopper")
    page.get_by_label("Address line 1").fill("500 Market Street")
    page.get_by_label("Address line 2").fill("Floor 3")
    page.get_by_label("City").fill("San Francisco")
    page.get_by_label("State / region").fill("CA")
    page.get_by_label("ZIP / postal code").fill("94105")
    expect(page.get_by_label("Country")).to_have_value("US")
    page.get_by_label("Phone").fill("+1 415 555 0100")
    screenshot(page, "04-address-form")
    page.get_by_role("button", name="Save address").click()

    expect(page.get_by_text("Address saved.")).to_be_visible()
    card = page.get_by_role("article").filter(has_text="500 Market Street")
    expect(card.get_by_text("Default")).to_be_visible()
    expect(card.get_by_text("United States of America")).to_be_visible()
    screenshot(page, "05-address-book")
    address = Address.objects.get(user__email="browser.shopper@example.com")
    assert address.city == "San Francisco"
    assert address.country == "US"


def test_address_book_on_a_phone_screen(page, screenshot, login):
    user = User.objects.create_user(email="phone@example.com", password=PASSWORD)
    Address.objects.create(
        user=user,
        full_name="Phone Shopper",
        line1="1 Small Screen Road",
        city="Austin",
        region="TX",
        postal_code="78701",
        country="US",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    login("phone@example.com", PASSWORD)
    page.goto("/accounts/addresses/")

    expect(page.get_by_text("1 Small Screen Road")).to_be_visible()
    page.get_by_role("link", name=re.compile("Remove address")).click()
    screenshot(page, "phone-remove-confirmation")
    page.get_by_role("button", name="Remove").click()

    expect(page.get_by_text("Address removed.")).to_be_visible()
    expect(page.get_by_text("You have no saved addresses yet")).to_be_visible()
    screenshot(page, "phone-empty-book")
    assert not Address.objects.filter(user=user).exists()


def test_forgotten_password_is_reset_through_the_emailed_link(page, screenshot, login, outbox):
    user = User.objects.create_user(email="forgetful@example.com", password=PASSWORD)
    new_password = "harbour-violet-73-compass"
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("Forgetful@Example.com")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    assert len(outbox) == 1
    assert outbox[0].to == ["forgetful@example.com"]
    link = re.search(r"https?://\S+/accounts/reset/\S+", outbox[0].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Confirm new password").fill("short")
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("too short", exact=False)).to_be_visible()
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Confirm new password").fill(new_password)
    screenshot(page, "new-password")
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("heading", name="Your password has been set")).to_be_visible()

    login("forgetful@example.com", new_password)
    expect(page.get_by_role("button", name="Account")).to_be_visible()
    user.refresh_from_db()
    assert user.check_password(new_password)
    # The link was spent: opening it again explains that instead of showing the form.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
