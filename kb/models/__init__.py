from kb.models.core import Document, DocumentLink, Project, ProjectMembership, SearchQuery, SyncRun
from kb.models.files import RepositoryFile
from kb.models.github import GitHubSyncState, WebhookDelivery
from kb.models.glacier import CompactionRun, GlacierPage, GlacierRevision, Topic, TopicPin
from kb.models.membership import MembershipInvitation, MembershipRequest
from kb.models.search import SearchEntry, SearchWord

__all__ = [
    "CompactionRun", "Document", "DocumentLink", "GitHubSyncState", "GlacierPage", "GlacierRevision",
    "MembershipInvitation", "MembershipRequest", "Project", "ProjectMembership", "RepositoryFile",
    "SearchEntry", "SearchQuery", "SearchWord", "SyncRun", "Topic", "TopicPin", "WebhookDelivery",
]  # fmt: skip
