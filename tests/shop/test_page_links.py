"""The list pages draw their page links with {% page_links %} (one escaped string, no
{% querystring %} per link); these tests hold them equal to the template-language links
they replaced (pagination_in_template_language.html), in English and Russian, on the first,
middle and last pages of a long list (with the runs of pages left out), with the request's
other parameters kept and escaped, and for a single page (no links at all)."""

import re
from pathlib import Path

import pytest
from django.core.paginator import Paginator
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from core.pagination import HeadPaginator
from shop.templatetags.shop_tags import page_links, page_numbers
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

LINKS_IN_TEMPLATE_LANGUAGE = (
    Path(__file__).parent / "pagination_in_template_language.html"
).read_text()

NAV = re.compile(r'<nav class="mt-4".*?</nav>', re.S)


def _normal(html: str) -> str:
    """No whitespace between tags: the links are list items in a flex row, where a browser
    draws nothing for it."""
    return re.sub(r">\s+<", "><", html).strip()


def _in_template_language(request, page_obj, language: str) -> str:
    with translation.override(language):
        context = RequestContext(request, {"page_obj": page_obj})
        return _normal(Template(LINKS_IN_TEMPLATE_LANGUAGE).render(context))


def _links_on(response) -> str:
    assert response.status_code == 200
    found = NAV.findall(response.content.decode())
    return _normal(found[0]) if found else ""


@pytest.fixture
def catalog(db):
    """Nine pages of products on the home page: runs of page numbers are left out."""
    return ProductFactory.create_batch(12 * 8 + 1, title="Garden <b>tool</b> & co")


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("number", ["1", "2", "5", "8", "9"])
def test_the_home_pages_links_are_the_template_language_links(client, catalog, language, number):
    client.cookies["django_language"] = language
    response = client.get(reverse("shop:home"), {"page": number})

    drawn = _links_on(response)
    expected = _in_template_language(response.wsgi_request, response.context["page_obj"], language)

    assert drawn == expected
    assert drawn.count('class="page-item') >= 7
    assert f'aria-current="page"><span class="page-link">{number}<' in drawn
    assert ("&hellip;" in drawn) == (number != "5")  # page 5 of 9 links every page
    assert {"en": "Previous", "ru": "Назад"}[language] in drawn


@pytest.mark.parametrize(
    "query",
    [
        {"q": 'garden "tool" &', "x": "<b>", "page": "2"},
        {"page": "3", "q": "garden", "sort": ["new", "a&b=c"]},
        {"q": "garden", "utm": "x y", "page": "bogus"},
    ],
)
def test_search_links_keep_the_other_parameters_escaped_where_they_were(client, catalog, query):
    response = client.get(reverse("shop:search"), query)

    drawn = _links_on(response)
    expected = _in_template_language(response.wsgi_request, response.context["page_obj"], "en")

    assert drawn == expected
    assert "<b>" not in drawn and "&amp;" in drawn


def test_a_single_page_has_no_links(client, db):
    ProductFactory.create_batch(3)
    response = client.get(reverse("shop:home"))

    assert _links_on(response) == ""
    assert _in_template_language(response.wsgi_request, response.context["page_obj"], "en") == ""
    assert "page-link" not in response.content.decode()


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("number", [1, 999, 1000, 2999])
def test_page_numbers_past_999_are_written_as_the_template_writes_them(settings, language, number):
    settings.USE_THOUSAND_SEPARATOR = True
    request = RequestFactory().get("/orders/", {"page": number})
    page_obj = Paginator(range(2999), 1).get_page(number)

    with translation.override(language):
        drawn = _normal(page_links(RequestContext(request), page_obj))

    assert drawn == _in_template_language(request, page_obj, language)
    assert {"en": "2,999", "ru": "2\xa0999"}[language] in drawn


@pytest.mark.parametrize(
    ("pages", "number", "numbers"),
    [
        (200, 1, [1, 2, 3, None]),  # from a gap on
        (3, 1, [1, 2, None]),  # the last counted page is left out
    ],
)
def test_a_first_page_counted_only_up_to_a_cap_numbers_no_last_page(pages, number, numbers):
    """``page_head_first`` marks a first page whose list was counted only up to its cap:
    its links stop at a gap where the last page number would be (Next leads on)."""
    page = HeadPaginator(range(pages * 10), 10).page(number)
    assert page_numbers(page)[-1] == pages  # counted whole: the last page is numbered
    page.paginator.last_page_unknown = True
    assert page_numbers(page) == numbers
