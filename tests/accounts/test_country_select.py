"""The country select renders its options in Python and keeps Select's behaviour."""

from accounts.forms import AddressForm


def test_country_select_keeps_the_chosen_country_and_its_attributes():
    form = AddressForm(prefix="ship", data={"ship-country": "FR"})
    html = str(form["country"])

    assert 'name="ship-country"' in html and 'id="id_ship-country"' in html
    assert 'autocomplete="country"' in html
    assert '<option value="FR" selected>France</option>' in html
    assert html.count(" selected") == 1
