from core.labels import cards_kept_whole


def _kept(text):
    return f'<span class="text-nowrap">{text}</span>'


def test_each_card_named_is_kept_on_one_line_with_the_words_around_it_unchanged():
    text = "Paid $17.00 with Visa •••• 4242. Refunded to Mastercard •••• 4444."

    assert cards_kept_whole(text) == (
        f"Paid $17.00 with {_kept('Visa •••• 4242')}. Refunded to {_kept('Mastercard •••• 4444')}."
    )


def test_a_brand_of_two_words_is_kept_whole():
    assert cards_kept_whole("Paid with American Express •••• 0005") == (
        f"Paid with {_kept('American Express •••• 0005')}"
    )
    assert cards_kept_whole("Order BZ-000001 · American Express •••• 0005") == (
        f"Order BZ-000001 · {_kept('American Express •••• 0005')}"
    )


def test_text_without_a_card_and_markup_around_one_are_left_alone():
    assert cards_kept_whole("Order placed.") == "Order placed."
    assert cards_kept_whole("<b>Visa •••• 4242</b>") == f"<b>{_kept('Visa •••• 4242')}</b>"
    assert cards_kept_whole("оплачено картой Visa •••• 4242") == (
        f"оплачено картой {_kept('Visa •••• 4242')}"
    )
