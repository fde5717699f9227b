from kb.models.core import Document, Project, ProjectMembership, SearchQuery, SyncRun
from kb.models.glacier import CompactionRun, GlacierPage, GlacierRevision, Topic, TopicPin

__all__ = [
    "CompactionRun", "Document", "GlacierPage", "GlacierRevision", "Project", "ProjectMembership",
    "SearchQuery", "SyncRun", "Topic", "TopicPin",
]  # fmt: skip
