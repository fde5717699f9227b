from django.contrib import admin

from kb.models import (
    Document,
    GitHubSyncState,
    Project,
    ProjectMembership,
    SearchQuery,
    SyncRun,
    WebhookDelivery,
)


class MembershipInline(admin.TabularInline):
    model = ProjectMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "visibility", "repository", "github_repo"]
    list_filter = ["visibility"]
    search_fields = ["name", "slug", "repository", "github_repo"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(ProjectMembership)
class ProjectMembershipAdmin(admin.ModelAdmin):
    list_display = ["project", "user", "role"]
    list_filter = ["role", "project"]
    autocomplete_fields = ["user"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "kind", "key", "is_private", "last_changed_at"]
    list_filter = ["project", "kind", "source", "is_private"]
    search_fields = ["title", "key", "path"]
    raw_id_fields = ["parent"]
    filter_horizontal = ["readers"]
    readonly_fields = ["sha256", "created_at", "updated_at"]


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["project", "source", "status", "started_at", "added", "updated", "deleted", "skipped"]
    list_filter = ["project", "source", "status"]


@admin.register(SearchQuery)
class SearchQueryAdmin(admin.ModelAdmin):
    list_display = ["query", "project", "kind", "result_count", "took_ms", "via", "created_at"]
    list_filter = ["via", "project"]
    search_fields = ["query"]


@admin.register(GitHubSyncState)
class GitHubSyncStateAdmin(admin.ModelAdmin):
    list_display = ["project", "full_name", "issues_since", "comments_since", "tree_sha", "updated_at"]
    search_fields = ["project__slug", "full_name"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["delivery_id", "event", "action", "project", "enqueued_sync", "received_at"]
    list_filter = ["event", "project"]
    search_fields = ["delivery_id"]
    readonly_fields = ["delivery_id", "event", "action", "project", "enqueued_sync", "received_at"]
