"""The page chrome's fixed stretches are rendered once per process (base.html's
``{% chrome %}`` blocks); what is each shopper's own is drawn per request.

Every test renders the chrome for one visitor first, so the next visitor is served the
stretches that visitor left in the cache."""

import re

import pytest
from django.test import Client

from core.templatetags import chrome
from tests.factories import CartLineFactory, ProductFactory, UserFactory


@pytest.fixture(autouse=True)
def _empty_chrome():
    chrome._rendered.clear()
    yield
    chrome._rendered.clear()


def _page(client: Client, url: str = "/help/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cart_badge(html: str) -> str:
    return re.search(r'data-testid="cart-count">(\d+)<', html).group(1)


def _csrf_tokens(html: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


@pytest.mark.django_db
def test_each_shopper_sees_their_own_email_and_cart_count_in_a_cached_header():
    first, second = UserFactory(email="first@example.com"), UserFactory(email="second@example.com")
    CartLineFactory(cart__user=second, product=ProductFactory(stock=10), quantity=3)

    first_page = _page(_signed_in(first))
    second_page = _page(_signed_in(second))

    assert "first@example.com" in first_page and "second@example.com" not in first_page
    assert "second@example.com" in second_page and "first@example.com" not in second_page
    assert _cart_badge(first_page) == "0"
    assert _cart_badge(second_page) == "3"
    assert 'aria-label="Cart, 3 items"' in second_page


@pytest.mark.django_db
def test_the_cart_count_is_fresh_after_adding_to_the_cart():
    shopper = UserFactory()
    client = _signed_in(shopper)
    product = ProductFactory(stock=10)
    assert _cart_badge(_page(client)) == "0"

    client.post(f"/cart/add/{product.pk}/", {"quantity": "2"})

    assert _cart_badge(_page(client)) == "2"


@pytest.mark.django_db
def test_only_staff_get_the_support_admin_link_whoever_came_first():
    staff = UserFactory(is_staff=True)
    shopper = UserFactory()

    assert "Support admin" in _page(_signed_in(staff))
    assert "Support admin" not in _page(_signed_in(shopper))
    assert "Support admin" in _page(_signed_in(staff))


@pytest.mark.django_db
def test_a_visitor_after_a_signed_in_shopper_gets_log_in_not_the_account_menu():
    _page(_signed_in(UserFactory()))

    visitor_page = _page(Client(), "/help/?from=here")

    assert "Log out" not in visitor_page and "Your orders" not in visitor_page
    assert 'href="/accounts/login/?next=/help/%3Ffrom%3Dhere"' in visitor_page
    assert "Sign up" in visitor_page


@pytest.mark.django_db
def test_search_words_and_the_page_path_are_each_requests_own():
    client = Client()
    _page(client, "/search/?q=lamp")

    page = _page(client, "/search/?q=teapot")

    assert 'name="q" value="teapot"' in page
    assert 'value="lamp"' not in page
    assert 'name="next" value="/search/?q=teapot"' in page


@pytest.mark.django_db
def test_every_form_in_the_chrome_carries_this_sessions_csrf_token():
    first, second = _signed_in(UserFactory()), _signed_in(UserFactory())
    _page(first)

    page = _page(second)

    tokens = _csrf_tokens(page)
    assert len(tokens) == 2  # Log out and the language switcher
    assert second.get("/help/").status_code == 200
    response = second.post("/accounts/logout/", {"csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_chrome_is_kept_per_language():
    english = _page(Client())
    russian_client = Client()
    russian_client.cookies["django_language"] = "ru"

    russian = _page(russian_client)

    assert "Search products" in english and 'lang="en"' in english
    assert "Search products" not in russian and 'lang="ru"' in russian
    assert "Search products" in _page(Client())


@pytest.mark.django_db
def test_a_setting_change_forgets_the_chrome(settings):
    _page(Client())
    assert chrome._rendered

    settings.STATIC_URL = "/assets/"

    assert not chrome._rendered
    assert 'href="/assets/' in _page(Client())


def test_the_chrome_tag_wants_a_quoted_name():
    from django.template import Template, TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="quoted name"):
        Template("{% load chrome %}{% chrome header %}x{% endchrome %}")


@pytest.mark.django_db
def test_a_signed_in_page_counts_the_cart_with_the_users_own_row(django_assert_num_queries):
    shopper = UserFactory()
    CartLineFactory(cart__user=shopper, product=ProductFactory(stock=10), quantity=2)
    CartLineFactory(cart=shopper.cart, product=ProductFactory(stock=10), quantity=3)
    client = _signed_in(shopper)

    with django_assert_num_queries(2):  # the session, the user with their cart's units
        page = _page(client)

    assert _cart_badge(page) == "5"
