from django.contrib import admin

from onboarding.models import (
    AccessTransferItem,
    Area,
    AreaOwner,
    Contribution,
    Enrolment,
    HandoffChecklist,
    HandoffItem,
    Maintainer,
    OnboardingPath,
    OnboardingStep,
    ProjectRisk,
    ProjectRole,
    RoleChange,
    StepCompletion,
    SuccessionPlan,
    Successor,
)


class RoleInline(admin.TabularInline):
    model = ProjectRole
    extra = 0


@admin.register(Maintainer)
class MaintainerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "github_login", "email", "affiliation", "user"]
    search_fields = ["github_login", "display_name", "email", "affiliation"]
    raw_id_fields = ["user"]
    inlines = [RoleInline]


@admin.register(ProjectRole)
class ProjectRoleAdmin(admin.ModelAdmin):
    list_display = ["maintainer", "project", "role", "origin", "since"]
    list_filter = ["role", "origin", "project"]
    search_fields = ["maintainer__github_login", "maintainer__display_name"]
    raw_id_fields = ["maintainer"]


class AreaOwnerInline(admin.TabularInline):
    model = AreaOwner
    extra = 0
    raw_id_fields = ["maintainer"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "bus_factor",
        "elephant_factor",
        "contributions",
        "doc_count",
        "is_silo",
        "origin",
    ]
    list_filter = ["kind", "is_silo", "origin", "project"]
    search_fields = ["path"]
    readonly_fields = ["computed_at", "top_contributors"]
    raw_id_fields = ["owners_document"]
    inlines = [AreaOwnerInline]


@admin.register(AreaOwner)
class AreaOwnerAdmin(admin.ModelAdmin):
    list_display = ["maintainer", "area", "role", "origin"]
    list_filter = ["role", "origin"]
    raw_id_fields = ["maintainer", "area"]


class SuccessorInline(admin.TabularInline):
    model = Successor
    extra = 0
    raw_id_fields = ["maintainer"]


@admin.register(SuccessionPlan)
class SuccessionPlanAdmin(admin.ModelAdmin):
    list_display = ["maintainer", "project", "risk_score", "updated_at"]
    list_filter = ["project"]
    raw_id_fields = ["maintainer"]
    inlines = [SuccessorInline]


@admin.register(Successor)
class SuccessorAdmin(admin.ModelAdmin):
    list_display = ["maintainer", "plan", "readiness"]
    list_filter = ["readiness"]
    raw_id_fields = ["maintainer", "plan"]


class HandoffItemInline(admin.TabularInline):
    model = HandoffItem
    extra = 0
    fields = ["position", "kind", "title", "link", "due_date", "done_at", "done_by"]
    raw_id_fields = ["done_by"]


@admin.register(HandoffChecklist)
class HandoffChecklistAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "completed_at"]
    raw_id_fields = ["plan", "successor", "completed_by"]
    inlines = [HandoffItemInline]


@admin.register(HandoffItem)
class HandoffItemAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "checklist", "due_date", "done_at", "done_by"]
    list_filter = ["kind"]
    raw_id_fields = ["checklist", "area", "done_by"]


class StepInline(admin.TabularInline):
    model = OnboardingStep
    extra = 0


@admin.register(OnboardingPath)
class OnboardingPathAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "track", "edited_at"]
    list_filter = ["track", "project"]
    inlines = [StepInline]


@admin.register(OnboardingStep)
class OnboardingStepAdmin(admin.ModelAdmin):
    list_display = ["title", "path", "position", "ladder_role", "target_days"]
    list_filter = ["ladder_role"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["user", "path", "started_at"]
    raw_id_fields = ["user", "path"]


@admin.register(StepCompletion)
class StepCompletionAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "step", "completed_at"]
    raw_id_fields = ["enrolment", "step"]


@admin.register(ProjectRisk)
class ProjectRiskAdmin(admin.ModelAdmin):
    list_display = [
        "project",
        "bus_factor",
        "elephant_factor",
        "contributors",
        "commits",
        "engagement",
        "silo_count",
        "computed_at",
    ]
    readonly_fields = ["top_contributors", "top_affiliations", "bots", "computed_at"]


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = [
        "identity",
        "project",
        "affiliation",
        "commits",
        "comments",
        "closes",
        "is_bot",
        "last_contributed_at",
    ]
    list_filter = ["project", "is_bot"]
    search_fields = ["identity", "name", "email", "affiliation"]
    readonly_fields = ["aliases"]
    raw_id_fields = ["maintainer"]


@admin.register(AccessTransferItem)
class AccessTransferItemAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "position"]
    list_filter = ["project"]


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    list_display = ["maintainer", "project", "from_role", "to_role", "reason", "changed_by", "changed_at"]
    list_filter = ["to_role", "project"]
    raw_id_fields = ["maintainer", "changed_by", "checklist"]

    def has_change_permission(self, request, obj=None):
        return False  # an audit trail is read-only

    def has_delete_permission(self, request, obj=None):
        return False


from onboarding import gap_admin  # noqa: E402,F401  (gaps and reports register themselves)
