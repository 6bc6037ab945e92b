"""core.links: remembered URLs are reverse()'s, under the script prefix of the request."""

from django.urls import reverse, set_script_prefix

from core.links import remembered_url, url_remembering


def test_a_remembering_function_gives_what_reverse_gives():
    product_url = url_remembering("shop:product-detail", "slug")

    for slug in ("mug", "oak-lamp", "mug"):
        assert product_url(slug) == reverse("shop:product-detail", kwargs={"slug": slug})
        assert product_url(slug) == remembered_url("shop:product-detail", slug=slug)


def test_each_script_prefix_has_its_own_urls():
    # A request served under /shop/ (SCRIPT_NAME), then one at the root.
    try:
        set_script_prefix("/shop/")
        assert url_remembering("shop:seller-detail", "slug")("tea-co") == "/shop/sellers/tea-co/"
    finally:
        set_script_prefix("/")
    at_root = url_remembering("shop:seller-detail", "slug")
    assert at_root("tea-co") == "/sellers/tea-co/"
    assert at_root("tea-co") == remembered_url("shop:seller-detail", slug="tea-co")


def test_the_remembered_url_tag_writes_what_the_url_tag_writes():
    from django.template import Context, Template

    page = (
        "{% load links %}"
        "{% url 'shop:home' %}|{% remembered_url 'shop:home' %}|"
        "{% url 'shop:cart-add' product.pk %}|"
        "{% remembered_url 'shop:cart-add' product_id=product.pk %}|"
        "{% url 'shop:buy-now' product.slug %}|"
        "{% remembered_url 'shop:buy-now' slug=product.slug %}"
    )
    for product in ({"pk": 7, "slug": "oak-lamp"}, {"pk": 12, "slug": "mug"}):
        urls = Template(page).render(Context({"product": product})).split("|")

        assert urls[0::2] == urls[1::2]
        assert urls[2] == f"/cart/add/{product['pk']}/"
