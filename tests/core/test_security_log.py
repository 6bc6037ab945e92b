"""The security log: one JSON object per line on the ``security`` logger (and a SecurityEvent
row), for logins, failures, lockouts, logouts, password changes and resets, sign-ups, 404s
on another user's object, 429s and every staff action."""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from core.models import SecurityEvent
from core.security_log import security_event
from tests.factories import DEFAULT_PASSWORD, AddressFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
ATTACKER_IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _login(client, email, password, ip=ATTACKER_IP):
    return client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=ip)


# ---------------------------------------------------------------- the line itself


def test_an_event_is_one_json_line_with_the_fixed_fields(security_log, user):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4")

    security_event("card.link", request=request, user=user, outcome="refused", object_id=7, n=1)

    (line,) = security_log.lines()
    assert "\n" not in line
    event = json.loads(line)
    assert list(event)[:6] == ["time", "event", "outcome", "user_id", "client_ip", "object_id"]
    assert event["event"] == "card.link"
    assert event["outcome"] == "refused"
    assert event["user_id"] == user.pk
    assert event["client_ip"] == "198.51.100.4"
    assert event["object_id"] == "7"
    assert event["n"] == 1
    when = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    assert event["time"].endswith("Z")
    assert when.tzinfo is not None and when.utcoffset() == UTC.utcoffset(when)


def test_user_typed_text_cannot_forge_a_line(security_log, client):
    forged = 'x\n{"event": "auth.login", "outcome": "success", "user_id": 1}\r\u2028"}'

    _login(client, forged, "wrong")

    lines = security_log.lines()
    assert len(lines) == 1
    assert all(char not in lines[0] for char in "\n\r\u2028")
    (event,) = security_log.events()
    assert event["outcome"] == "failure"
    assert event["username"] == forged  # kept exactly, inside its own string


def test_fixed_fields_cannot_be_overwritten_by_extra_fields():
    with pytest.raises(TypeError):
        security_event("x", outcome="success", user_id=5)


def test_long_text_is_cut(security_log):
    security_event("x", note="a" * 5000)

    (event,) = security_log.events()
    assert len(event["note"]) <= 501


def test_events_are_stored_for_support(user):
    security_event("auth.login", user=user, outcome="failure", username="ann")

    stored = SecurityEvent.objects.get()
    assert (stored.user_id, stored.event, stored.outcome) == (user.pk, "auth.login", "failure")
    assert stored.details == {"username": "ann"}


def test_the_client_address_ignores_a_forged_forwarded_for(security_log, client):
    client.post(
        LOGIN_URL,
        {"username": "a@example.com", "password": "x"},
        REMOTE_ADDR=ATTACKER_IP,
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )

    (event,) = security_log.events("auth.login")
    assert event["client_ip"] == ATTACKER_IP


def test_behind_trusted_proxies_the_client_address_is_the_forwarded_one(
    security_log, client, settings
):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

    client.post(
        LOGIN_URL,
        {"username": "a@example.com", "password": "x"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"{ATTACKER_IP}, 10.0.0.2",
    )

    (event,) = security_log.events("auth.login")
    assert event["client_ip"] == ATTACKER_IP


# ------------------------------------------------------------------- what is logged


def test_login_success_failure_and_lockout_are_logged(security_log, client, user):
    _login(client, user.email, "wrong-password")
    for _ in range(4):
        _login(client, user.email, "wrong-password")
    locked = _login(client, user.email, DEFAULT_PASSWORD)
    other = UserFactory()
    _login(client, other.email, DEFAULT_PASSWORD, ip="198.51.100.1")

    assert locked.status_code == 429
    failures = [e for e in security_log.events("auth.login") if e["outcome"] == "failure"]
    assert len(failures) >= 5
    assert {e["user_id"] for e in failures} == {user.pk}
    assert {e["client_ip"] for e in failures} == {ATTACKER_IP}
    (lockout, *_) = security_log.events("auth.lockout")
    assert (lockout["user_id"], lockout["outcome"]) == (user.pk, "blocked")
    too_many = security_log.events("http.429")
    assert too_many and {e["object_id"] for e in too_many} == {LOGIN_URL}
    (success,) = [e for e in security_log.events("auth.login") if e["outcome"] == "success"]
    assert (success["user_id"], success["client_ip"]) == (other.pk, "198.51.100.1")


def test_a_failed_login_for_an_unknown_email_has_no_user(security_log, client):
    _login(client, "nobody@example.com", "x")

    (event,) = security_log.events("auth.login")
    assert event["user_id"] is None
    assert event["username"] == "nobody@example.com"


def test_logout_is_logged(security_log, user_client, user):
    user_client.post(reverse("accounts:logout"))

    (event,) = security_log.events("auth.logout")
    assert event["user_id"] == user.pk


def test_password_change_is_logged(security_log, user_client, user):
    new = "plum-orchard-41-lantern"
    user_client.post(
        reverse("accounts:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": new, "new_password2": new},
    )

    (event,) = security_log.events("auth.password_change")
    assert (event["user_id"], event["outcome"]) == (user.pk, "success")


def test_password_reset_request_limit_and_completion_are_logged(
    security_log, client, user, django_capture_on_commit_callbacks
):
    import re

    from django.core import mail

    url = reverse("accounts:password_reset")
    for _ in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {"email": user.email})
    link = re.search(r"/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    form_url = client.get(link).url
    new = "plum-orchard-41-lantern"
    client.post(form_url, {"new_password1": new, "new_password2": new})

    outcomes = [e["outcome"] for e in security_log.events("auth.password_reset")]
    assert outcomes == ["requested"] * 3 + ["refused", "success"]
    assert security_log.events("auth.password_reset")[-1]["user_id"] == user.pk


def test_the_reset_rate_limit_per_address_is_a_logged_429(security_log, client):
    url = reverse("accounts:password_reset")
    for n in range(21):
        response = client.post(url, {"email": f"n{n}@example.com"})

    assert response.status_code == 429
    (event,) = security_log.events("http.429")
    assert event["object_id"] == url


def test_sign_up_is_logged(security_log, client):
    password = "plum-orchard-41-lantern"
    client.post(
        reverse("accounts:signup"),
        {"email": "new@example.com", "password1": password, "password2": password},
    )

    (event,) = security_log.events("auth.signup")
    assert event["outcome"] == "success"
    assert event["user_id"] is not None


def test_a_404_on_another_users_order_is_logged_with_user_path_and_address(
    security_log, user_client, user
):
    order = OrderFactory(user=UserFactory())
    url = reverse("shop:order-detail", args=[order.number])

    response = user_client.get(url, REMOTE_ADDR="198.51.100.8")

    assert response.status_code == 404
    (event,) = security_log.events("http.404")
    assert (event["user_id"], event["object_id"], event["client_ip"]) == (
        user.pk,
        url,
        "198.51.100.8",
    )


def test_a_404_on_another_users_address_is_logged(security_log, user_client):
    address = AddressFactory()

    user_client.get(reverse("accounts:address-edit", args=[address.pk]))

    assert len(security_log.events("http.404")) == 1


def test_a_flood_of_404s_from_one_address_is_logged_whole_but_stored_only_so_often(
    security_log, user_client, settings
):
    settings.SECURITY_PROBE_EVENTS_STORED_PER_MINUTE = 3
    for n in range(5):
        user_client.get(f"/orders/BZ-99999{n}/", REMOTE_ADDR="198.51.100.9")
    user_client.get("/orders/BZ-999990/", REMOTE_ADDR="198.51.100.10")  # another address

    logged = security_log.events("http.404")
    assert len(logged) == 6
    assert [e.get("stored", True) for e in logged] == [True, True, True, False, False, True]
    stored = SecurityEvent.objects.filter(event="http.404")
    assert (
        sorted(stored.values_list("client_ip", flat=True))
        == ["198.51.100.10"] + ["198.51.100.9"] * 3
    )


def test_anonymous_404s_are_not_security_events(security_log, client):
    client.get("/no-such-page/")

    assert security_log.events("http.404") == []


def test_a_staff_admin_change_is_logged(security_log, superuser_client):
    from tests.factories import SellerFactory

    seller = SellerFactory()
    url = reverse("admin:shop_seller_change", args=[seller.pk])
    data = {
        "name": "Renamed",
        "slug": seller.slug,
        "country": seller.country,
        "currency": seller.currency,
        "shipping_fee": "5.00",
        "free_shipping_threshold": "50.00",
    }

    response = superuser_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    (event,) = security_log.events("staff.action")
    assert event["object_id"] == f"shop.seller:{seller.pk}"
    assert event["action"] == "admin_change"
    assert event["client_ip"] == "127.0.0.1"


def test_a_support_order_action_is_logged(security_log, support_user):
    from shop.services import order_mark_shipped, order_set_status

    order = OrderFactory()
    order_set_status(order=order, status="paid", by=None)
    order_mark_shipped(order=order, by=support_user)

    (event,) = security_log.events("staff.action")
    assert event["user_id"] == support_user.pk
    assert event["order_number"] == order.number


# --------------------------------------------------------------- support's customer page


def test_the_customer_page_shows_the_last_20_security_events_in_fixed_queries(support_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    customer = UserFactory()
    url = reverse("admin:accounts_user_change", args=[customer.pk])
    security_event("auth.login", user=customer, outcome="failure", username="<b>x</b>")
    support_client.get(url)  # warms the content-type cache
    with CaptureQueriesContext(connection) as few:
        support_client.get(url)
    for n in range(30):
        security_event("auth.login", user=customer, outcome="failure", attempt=n)
    with CaptureQueriesContext(connection) as many:
        response = support_client.get(url)

    assert len(many) == len(few)
    html = response.content.decode()
    assert html.count("<td>auth.login</td>") == 20
    assert "attempt: 29" in html and "attempt: 9" not in html.replace("attempt: 9;", "")
    assert "<b>x</b>" not in html


def test_prune_security_events_keeps_the_retention_window(settings, user):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    settings.SECURITY_EVENT_RETENTION_DAYS = 365
    security_event("auth.login", user=user)
    SecurityEvent.objects.create(
        created_at=timezone.now() - timedelta(days=366), event="auth.login", outcome="success"
    )

    call_command("prune_security_events", stdout=None)

    assert SecurityEvent.objects.count() == 1


def test_a_nul_in_user_text_is_stored_spelled_out(security_log, user):
    # PostgreSQL refuses NUL in text and JSON; the event must still be stored (and logged).
    security_event("http.404", user=user, object_id="/orders/\x00/", username="a\x00b")

    stored = SecurityEvent.objects.get()
    assert stored.object_id == "/orders/\\x00/"
    assert stored.details == {"username": "a\\x00b"}
    (event,) = security_log.events()
    assert event["object_id"] == "/orders/\x00/"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_an_event_is_one_insert_and_a_refused_row_never_raises(
    security_log, user, django_assert_num_queries, monkeypatch
):
    with django_assert_num_queries(1):  # no BEGIN/COMMIT around a single statement
        security_event("payment", user=user, outcome="succeeded", object_id=7)
    assert SecurityEvent.objects.get().object_id == "7"

    # A statement the database refuses is logged, never raised, and the next write goes
    # through (outside a transaction nothing is left aborted).
    def refused(**fields):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO no_such_table VALUES (1)")

    with monkeypatch.context() as patch:
        patch.setattr(SecurityEvent.objects, "create", refused)
        security_event("refused", user=user)
    security_event("auth.logout", user=user)
    assert sorted(SecurityEvent.objects.values_list("event", flat=True)) == [
        "auth.logout",
        "payment",
    ]
