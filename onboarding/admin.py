from django.contrib import admin

from onboarding.models import (
    Area,
    AreaOwner,
    Enrolment,
    HandoffChecklist,
    HandoffItem,
    Maintainer,
    OnboardingPath,
    OnboardingStep,
    ProjectRole,
    StepCompletion,
    SuccessionPlan,
    Successor,
)


class ProjectRoleInline(admin.TabularInline):
    model = ProjectRole
    extra = 0


@admin.register(Maintainer)
class MaintainerAdmin(admin.ModelAdmin):
    list_display = ["github_login", "display_name", "affiliation", "user"]
    search_fields = ["github_login", "display_name", "affiliation"]
    raw_id_fields = ["user"]
    inlines = [ProjectRoleInline]


@admin.register(ProjectRole)
class ProjectRoleAdmin(admin.ModelAdmin):
    list_display = ["maintainer", "project", "role", "origin", "since"]
    list_filter = ["project", "role", "origin"]
    raw_id_fields = ["maintainer"]


class AreaOwnerInline(admin.TabularInline):
    model = AreaOwner
    extra = 0
    raw_id_fields = ["maintainer"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["path", "project", "kind", "bus_factor", "elephant_factor", "is_silo", "computed_at"]
    list_filter = ["project", "kind", "is_silo"]
    search_fields = ["path"]
    raw_id_fields = ["owners_document"]
    inlines = [AreaOwnerInline]


@admin.register(AreaOwner)
class AreaOwnerAdmin(admin.ModelAdmin):
    list_display = ["area", "maintainer", "role"]
    list_filter = ["role"]
    raw_id_fields = ["area", "maintainer"]


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
    list_display = ["plan", "maintainer", "readiness"]
    list_filter = ["readiness"]
    raw_id_fields = ["plan", "maintainer"]


class HandoffItemInline(admin.TabularInline):
    model = HandoffItem
    extra = 0
    raw_id_fields = ["area", "done_by"]


@admin.register(HandoffChecklist)
class HandoffChecklistAdmin(admin.ModelAdmin):
    list_display = ["plan", "successor", "created_at", "completed_at"]
    raw_id_fields = ["plan", "successor"]
    inlines = [HandoffItemInline]


@admin.register(HandoffItem)
class HandoffItemAdmin(admin.ModelAdmin):
    list_display = ["title", "checklist", "kind", "due_date", "done_at"]
    list_filter = ["kind"]
    search_fields = ["title"]
    raw_id_fields = ["checklist", "area", "done_by"]


class OnboardingStepInline(admin.TabularInline):
    model = OnboardingStep
    extra = 0


@admin.register(OnboardingPath)
class OnboardingPathAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "track", "updated_at"]
    list_filter = ["project", "track"]
    search_fields = ["title"]
    inlines = [OnboardingStepInline]


@admin.register(OnboardingStep)
class OnboardingStepAdmin(admin.ModelAdmin):
    list_display = ["title", "path", "position", "ladder_role", "target_days"]
    list_filter = ["ladder_role"]
    search_fields = ["title"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["user", "path", "started_at"]
    raw_id_fields = ["user", "path"]


@admin.register(StepCompletion)
class StepCompletionAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "step", "completed_at"]
    raw_id_fields = ["enrolment", "step"]
