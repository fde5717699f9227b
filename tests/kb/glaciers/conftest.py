import importlib.util

import pytest

from kb.search import reset_search_backends


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
