from django.contrib import admin

from kb.models import Document, Project, ProjectMembership, SearchEntry, SearchQuery, SearchWord, SyncRun


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


@admin.register(SearchWord)
class SearchWordAdmin(admin.ModelAdmin):
    list_display = ["word", "documents"]
    search_fields = ["word"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
