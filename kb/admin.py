from django import forms
from django.contrib import admin

from kb.models import (
    CompactionRun,
    Document,
    DocumentLink,
    GitHubSyncState,
    GlacierPage,
    GlacierRevision,
    MembershipInvitation,
    MembershipRequest,
    Project,
    ProjectMembership,
    RepositoryFile,
    SearchEntry,
    SearchQuery,
    SearchWord,
    SyncRun,
    Topic,
    TopicPin,
    WebhookDelivery,
)
from kb.services.projects import PROJECT_UPDATE_FIELDS, project_update
from kb.services.repository_policy import RepositoryPolicyError, repository_approval, repository_validate


class MembershipInline(admin.TabularInline):
    model = ProjectMembership
    extra = 0
    autocomplete_fields = ["user"]


class ProjectAdminForm(forms.ModelForm):
    """The repository is held to the same policy as in the API, for the user saving the form."""

    user = None  # set by ProjectAdmin.get_form

    class Meta:
        model = Project
        fields = ["name", "slug", "description", "repository", "github_repo", "visibility", "webhook_secret"]

    def clean_repository(self) -> str:
        value = (self.cleaned_data.get("repository") or "").strip()
        if self.instance.pk and value and value == self.instance.repository_approved:
            return value  # already vouched for by staff or the operator
        try:
            return repository_validate(value, user=self.user)
        except RepositoryPolicyError as exc:
            raise forms.ValidationError(str(exc)) from exc


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    form = ProjectAdminForm
    list_display = ["name", "slug", "visibility", "repository", "github_repo"]
    list_filter = ["visibility"]
    search_fields = ["name", "slug", "repository", "github_repo"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        if obj.repository != obj.repository_approved:
            obj.repository_approved = repository_approval(obj.repository, user=request.user)
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Through the service, so that a visibility change re-indexes the project's entries.
        project_update(
            project=obj,
            repository_approved=obj.repository_approved,
            **{name: form.cleaned_data[name] for name in form.changed_data if name in PROJECT_UPDATE_FIELDS},
        )


@admin.register(ProjectMembership)
class ProjectMembershipAdmin(admin.ModelAdmin):
    list_display = ["project", "user", "role"]
    list_filter = ["role", "project"]
    autocomplete_fields = ["user"]


@admin.register(MembershipRequest)
class MembershipRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are decided by the project's maintainers on its members page."""

    list_display = ["project", "user", "state", "created_at", "decided_by", "decided_at"]
    list_filter = ["state", "project"]
    readonly_fields = ["project", "user", "message", "state", "decided_by", "decided_at", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(MembershipInvitation)
class MembershipInvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent from the project's members page, which e-mails them."""

    list_display = ["project", "email", "invited_by", "created_at", "accepted_by", "accepted_at"]
    list_filter = ["project"]
    exclude = ["token"]
    readonly_fields = ["project", "email", "invited_by", "created_at", "accepted_by", "accepted_at"]

    def has_add_permission(self, request):
        return False


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
    readonly_fields = ["started_at"]


@admin.register(SearchQuery)
class SearchQueryAdmin(admin.ModelAdmin):
    list_display = ["query", "project", "kind", "result_count", "took_ms", "via", "created_at"]
    list_filter = ["via", "project"]
    search_fields = ["query"]

    # A record of what people asked: kept as it happened, never edited by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SearchEntry)
class SearchEntryAdmin(admin.ModelAdmin):
    """Rows of the PostgreSQL search backend; rebuilt by `manage.py kb reindex`, read-only here."""

    list_display = ["uid", "project", "kind", "title", "boost", "updated_at"]
    list_filter = ["project", "kind"]
    search_fields = ["uid", "title", "path"]
    exclude = ["search_vector"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "origin", "signature", "title_locked", "merged_into", "retired_at"]
    list_filter = ["project", "origin", "title_locked"]
    search_fields = ["title", "signature", "slug"]
    raw_id_fields = ["merged_into"]
    filter_horizontal: list = []
    exclude = ["documents"]


@admin.register(TopicPin)
class TopicPinAdmin(admin.ModelAdmin):
    list_display = ["document", "topic", "created_at"]
    list_filter = ["topic__project"]
    raw_id_fields = ["document", "topic"]


@admin.register(GlacierPage)
class GlacierPageAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "project",
        "owner_login",
        "review_by",
        "revision_count",
        "coverage",
        "compression_ratio",
    ]
    list_filter = ["project"]
    search_fields = ["title", "owner_login"]
    readonly_fields = ["content", "restricted", "content_hash", "revision_count", "compacted_at"]


@admin.register(GlacierRevision)
class GlacierRevisionAdmin(admin.ModelAdmin):
    list_display = ["page", "number", "created_at", "content_hash"]
    list_filter = ["page__project"]
    readonly_fields = ["content", "restricted", "text", "content_hash", "source_ids", "metrics"]


@admin.register(CompactionRun)
class CompactionRunAdmin(admin.ModelAdmin):
    list_display = [
        "project",
        "started_at",
        "skipped",
        "topics",
        "pages_created",
        "pages_updated",
        "revisions_created",
    ]
    list_filter = ["project", "skipped"]


@admin.register(SearchWord)
class SearchWordAdmin(admin.ModelAdmin):
    list_display = ["word", "documents"]
    search_fields = ["word"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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


@admin.register(DocumentLink)
class DocumentLinkAdmin(admin.ModelAdmin):
    """Written by kb.services.document_links at every sync that changes a document: read-only here."""

    list_display = ["source", "line", "kind", "href", "status", "target_path"]
    list_filter = ["status", "kind", "project"]
    search_fields = ["href", "target_path", "source__path"]
    raw_id_fields = ["source", "target"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RepositoryFile)
class RepositoryFileAdmin(admin.ModelAdmin):
    """The tree listing each sync reconciles (kb.services.document_links): read-only here."""

    list_display = ["path", "project", "source", "size", "content_type", "updated_at"]
    list_filter = ["project", "source"]
    search_fields = ["path"]
    exclude = ["content"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
