"""Shared fixtures. Each test gets its own Whoosh index directory and repo cache."""

import pytest

from kb.search import reset_search_backends


@pytest.fixture(autouse=True)
def isolated_var_dirs(settings, tmp_path):
    settings.GLACIER_SEARCH_BACKENDS = {
        "default": {**settings.GLACIER_SEARCH_BACKENDS["default"], "INDEX_DIR": str(tmp_path / "index")}
    }
    settings.GLACIER_REPOS_DIR = tmp_path / "repos"
    reset_search_backends()
    yield
    reset_search_backends()
