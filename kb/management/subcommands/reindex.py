"""manage.py kb reindex — rebuild the search index from the database."""

import time

from kb.services.search_index import search_rebuild

help = "Rebuild the whole search index from the database (the source of truth)."


def add_arguments(parser) -> None:
    pass


def handle(command, **options) -> None:
    started = time.perf_counter()
    count = search_rebuild()
    command.stdout.write(f"Indexed {count} entries in {time.perf_counter() - started:.1f}s.")
