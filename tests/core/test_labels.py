from core.labels import kept_whole


def _kept(text):
    return f'<span class="text-nowrap">{text}</span>'


def test_each_card_named_is_kept_on_one_line_with_the_words_around_it_unchanged():
    text = "Paid $17.00 with Visa •••• 4242. Refunded to Mastercard •••• 4444."

    assert kept_whole(text) == (
        f"Paid $17.00 with {_kept('Visa •••• 4242')}. Refunded to {_kept('Mastercard •••• 4444')}."
    )


def test_a_brand_of_two_words_is_kept_whole():
    assert kept_whole("Paid with American Express •••• 0005") == (
        f"Paid with {_kept('American Express •••• 0005')}"
    )


def test_an_order_number_is_kept_whole_and_apart_from_the_card_after_it():
    assert kept_whole("Order BZ-000001 · American Express •••• 0005") == (
        f"Order {_kept('BZ-000001')} · {_kept('American Express •••• 0005')}"
    )
    # Russian puts the order number right before the card: each is kept whole on its own.
    assert kept_whole("Оплата 25,00 $ за BZ-000010: Visa •••• 4242.") == (
        f"Оплата 25,00 $ за {_kept('BZ-000010')}: {_kept('Visa •••• 4242')}."
    )
    assert kept_whole("Order BZ-000007 cancelled.") == f"Order {_kept('BZ-000007')} cancelled."


def test_text_without_a_card_or_an_order_and_markup_around_one_are_left_alone():
    assert kept_whole("Order placed.") == "Order placed."
    assert kept_whole("A well-known 3-D Secure step") == "A well-known 3-D Secure step"
    assert kept_whole("<b>Visa •••• 4242</b>") == f"<b>{_kept('Visa •••• 4242')}</b>"
    assert kept_whole("оплачено картой Visa •••• 4242") == (
        f"оплачено картой {_kept('Visa •••• 4242')}"
    )
