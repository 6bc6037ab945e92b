"""Creating the wallet (CAPTCHA, confirmation letter), confirming it, re-authentication."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from tests.conftest import DEFAULT_PASSWORD
from tests.factories import CardFactory, WalletAccountFactory
from tests.wallet.pages import confirmation_link
from wallet.models import WalletAccount
from wallet.reauth import SESSION_KEY as REAUTH_KEY

pytestmark = pytest.mark.django_db

CAPTCHA_OK = {"captcha_0": "any-hashkey", "captcha_1": "PASSED"}
WALLET_URLS = [
    "/wallet/",
    "/wallet/cards/",
    "/wallet/cards/add/",
    "/wallet/cards/1/",
    "/wallet/cards/1/edit/",
    "/wallet/cards/1/remove/",
    "/wallet/activity/",
    "/wallet/confirm-password/",
    "/wallet/confirm/abc/",
]


def create_wallet(client, outbox, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/wallet/", CAPTCHA_OK)
    assert response.status_code == 302
    return confirmation_link(outbox[-1])


@pytest.mark.parametrize("url", WALLET_URLS)
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")


@pytest.mark.parametrize(
    "url",
    [
        "/wallet/",
        "/wallet/resend/",
        "/wallet/cards/add/",
        "/wallet/cards/1/default/",
        "/wallet/cards/1/remove/",
        "/wallet/cards/1/edit/",
    ],
)
def test_anonymous_posts_are_sent_to_login_and_change_nothing(client, url, outbox):
    response = client.post(url, CAPTCHA_OK)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")
    assert not WalletAccount.objects.exists()
    assert outbox == []


def test_first_visit_explains_the_wallet_and_asks_for_the_captcha(user_client):
    response = user_client.get("/wallet/")

    assert response.status_code == 200
    assert "wallet/wallet_create.html" in [t.name for t in response.templates]
    assert b'name="captcha_1"' in response.content
    assert b"/captcha/image/" in response.content
    assert not WalletAccount.objects.exists()


def test_wrong_captcha_creates_nothing_and_says_so(user_client, outbox):
    response = user_client.post("/wallet/", {"captcha_0": "nope", "captcha_1": "WRONG"})

    assert response.status_code == 400
    assert response.context["form"].has_error("captcha", "invalid")
    assert "don&#x27;t match the picture" in response.content.decode()
    assert 'class="form-control is-invalid"' in response.content.decode()
    assert 'aria-describedby="captcha_error"' in response.content.decode()
    assert not WalletAccount.objects.exists()
    assert outbox == []


def test_resending_without_a_wallet_or_after_confirming_sends_nothing(
    user_client, user, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        none_yet = user_client.post("/wallet/resend/")
    assert none_yet.status_code == 302 and none_yet.url == "/wallet/"
    assert outbox == []

    link = create_wallet(user_client, outbox, django_capture_on_commit_callbacks)
    user_client.get(link)
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=5)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        user_client.post("/wallet/resend/")

    assert len(outbox) == 1
    assert user_client.get("/wallet/resend/").status_code == 405


def test_link_opened_while_logged_out_confirms_after_logging_in(
    client, user, outbox, django_capture_on_commit_callbacks
):
    client.force_login(user)
    link = create_wallet(client, outbox, django_capture_on_commit_callbacks)
    client.post(reverse("accounts:logout"))

    to_login = client.get(link)
    assert to_login.status_code == 302
    logged_in = client.post(
        to_login.url,
        {"username": user.email, "password": DEFAULT_PASSWORD},
        follow=True,
    )

    assert WalletAccount.objects.get(user=user).is_confirmed
    assert "Your wallet is confirmed" in logged_in.content.decode()


def test_captcha_sends_a_letter_with_a_link_and_the_page_waits_for_it(
    user_client, user, outbox, django_capture_on_commit_callbacks
):
    link = create_wallet(user_client, outbox, django_capture_on_commit_callbacks)

    account = WalletAccount.objects.get(user=user)
    assert not account.is_confirmed
    assert outbox[0].to == [user.email]
    assert "24 hours" in outbox[0].body
    assert link.startswith("/wallet/confirm/")
    page = user_client.get("/wallet/")
    assert "wallet/wallet_pending.html" in [t.name for t in page.templates]
    assert user.email in page.content.decode()
    assert "Send the letter again" in page.content.decode()


def test_confirmation_link_confirms_the_wallet_once(
    user_client, user, outbox, django_capture_on_commit_callbacks
):
    link = create_wallet(user_client, outbox, django_capture_on_commit_callbacks)

    response = user_client.get(link, follow=True)

    assert WalletAccount.objects.get(user=user).is_confirmed
    assert "Your wallet is confirmed" in response.content.decode()
    assert "Add a card" in response.content.decode()
    again = user_client.get(link, follow=True)
    assert "already been used" in again.content.decode()
    assert "wallet/wallet_home.html" in [t.name for t in again.templates]


def test_expired_confirmation_link_is_refused(
    user_client, user, outbox, django_capture_on_commit_callbacks
):
    link = create_wallet(user_client, outbox, django_capture_on_commit_callbacks)

    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        response = user_client.get(link)

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not WalletAccount.objects.get(user=user).is_confirmed


def test_link_still_works_just_before_it_expires(
    user_client, user, outbox, django_capture_on_commit_callbacks
):
    link = create_wallet(user_client, outbox, django_capture_on_commit_callbacks)

    with time_machine.travel(timezone.now() + timedelta(hours=23, minutes=59)):
        user_client.get(link)

    assert WalletAccount.objects.get(user=user).is_confirmed


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: "garbage",
    ],
)
def test_tampered_confirmation_link_is_refused(
    user_client, user, outbox, django_capture_on_commit_callbacks, tamper
):
    link = create_wallet(user_client, outbox, django_capture_on_commit_callbacks)
    token = link.rstrip("/").rsplit("/", 1)[1]

    response = user_client.get(f"/wallet/confirm/{tamper(token)}/")

    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not WalletAccount.objects.get(user=user).is_confirmed


def test_a_new_letter_replaces_the_old_link(
    user_client, user, outbox, django_capture_on_commit_callbacks
):
    first = create_wallet(user_client, outbox, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        with django_capture_on_commit_callbacks(execute=True):
            user_client.post("/wallet/resend/")
        second = confirmation_link(outbox[-1])

        old = user_client.get(first)
        assert old.status_code == 400
        assert "older letter" in old.content.decode()
        user_client.get(second)

    assert len(outbox) == 2
    assert WalletAccount.objects.get(user=user).is_confirmed


def test_letters_link_to_the_public_site_whatever_host_the_request_used(
    user_client, outbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://shop.bazaar.example"
    create_wallet(user_client, outbox, django_capture_on_commit_callbacks)
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        user_client.post("/wallet/resend/")

    assert len(outbox) == 2
    for letter in outbox:
        assert "\nhttps://shop.bazaar.example/wallet/confirm/" in letter.body
        assert "testserver" not in letter.body


def test_link_sent_to_another_account_does_not_confirm_either(
    client, user, other_user, outbox, django_capture_on_commit_callbacks
):
    client.force_login(user)
    link = create_wallet(client, outbox, django_capture_on_commit_callbacks)
    client.force_login(other_user)

    response = client.get(link)

    assert response.status_code == 400
    assert "belongs to another account" in response.content.decode()
    assert not WalletAccount.objects.filter(confirmed_at__isnull=False).exists()


def test_resending_is_limited_to_one_letter_a_minute(
    user_client, outbox, django_capture_on_commit_callbacks
):
    create_wallet(user_client, outbox, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post("/wallet/resend/", follow=True)

    assert len(outbox) == 1
    assert "less than a minute ago" in response.content.decode()


def test_resending_is_limited_to_five_letters_a_day(
    user_client, outbox, django_capture_on_commit_callbacks
):
    start = timezone.now()
    create_wallet(user_client, outbox, django_capture_on_commit_callbacks)
    for minute in range(2, 14, 2):
        with (
            time_machine.travel(start + timedelta(minutes=minute)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = user_client.post("/wallet/resend/", follow=True)

    assert len(outbox) == 5
    assert "5 letters today" in response.content.decode()


def test_confirmed_wallet_never_asks_again_after_logout_in_a_new_browser(
    client, user, outbox, django_capture_on_commit_callbacks
):
    client.force_login(user)
    client.get(create_wallet(client, outbox, django_capture_on_commit_callbacks))
    client.post(reverse("accounts:logout"))

    from django.test import Client

    fresh = Client()
    fresh.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD})
    response = fresh.get("/wallet/")

    assert "wallet/wallet_home.html" in [t.name for t in response.templates]
    assert b"captcha" not in response.content


def test_wallet_home_offers_add_a_card_your_cards_and_activity(wallet_client):
    response = wallet_client.get("/wallet/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Add a card" in html and "<svg" in html
    assert "View your cards" in html
    assert "Payment activity" in html


@pytest.mark.parametrize("url", ["/wallet/cards/", "/wallet/cards/add/", "/wallet/activity/"])
def test_wallet_pages_send_to_the_wallet_until_it_is_confirmed(user_client, user, url):
    WalletAccountFactory(user=user)

    response = user_client.get(url)

    assert response.status_code == 302
    assert response.url == "/wallet/"


@pytest.mark.parametrize("confirmed", [None, False, True], ids=["none", "unconfirmed", "confirmed"])
def test_cards_saved_at_checkout_open_the_cards_and_activity_pages_read_only_until_confirmed(
    user_client, user, confirmed
):
    if confirmed is not None:
        WalletAccountFactory(user=user, confirmed_at=timezone.now() if confirmed else None)
    CardFactory(owner=user)

    cards = user_client.get("/wallet/cards/")
    activity = user_client.get("/wallet/activity/")

    assert cards.status_code == activity.status_code == 200
    assert cards.context["wallet_ready"] is activity.context["wallet_ready"] is bool(confirmed)
    assert ('data-testid="wallet-not-created"' in cards.content.decode()) is not confirmed
    assert ("Add a card" in cards.content.decode()) is bool(confirmed)


# ------------------------------------------------------------------ re-authentication


def test_login_counts_as_entering_the_password(client, user):
    WalletAccountFactory(user=user, confirmed_at=timezone.now())
    client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD})

    assert client.session.get(SESSION_KEY)
    assert client.get("/wallet/cards/add/").status_code == 200


@pytest.mark.parametrize("url", ["/wallet/cards/add/", "/wallet/cards/{pk}/remove/"])
def test_stale_password_asks_to_confirm_it_then_returns(wallet_client, user, url):
    from tests.factories import CardFactory

    card = CardFactory(owner=user)
    url = url.format(pk=card.pk)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = wallet_client.get(url)
        assert response.status_code == 302
        assert response.url == f"/wallet/confirm-password/?next={url.replace('/', '%2F')}"

        wrong = wallet_client.post(response.url, {"password": "nope", "next": url})
        assert wrong.status_code == 200
        assert wrong.context["form"].has_error("password", "wrong_password")

        right = wallet_client.post(response.url, {"password": DEFAULT_PASSWORD, "next": url})
        assert right.status_code == 302
        assert right.url == url
        assert wallet_client.get(url).status_code == 200


def test_stale_password_blocks_removing_by_post(wallet_client, user):
    from tests.factories import CardFactory

    card = CardFactory(owner=user)
    session = wallet_client.session
    session[REAUTH_KEY] = (timezone.now() - timedelta(minutes=15)).timestamp()
    session.save()

    response = wallet_client.post(f"/wallet/cards/{card.pk}/remove/")

    assert response.status_code == 302
    assert response.url.startswith("/wallet/confirm-password/")
    card.refresh_from_db()
    assert card.removed_at is None
    page = wallet_client.get(response.url).content.decode()
    assert "Nothing was changed yet: confirm your password, then try again." in page


def test_confirm_password_ignores_an_outside_next(wallet_client):
    response = wallet_client.post(
        "/wallet/confirm-password/",
        {"password": DEFAULT_PASSWORD, "next": "https://evil.example/steal"},
    )

    assert response.status_code == 302
    assert response.url == "/wallet/"


# ------------------------------------------------ the session carries "confirmed"
def _asks_for_the_wallet(client, url: str) -> tuple[str, bool]:
    """The page's HTML, and whether drawing it read the shopper's wallet account."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    asked = any("wallet_walletaccount" in query["sql"] for query in queries.captured_queries)
    return response.content.decode(), asked


def test_a_confirmed_wallet_travels_in_the_session_from_the_login(client, user):
    WalletAccountFactory(user=user, confirmed_at=timezone.now())
    CardFactory(owner=user)
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302

    for url in ("/wallet/cards/", "/wallet/activity/"):
        page, asked = _asks_for_the_wallet(client, url)
        assert not asked, url  # one round trip fewer on every view
        assert "wallet_confirmed" in client.session
    page, _ = _asks_for_the_wallet(client, "/wallet/cards/")
    assert 'href="/wallet/cards/add/"' in page  # and the wallet is ready


def test_confirming_by_the_letter_carries_it_on(
    user_client, user, outbox, django_capture_on_commit_callbacks
):
    link = create_wallet(user_client, outbox, django_capture_on_commit_callbacks)
    CardFactory(owner=user)
    page, asked = _asks_for_the_wallet(user_client, "/wallet/cards/")
    assert asked and 'href="/wallet/cards/add/"' not in page  # read-only until confirmed

    user_client.get(link)

    page, asked = _asks_for_the_wallet(user_client, "/wallet/cards/")
    assert not asked and 'href="/wallet/cards/add/"' in page


def test_a_wallet_confirmed_in_another_browser_is_seen_and_no_get_writes_the_session(
    client, user, outbox, django_capture_on_commit_callbacks
):
    laptop, phone = client, type(client)()
    laptop.force_login(user)
    phone.force_login(user)
    link = create_wallet(laptop, outbox, django_capture_on_commit_callbacks)
    CardFactory(owner=user)
    phone.get(link)  # confirmed on the phone; the laptop logged in before

    for _ in range(2):
        page, asked = _asks_for_the_wallet(laptop, "/wallet/cards/")
        assert asked and 'href="/wallet/cards/add/"' in page  # the database says so
    assert "wallet_confirmed" not in laptop.session  # a GET never wrote it
