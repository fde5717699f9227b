"""Search backends load like Django caches: settings.GLACIER_SEARCH_BACKENDS[alias]["BACKEND"]
names a module that ends in `SearchBackend = SomeBackend`."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from kb.search.backends.base import BaseSearchBackend


@cache
def get_search_backend(alias: str = "default") -> BaseSearchBackend:
    params = dict(settings.GLACIER_SEARCH_BACKENDS[alias])
    backend_path = params.pop("BACKEND")
    backend_class = import_string(f"{backend_path}.SearchBackend")
    return backend_class(params)


def reset_search_backends() -> None:
    """Forget loaded backends (tests switch settings)."""
    get_search_backend.cache_clear()
