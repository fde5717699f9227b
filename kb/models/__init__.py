from kb.models.core import Document, Project, ProjectMembership, SearchQuery, SyncRun
from kb.models.glacier import GlacierPage, Topic
from kb.models.search import SearchEntry, SearchWord

__all__ = [
    "Document", "GlacierPage", "Project", "ProjectMembership", "SearchEntry", "SearchQuery", "SearchWord",
    "SyncRun", "Topic",
]  # fmt: skip
