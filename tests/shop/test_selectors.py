from decimal import Decimal

from shop.selectors import cart_lines_by_seller, product_search, search_query_clean
from tests.factories import CartFactory, CartLineFactory, ProductFactory, SellerFactory


def _titles(queryset) -> set[str]:
    return {p.title for p in queryset}


def test_search_ignores_case_in_title(db):
    ProductFactory(title="Stoneware Coffee MUG")
    ProductFactory(title="Oak lamp")
    assert _titles(product_search(query="mug")) == {"Stoneware Coffee MUG"}


def test_search_matches_the_description(db):
    ProductFactory(title="Throw", description="Soft merino wool, woven in Sweden.")
    assert _titles(product_search(query="MERINO")) == {"Throw"}


def test_search_needs_every_word_somewhere(db):
    ProductFactory(title="Blue mug", description="Stoneware")
    ProductFactory(title="Blue lamp", description="Oak")
    assert _titles(product_search(query="blue stoneware")) == {"Blue mug"}


def test_search_reads_words_and_skips_punctuation(db):
    # Until issue 12 "%" and "_" were searched as characters (a LIKE); search is by words
    # now, as PostgreSQL's full-text search reads them: punctuation only separates them.
    ProductFactory(title="Discount 100% cotton")
    ProductFactory(title="Plain cotton")
    ProductFactory(title="snake_case stickers")
    assert _titles(product_search(query="100%")) == {"Discount 100% cotton"}
    assert _titles(product_search(query="snake_case")) == {"snake_case stickers"}
    assert _titles(product_search(query="case")) == {"snake_case stickers"}
    assert _titles(product_search(query="%")) == set()
    assert _titles(product_search(query="_")) == set()


def test_search_finds_unicode_titles(db):
    ProductFactory(title="Atelier Lumière beret")
    assert _titles(product_search(query="Lumière")) == {"Atelier Lumière beret"}


def test_search_hides_inactive_products(db):
    ProductFactory(title="Hidden mug", is_active=False)
    assert _titles(product_search(query="mug")) == set()


def test_search_query_is_cut_and_cleaned(db):
    assert search_query_clean("  a\x00b   c ") == "a b c"
    assert search_query_clean("mug\x07\x1b[31m") == "mug [31m"
    assert len(search_query_clean("x" * 10_000)) == 100
    assert search_query_clean(None) == ""


def test_cart_groups_lines_by_seller_with_subtotal_and_shipping(db):
    cheap = SellerFactory(
        name="A shop", shipping_fee=Decimal("5.00"), free_shipping_threshold=Decimal("50")
    )
    free = SellerFactory(
        name="B shop", shipping_fee=Decimal("7.00"), free_shipping_threshold=Decimal("20")
    )
    cart = CartFactory()
    CartLineFactory(
        cart=cart, product=ProductFactory(seller=cheap, price=Decimal("10.00")), quantity=2
    )
    CartLineFactory(
        cart=cart, product=ProductFactory(seller=cheap, price=Decimal("2.50")), quantity=1
    )
    CartLineFactory(
        cart=cart, product=ProductFactory(seller=free, price=Decimal("25.00")), quantity=1
    )

    groups = cart_lines_by_seller(cart=cart)

    assert [(g.seller.pk, g.seller.name) for g in groups] == [
        (cheap.pk, "A shop"),
        (free.pk, "B shop"),
    ]
    assert [len(g.lines) for g in groups] == [2, 1]
    assert (groups[0].subtotal, groups[0].shipping_fee, groups[0].total) == (
        Decimal("22.50"),
        Decimal("5.00"),
        Decimal("27.50"),
    )
    assert (groups[1].subtotal, groups[1].shipping_fee, groups[1].total) == (
        Decimal("25.00"),
        Decimal("0.00"),
        Decimal("25.00"),
    )


def test_cart_lines_that_cannot_be_ordered_are_flagged_and_left_out_of_totals(db):
    seller = SellerFactory()
    cart = CartFactory()
    CartLineFactory(
        cart=cart, product=ProductFactory(seller=seller, price=Decimal("10")), quantity=1
    )
    CartLineFactory(cart=cart, product=ProductFactory(seller=seller, is_active=False), quantity=1)
    CartLineFactory(cart=cart, product=ProductFactory(seller=seller, stock=1), quantity=3)

    (group,) = cart_lines_by_seller(cart=cart)

    assert group.subtotal == Decimal("10.00")
    assert len(group.problems) == 2
    assert not group.is_orderable


def test_cart_lines_by_seller_is_one_query(db, django_assert_num_queries):
    cart = CartFactory()
    for _ in range(6):
        CartLineFactory(cart=cart)
    with django_assert_num_queries(1):
        groups = cart_lines_by_seller(cart=cart)
        assert sum(len(g.lines) for g in groups) == 6


def test_cart_lines_by_owner_are_one_query_and_only_that_owners(
    db, user, other_user, django_assert_num_queries
):
    mine = CartLineFactory(cart=CartFactory(user=user))
    CartLineFactory(cart=CartFactory(user=other_user))
    anonymous = CartLineFactory(cart=CartFactory(user=None))

    with django_assert_num_queries(1):
        (by_user,) = cart_lines_by_seller(user=user)
    with django_assert_num_queries(1):
        (by_id,) = cart_lines_by_seller(cart_id=anonymous.cart_id)

    assert [(item.pk, item.product.pk) for item in by_user.lines] == [(mine.pk, mine.product_id)]
    assert [item.pk for item in by_id.lines] == [anonymous.pk]
    # A session's cart id never reaches a user's cart.
    assert cart_lines_by_seller(cart_id=mine.cart_id) == []
    assert cart_lines_by_seller(cart_id=None) == cart_lines_by_seller(cart=None) == []


def test_the_orders_pages_head_is_the_first_orders_with_their_counts_and_transfers(
    db, django_assert_num_queries
):
    from shop.selectors import (
        order_list_for_user,
        order_rows_for_user,
    )
    from shop.views.orders import ORDERS_PER_PAGE
    from tests.factories import OrderFactory, UserFactory
    from wallet.services import payment_start_bank_transfer

    shopper = UserFactory()
    orders = [OrderFactory(user=shopper) for _ in range(ORDERS_PER_PAGE + 2)]
    OrderFactory()  # someone else's
    waiting = orders[-1]
    payment_start_bank_transfer(
        user=shopper,
        amount=waiting.total,
        currency="USD",
        reference=waiting.number,
        idempotency_key="transfer",
    )
    expected = list(order_list_for_user(user=shopper)[: ORDERS_PER_PAGE + 1])
    with django_assert_num_queries(1):
        head = order_rows_for_user(user=shopper)[0 : ORDERS_PER_PAGE + 1]
        shown = [
            (o.pk, o.number, o.seller.name, o.line_count, o.waiting_transfer, o.overdue)
            for o in head
        ]
    assert shown == [
        (o.pk, o.number, o.seller.name, o.line_count, o.waiting_transfer, o.overdue)
        for o in expected
    ]
    assert [o.waiting_transfer for o in head].count(True) == 1
    assert {o.line_count for o in head} == {1}
    nobody = UserFactory()
    assert order_rows_for_user(user=nobody)[0 : ORDERS_PER_PAGE + 1] == []
    with django_assert_num_queries(1):
        assert order_rows_for_user(user=shopper).count() == ORDERS_PER_PAGE + 2
    assert order_rows_for_user(user=nobody).count() == 0


def test_cart_lines_show_what_the_product_and_seller_rows_hold(db, user):
    """The lines come as plain rows for showing; each says what the models say."""
    nordic = SellerFactory(name="Nordic Home", slug="nordic-home", free_shipping_threshold=None)
    other = SellerFactory(name="Other", slug="other")
    lamp = ProductFactory(seller=nordic, title="Lamp", price=Decimal("1234.50"), image="p/l.png")
    mug = ProductFactory(seller=nordic, title="Mug", stock=1, is_active=False)
    cart = CartFactory(user=user)
    CartLineFactory(cart=cart, product=lamp, quantity=2)
    CartLineFactory(cart=cart, product=mug, quantity=1)
    CartLineFactory(cart=cart, product=ProductFactory(seller=other), quantity=1)

    (group,) = cart_lines_by_seller(user=user, seller_slug="nordic-home")

    seller = group.seller
    for name in ("pk", "name", "slug", "country", "currency", "shipping_fee"):
        assert getattr(seller, name) == getattr(nordic, name), name
    assert seller.free_shipping_threshold is None
    assert seller.get_absolute_url() == nordic.get_absolute_url()
    shown_lamp, shown_mug = (item.product for item in group.lines)
    for shown, product in ((shown_lamp, lamp), (shown_mug, mug)):
        for name in ("pk", "title", "slug", "price", "currency", "stock", "is_active"):
            assert getattr(shown, name) == getattr(product, name), name
        assert shown.get_absolute_url() == product.get_absolute_url()
    assert shown_lamp.image.url == lamp.image.url == "/media/p/l.png"
    assert not shown_mug.image
    assert [item.line_total for item in group.lines] == [Decimal("2469.00"), mug.price]
    assert group.lines[1].problem and group.subtotal == Decimal("2469.00")
    assert cart_lines_by_seller(user=user, seller_slug="no-such-seller") == []


def test_grid_rows_read_only_what_a_card_shows(db, django_assert_num_queries):
    from shop.selectors import product_rows_active, product_rows_for_seller, product_search_rows
    from shop.templatetags.catalog_tags import product_cards

    product = ProductFactory(title="Garden lamp", description="A lamp for the garden", stock=2)
    for rows in (
        product_rows_active(),
        product_rows_for_seller(seller=product.seller),
        product_search_rows(query="garden"),
    ):
        [row], found = rows.page(0, 12)

        assert found == 1
        assert {"description", "created_at"} <= row.get_deferred_fields()
        assert {"description", "country", "shipping_fee"} <= row.seller.get_deferred_fields()
        with django_assert_num_queries(0):
            card = product_cards([row])
        assert "Garden lamp" in card and product.seller.name in card and "Only 2 left" in card
