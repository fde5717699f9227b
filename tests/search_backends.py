"""A fixture that runs a test once per search backend, like tests/kb/search/test_backend_contract.py.

The PostgreSQL case is marked `services`: it runs in the services run (DATABASE_URL on
PostgreSQL) and fails under CI=true when PostgreSQL is missing.
Use with `from tests.search_backends import each_search_backend  # noqa: F401`.
"""

import pytest

from kb.search import reset_search_backends
from tests.conftest import require_service

BACKENDS = [
    pytest.param("kb.search.backends.whoosh", id="whoosh"),
    pytest.param("kb.search.backends.postgres", id="postgres", marks=pytest.mark.services),
]


@pytest.fixture(params=BACKENDS)
def each_search_backend(request, settings, tmp_path):
    """Select the backend for the whole test (services and pages use the loader)."""
    if request.param.endswith("postgres"):
        require_service("postgres")
    settings.GLACIER_SEARCH_BACKENDS = {
        "default": {"BACKEND": request.param, "INDEX_DIR": str(tmp_path / "index-each")}
    }
    reset_search_backends()
    from kb.search import get_search_backend

    get_search_backend().clear()
    yield request.param
    reset_search_backends()
