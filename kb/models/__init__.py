from kb.models.core import Document, Project, ProjectMembership, SearchQuery, SyncRun
from kb.models.glacier import GlacierPage, Topic

__all__ = ["Document", "GlacierPage", "Project", "ProjectMembership", "SearchQuery", "SyncRun", "Topic"]
