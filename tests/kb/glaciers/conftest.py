import importlib.util
import os

import pytest

from kb.search import reset_search_backends
from tests import conftest as root_conftest


@pytest.fixture(autouse=True)
def search_backend(settings, isolated_var_dirs):
    """The configured backend (Whoosh) when present; otherwise the tests' in-memory backend."""
    configured = settings.GLACIER_SEARCH_BACKENDS["default"]["BACKEND"]
    if importlib.util.find_spec(configured) is None:
        settings.GLACIER_SEARCH_BACKENDS = {
            "default": {
                **settings.GLACIER_SEARCH_BACKENDS["default"],
                "BACKEND": "tests.kb.glaciers.memory_backend",
            }
        }
        reset_search_backends()
    yield


if not hasattr(root_conftest, "page"):
    # The shared browser fixtures live in tests/conftest.py on main (one Chromium per session:
    # two sync_playwright loops cannot coexist); until this branch meets them, the same here.
    CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    @pytest.fixture(scope="session")
    def chromium_browser():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()

    @pytest.fixture
    def page(chromium_browser, live_server):
        context = chromium_browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        browser_page = context.new_page()
        yield browser_page
        context.close()
