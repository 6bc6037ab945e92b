"""core.links: a remembered URL is the URL reverse() gives, under any script prefix."""

from django.urls import reverse, set_script_prefix

from core.links import remembered_url, remembered_url_maker


def test_a_url_maker_gives_what_reverse_gives_for_each_value_and_prefix():
    try:
        for prefix in ("/", "/shop/"):
            set_script_prefix(prefix)
            product_url = remembered_url_maker("shop:product-detail", "slug")
            for slug in ("stoneware-mug", "oak-lamp", "stoneware-mug"):
                expected = reverse("shop:product-detail", kwargs={"slug": slug})
                assert (
                    product_url(slug)
                    == expected
                    == remembered_url("shop:product-detail", slug=slug)
                )
                assert expected.startswith(prefix)
    finally:
        set_script_prefix("/")
