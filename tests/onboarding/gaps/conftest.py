import pytest

from kb.search import reset_search_backends
from tests.onboarding.gaps import memory_backend


@pytest.fixture
def memory_search(settings):
    """Point kb.search at the in-memory backend and index documents when they are written."""
    settings.GLACIER_SEARCH_BACKENDS = {"default": {"BACKEND": "tests.onboarding.gaps.memory_backend"}}
    reset_search_backends()
    memory_backend._ENTRIES.clear()
    yield
    memory_backend._ENTRIES.clear()
    reset_search_backends()
