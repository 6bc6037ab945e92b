"""Hostile input in the URL never answers 500: every URL pattern of the project, with each
parameter (or an extra path segment) replaced by a NUL, a 5,000-character run, a path
traversal, unicode with a right-to-left override, invalid UTF-8 or SQL, requested by a
visitor, a shopper and a staff member. The answer is 400 or 404, or the page's usual answer
to a stranger (a redirect to log in, 403, 405 for a GET on a POST-only page)."""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import RoutePattern, URLResolver

from tests.factories import UserFactory

# Each is percent-encoded as a browser sends it (``_hostile_path``): the NUL goes as %00.
HOSTILE_SEGMENTS = [
    "\x00",
    "BZ-000001%00",
    "a" * 5000,
    "..%2f..%2f..%2fetc%2fpasswd",
    "\u202eülïçødé-😀",
    "%ff%fe",
    "1' OR '1'='1' --",
    "1;DROP TABLE shop_order",
    "-1",
    "99999999999999999999999",
]

# Pages whose normal answer to a made-up token is a page saying the link is not valid.
TOKEN_PAGES = {"accounts:password_reset_confirm", "wallet:confirm"}
ALLOWED = {301, 302, 400, 403, 404, 405}

_ROUTE_PARAM = re.compile(r"<[^>]+>")
_REGEX_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")


def _patterns(patterns=None, prefix="", namespace=""):
    """(route text, view name) for every URL pattern, resolvers flattened."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        else:
            is_route = isinstance(pattern.pattern, RoutePattern)
            name = f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern)
            yield prefix + str(pattern.pattern), name, is_route


def _hostile_path(route: str, segment: str) -> str:
    """The route with every parameter replaced by ``segment`` (percent-encoded as a browser
    would send it), or with ``segment`` appended when it has none."""
    encoded = quote(segment, safe="%/'")
    text = route.replace("^", "").replace("$", "").replace("\\.", ".").replace("\\w+", "x")
    if _ROUTE_PARAM.search(text) or _REGEX_GROUP.search(text):
        text = _REGEX_GROUP.sub(encoded, _ROUTE_PARAM.sub(encoded, text))
    else:
        text = f"{text}{'' if text.endswith('/') or not text else '/'}{encoded}/"
    return "/" + text


PATTERNS = sorted({(route, name) for route, name, _ in _patterns()})


@pytest.fixture
def clients(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    shopper, staff = Client(), Client()
    shopper.force_login(UserFactory())
    staff.force_login(UserFactory(email="root@example.com", is_staff=True, is_superuser=True))
    return {"visitor": Client(), "shopper": shopper, "staff": staff}


def test_each_hostile_segment_makes_a_path_of_its_own():
    paths = [_hostile_path("orders/<str:number>/", segment) for segment in HOSTILE_SEGMENTS]
    assert len(set(paths)) == len(paths)


def test_the_walk_covers_the_whole_url_configuration():
    names = {name for _, name in PATTERNS}
    assert len(PATTERNS) > 100
    assert {"shop:order-detail", "shop:order-pay", "shop:order-cancel", "admin:index"} <= names


@pytest.mark.parametrize(("route", "name"), PATTERNS, ids=[name for _, name in PATTERNS])
def test_hostile_path_segments_never_answer_500(clients, route, name):
    failures = []
    for segment in HOSTILE_SEGMENTS:
        path = _hostile_path(route, segment)
        for who, client in clients.items():
            response = client.get(path)
            if response.status_code not in _allowed(response):
                failures.append(f"{who} GET {path[:80]!r}: {response.status_code}")
            if who == "shopper":
                response = client.post(path)
                # A POST may re-render its form with errors.
                if response.status_code not in _allowed(response) | {200}:
                    failures.append(f"{who} POST {path[:80]!r}: {response.status_code}")
    assert failures == []


def _allowed(response) -> set[int]:
    if response.status_code != 200:
        return ALLOWED
    return ALLOWED | ({200} if response.resolver_match.view_name in TOKEN_PAGES else set())


def test_a_nul_in_an_order_url_is_a_400_and_logged(clients, security_log):
    for suffix in ["", "pay/", "cancel/"]:
        response = clients["shopper"].get(f"/orders/%00/{suffix}")
        assert response.status_code == 400
        # A page of the site's own, with a way home, not a line of plain text.
        assert response["Content-Type"].startswith("text/html")
        assert 'href="/">Continue shopping<' in response.content.decode()

    assert [e["event"] for e in security_log.events()].count("http.bad_request") == 3


def test_a_nul_in_a_query_parameter_is_a_400(clients):
    assert clients["visitor"].get("/search/?q=mug%00").status_code == 400
    assert clients["visitor"].get("/accounts/login/?next=%00").status_code == 400
