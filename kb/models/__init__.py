from kb.models.core import Document, Project, ProjectMembership, SearchQuery, SyncRun
from kb.models.github import GitHubSyncState, WebhookDelivery
from kb.models.glacier import GlacierPage, Topic

__all__ = ["Document", "GitHubSyncState", "GlacierPage", "Project", "ProjectMembership", "SearchQuery", "SyncRun", "Topic", "WebhookDelivery"]
