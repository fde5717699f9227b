"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright against pytest-django's live_server.

`playwright install` cannot download browsers here, so the system Chromium is
launched by path. Outside CI a missing Chromium skips; under CI=true it fails
(see require_service in tests/conftest.py).
"""

import os

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NAVIGATION_TIMEOUT_MS = 15_000

# Playwright's sync API runs an event loop in this thread; the tests still touch
# the ORM synchronously between browser steps, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium_browser():
    from tests.conftest import CHROMIUM_PATH, require_service

    require_service("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server):
    """A fresh browser page whose relative URLs resolve against the live server."""
    context = chromium_browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
    browser_page = context.new_page()
    yield browser_page
    context.close()
