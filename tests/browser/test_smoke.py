def test_home_page_opens_in_chromium(page, screenshot):
    page.goto("/")
    assert "Bazaar" in page.title()
    assert page.get_by_role("link", name="Help").is_visible()
    assert screenshot(page, "home").stat().st_size > 0
