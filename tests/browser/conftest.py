"""Browser tests: Playwright for Python driving Debian's Chromium against live_server.

Chromium comes from Debian (`apt-get install chromium`, done by .ci/run and
`make browser-deps`); Playwright cannot download its own browser here. Without it these
tests skip with that reason. Screenshots go to test-artifacts/screenshots/.
"""

import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls that the tests
# make between page actions are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# What a page action or an assertion waits for. Playwright's ``expect`` waits 5 s by
# default, less than the contexts' 15 s: on two loaded cores (two test processes and
# their live servers) a payment's POST once took longer than 5 s to be answered.
WAIT_MS = 15_000


@pytest.fixture(scope="session")
def _playwright():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: run `make browser-deps` (apt-get install chromium)"
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright, live_server):
    """Chromium, closed before the live server stops (it is set up after it, so torn down
    first). Chromium holds idle connections open until it exits, each with a server thread
    waiting on it; a thread that ended after the server had stopped could no longer close
    its database connection (SQLite in memory, shared with the server's threads only while
    it runs) and failed with an unhandled DatabaseError."""
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()
    # Its connections closed, the threads that served them end: let them, before the
    # server they belong to stops.
    deadline = time.monotonic() + 10
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


@pytest.fixture
def page(browser, live_server, settings):
    settings.CAPTCHA_TEST_MODE = True
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    # Every browser test also checks the Content-Security-Policy: a script, style or image
    # the policy refuses shows up as a console error, and fails the test.
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def screenshot(request):
    """screenshot(page, "step-name") saves a full-page PNG under test-artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(page, step: str) -> Path:
        path = ARTIFACTS / f"{test_name}--{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(page):
    """login(email, password) signs in through the login page like a shopper would."""

    def do_login(email: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    return do_login
