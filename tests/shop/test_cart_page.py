"""The cart page (GET /cart/) and its seller forms (POST /cart/lines/update/): one form and
one CSRF token per seller group, each line with a quantity box ``quantity-<line id>`` and
Update / Remove buttons naming the line. The lines and group texts come from
shop.templatetags.cart_tags, held here to the partials they stand for."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from shop.models import CartLine
from shop.templatetags.cart_tags import _picture, shipping_rule
from tests.factories import CartFactory, CartLineFactory, ProductFactory, SellerFactory
from tests.shop.conftest import messages_of

UPDATE = reverse("shop:cart-lines-update")


def _main(response) -> str:
    content = response.content.decode()
    return content[content.index("<main") : content.index("</main>")]


@pytest.fixture
def cart(user):
    return CartFactory(user=user)


@pytest.fixture
def mug(cart, product):
    return CartLineFactory(cart=cart, product=product, quantity=2)


@pytest.fixture
def lamp(cart, seller):
    product = ProductFactory(seller=seller, title="Oak Lamp", price="40.00", stock=3)
    return CartLineFactory(cart=cart, product=product, quantity=1)


# ------------------------------------------------------------------------------ the page


def test_each_seller_group_is_one_form_with_one_csrf_token(user_client, cart, mug, lamp):
    CartLineFactory(cart=cart, product=ProductFactory(title="Tokyo Cable"), quantity=1)

    main = _main(user_client.get(reverse("shop:cart")))

    assert main.count("<form") == 2
    assert main.count(f'<form method="post" action="{UPDATE}">') == 2
    assert main.count('name="csrfmiddlewaretoken"') == 2
    for line in CartLine.objects.all():
        assert f'name="quantity-{line.pk}" value="{line.quantity}"' in main
        assert f'name="update" value="{line.pk}"' in main
        assert f'name="remove" value="{line.pk}"' in main


def test_every_control_of_a_line_is_labelled_with_its_product_escaped(user_client, cart):
    title = 'Mug "Big" <b> & Co'
    CartLineFactory(cart=cart, product=ProductFactory(title=title), quantity=1)

    main = _main(user_client.get(reverse("shop:cart")))

    assert "<b>" not in main
    assert f'aria-label="Quantity of {escape(title)}"' in main
    assert f'aria-label="Remove {escape(title)}"' in main
    assert f">{escape(title)}</a>" in main
    assert ">Update</button>" in main
    assert "$10.00 each" in main


def test_the_lines_speak_russian(client, user, cart, mug):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    main = _main(client.get(reverse("shop:cart")))

    with translation.override("ru"):
        quantity_of = gettext("Quantity of %(product)s") % {"product": "Stoneware Mug"}
        remove_of = gettext("Remove %(product)s") % {"product": "Stoneware Mug"}
        update, each = gettext("Update"), gettext("%(price)s each")
    assert quantity_of != "Quantity of Stoneware Mug"
    assert f'aria-label="{quantity_of}"' in main
    assert f'aria-label="{remove_of}"' in main
    assert f">{update}</button>" in main
    assert each % {"price": "18,50\u00a0$"} in main


def test_a_line_above_the_stock_keeps_its_box_in_range(user_client, cart, product):
    # Stock fell to 5 after the shopper put 7 in the cart: a box whose value is above its
    # max would stop the browser sending the group's form for any line.
    line = CartLineFactory(cart=cart, product=product, quantity=7)

    main = _main(user_client.get(reverse("shop:cart")))

    assert f'name="quantity-{line.pk}" value="7" min="1" max="7"' in main
    assert "Only 5 left of Stoneware Mug." in main


def test_lines_with_problems_say_so_and_their_group_cannot_be_ordered(user_client, cart, seller):
    CartLineFactory(cart=cart, product=ProductFactory(seller=seller, stock=0, title="Gone"))

    main = _main(user_client.get(reverse("shop:cart")))

    assert 'role="alert">Gone is sold out. Remove it to order from this seller.</div>' in main
    assert "To order from Nordic Home, fix the items marked above." in main
    assert 'disabled aria-label="Order from this seller: Nordic Home"' in main


# ------------------------------------------------------------------- the seller form


def test_update_sets_the_pressed_line(user_client, mug, lamp):
    response = user_client.post(
        UPDATE,
        {f"quantity-{mug.pk}": "4", f"quantity-{lamp.pk}": "1", "update": str(mug.pk)},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("shop:cart")
    assert messages_of(response) == ["Updated Stoneware Mug: quantity 4."]
    mug.refresh_from_db()
    assert mug.quantity == 4


def test_update_sets_the_lines_whose_box_changed_whichever_button_was_pressed(
    user_client, mug, lamp
):
    # Enter in the lamp's box presses the group's first button: the mug's Update.
    response = user_client.post(
        UPDATE,
        {f"quantity-{mug.pk}": "2", f"quantity-{lamp.pk}": "3", "update": str(mug.pk)},
        follow=True,
    )

    assert messages_of(response) == ["Updated Oak Lamp: quantity 3."]
    lamp.refresh_from_db()
    assert lamp.quantity == 3


def test_update_with_no_box_changed_confirms_the_pressed_line(user_client, mug, lamp):
    response = user_client.post(
        UPDATE,
        {f"quantity-{mug.pk}": "2", f"quantity-{lamp.pk}": "1", "update": str(lamp.pk)},
        follow=True,
    )

    assert messages_of(response) == ["Updated Oak Lamp: quantity 1."]


def test_update_above_the_stock_keeps_the_cart_and_says_why(user_client, mug, lamp):
    response = user_client.post(
        UPDATE,
        {f"quantity-{mug.pk}": "6", f"quantity-{lamp.pk}": "2", "update": str(mug.pk)},
        follow=True,
    )

    assert messages_of(response) == [
        "Only 5 left of Stoneware Mug.",
        "Updated Oak Lamp: quantity 2.",
    ]
    mug.refresh_from_db()
    lamp.refresh_from_db()
    assert (mug.quantity, lamp.quantity) == (2, 2)
    assert "Stoneware Mug" in response.content.decode()


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "The quantity must be at least 1."),
        ("two", "Enter a whole number as the quantity."),
        ("", "Enter a quantity."),
        ("100", "You can order at most 99 of one product."),
    ],
)
def test_update_with_a_bad_number_keeps_the_line_and_says_why(user_client, mug, quantity, message):
    response = user_client.post(
        UPDATE, {f"quantity-{mug.pk}": quantity, "update": str(mug.pk)}, follow=True
    )

    assert messages_of(response) == [f"Stoneware Mug: {message}"]
    mug.refresh_from_db()
    assert mug.quantity == 2


def test_update_of_a_line_whose_box_is_missing_says_so(user_client, mug):
    response = user_client.post(UPDATE, {"update": str(mug.pk)}, follow=True)

    assert messages_of(response) == ["Stoneware Mug: Enter a quantity."]


def test_remove_removes_only_that_line_whatever_the_boxes_say(user_client, mug, lamp):
    response = user_client.post(
        UPDATE,
        {f"quantity-{mug.pk}": "0", f"quantity-{lamp.pk}": "3", "remove": str(mug.pk)},
        follow=True,
    )

    assert messages_of(response) == ["Removed Stoneware Mug from your cart."]
    assert not CartLine.objects.filter(pk=mug.pk).exists()
    lamp.refresh_from_db()
    assert lamp.quantity == 1


def test_another_carts_line_is_not_found_and_stays(user_client, other_user, mug):
    theirs = CartLineFactory(cart=CartFactory(user=other_user), quantity=1)

    update = user_client.post(UPDATE, {f"quantity-{theirs.pk}": "3", "update": str(theirs.pk)})
    remove = user_client.post(UPDATE, {"remove": str(theirs.pk)})

    assert (update.status_code, remove.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert theirs.quantity == 1


def test_boxes_of_another_carts_lines_are_ignored(user_client, other_user, mug):
    theirs = CartLineFactory(cart=CartFactory(user=other_user), quantity=1)

    user_client.post(
        UPDATE, {f"quantity-{mug.pk}": "3", f"quantity-{theirs.pk}": "4", "update": str(mug.pk)}
    )

    theirs.refresh_from_db()
    mug.refresh_from_db()
    assert (mug.quantity, theirs.quantity) == (3, 1)


@pytest.mark.parametrize("value", ["", "abc", "1.5", "-1", "٣", "9" * 19, "9" * 5000])
def test_a_button_value_that_names_no_line_is_not_found(user_client, mug, value):
    assert user_client.post(UPDATE, {"update": value}).status_code == 404
    assert user_client.post(UPDATE, {"remove": value}).status_code == 404
    mug.refresh_from_db()
    assert mug.quantity == 2


def test_a_post_without_a_button_changes_nothing(user_client, mug):
    response = user_client.post(UPDATE, {f"quantity-{mug.pk}": "4"})

    assert response.status_code == 302
    mug.refresh_from_db()
    assert mug.quantity == 2


def test_an_anonymous_visitor_uses_the_same_form(client, product):
    client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": "1"})
    line = CartLine.objects.get()

    main = _main(client.get(reverse("shop:cart")))
    assert f'name="quantity-{line.pk}"' in main
    client.post(UPDATE, {f"quantity-{line.pk}": "3", "update": str(line.pk)})

    line.refresh_from_db()
    assert line.quantity == 3


def test_the_form_needs_its_csrf_token(user, mug):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.post(UPDATE, {"remove": str(mug.pk)}).status_code == 403
    page = client.get(reverse("shop:cart")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = client.post(UPDATE, {"csrfmiddlewaretoken": token, "remove": str(mug.pk)})

    assert response.status_code == 302
    assert not CartLine.objects.filter(pk=mug.pk).exists()


def test_the_line_endpoints_still_answer_whoever_posts_to_them(user_client, mug, lamp):
    user_client.post(reverse("shop:cart-line-update", args=[mug.pk]), {"quantity": "3"})
    user_client.post(reverse("shop:cart-line-remove", args=[lamp.pk]))

    mug.refresh_from_db()
    assert mug.quantity == 3
    assert not CartLine.objects.filter(pk=lamp.pk).exists()


# ------------------------------------------------------- the renderer and its partials


@pytest.mark.parametrize("image", ["", "products/mug.png"])
def test_a_lines_picture_is_the_product_image_partial(db, image):
    product = ProductFactory(title="mug <i>", image=image)

    partial = render_to_string(
        "shop/_product_image.html", {"product": product, "img_class": "rounded"}
    )

    assert _picture(product, escape(gettext("No image"))) == partial.strip()


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize(
    ("fee", "threshold"), [("0", None), ("6.90", "60.00"), ("12.00", None), ("1234.50", "0")]
)
def test_a_groups_shipping_rule_is_the_shipping_rule_partial(db, language, fee, threshold):
    seller = SellerFactory(shipping_fee=Decimal(fee), free_shipping_threshold=threshold)

    with translation.override(language):
        partial = render_to_string("shop/_shipping_rule.html", {"seller": seller})
        assert shipping_rule(seller) == partial.strip()
