"""manage.py kb reindex — re-analyse rows an older Glacier analysed, then rebuild the search index."""

import time

from kb.models import Project
from kb.services.document_links import document_links_refresh
from kb.services.documents import documents_reanalyse
from kb.services.search_index import search_rebuild

help = (
    "Re-analyse documents stored by an older version of the document model (genre, lifecycle, "
    "language, decision, sections) and judge their projects' links again, then rebuild the whole "
    "search index from the database."
)


def add_arguments(parser) -> None:
    pass


def handle(command, **options) -> None:
    started = time.perf_counter()
    reanalysed = documents_reanalyse()
    if reanalysed:
        command.stdout.write(f"Re-analysed {len(reanalysed)} documents.")
        # Anchors come from the analysis: the links of an upgraded project are judged again.
        for project in Project.objects.filter(documents__pk__in=reanalysed).distinct():
            document_links_refresh(project=project)
    count = search_rebuild()
    command.stdout.write(f"Indexed {count} entries in {time.perf_counter() - started:.1f}s.")
