"""Input and output shapes for the onboarding API (input serializers validate; services write)."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kb.errors import MAX_ID
from kb.safe_links import validate_safe_url
from onboarding.models import (
    Enrolment,
    HandoffChecklist,
    HandoffItem,
    Maintainer,
    OnboardingPath,
    OnboardingStep,
    ProjectRole,
    SuccessionPlan,
    Successor,
)
from onboarding.selectors import enrolment_progress, paths_visible, succession_plans_visible, visible_projects
from onboarding.services.paths import STALL_DAYS
from onboarding.services.succession import checklist_completeness


class RoleOut(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ProjectRole
        fields = ["project", "role", "origin", "since"]


class MaintainerOut(serializers.ModelSerializer):
    roles = RoleOut(many=True, read_only=True)
    areas = serializers.SerializerMethodField()

    class Meta:
        model = Maintainer
        fields = ["id", "github_login", "display_name", "affiliation", "roles", "areas"]

    def get_areas(self, maintainer) -> list[dict]:
        return [
            {
                "project": o.area.project.slug,
                "kind": o.area.kind,
                "path": o.area.path,
                "role": o.role,
                "bus_factor": o.area.bus_factor,
                "is_silo": o.area.is_silo,
            }  # fmt: skip
            for o in maintainer.ownerships.all()
        ]


class SuccessorOut(serializers.ModelSerializer):
    maintainer = serializers.StringRelatedField()
    maintainer_id = serializers.IntegerField()

    class Meta:
        model = Successor
        fields = ["maintainer_id", "maintainer", "readiness"]


class SuccessionPlanOut(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    maintainer = serializers.StringRelatedField()
    successors = SuccessorOut(source="successor_links", many=True, read_only=True)
    checklists = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SuccessionPlan
        fields = [
            "id",
            "project",
            "maintainer",
            "maintainer_id",
            "risk_score",
            "notes",
            "successors",
            "checklists",
            "updated_at",
        ]


class _VisibleOnly:
    """A related field choosing among what the requesting user may see, so that an object the
    caller cannot see answers exactly like one that does not exist (no existence oracle).
    Needs the request in the serializer's context."""

    def __init__(self, visible, **kwargs):
        self.visible = visible
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.visible(request.user if request is not None else AnonymousUser())


@extend_schema_field(OpenApiTypes.STR)
class VisibleSlugField(_VisibleOnly, serializers.SlugRelatedField):
    pass


@extend_schema_field(OpenApiTypes.INT)
class VisiblePrimaryKeyField(_VisibleOnly, serializers.PrimaryKeyRelatedField):
    pass


class SuccessionPlanIn(serializers.Serializer):
    project = VisibleSlugField(visible_projects, slug_field="slug")
    maintainer = serializers.PrimaryKeyRelatedField(queryset=Maintainer.objects.all())
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class SuccessionPlanPatch(serializers.Serializer):
    notes = serializers.CharField(allow_blank=True)


class SuccessorIn(serializers.Serializer):
    maintainer = serializers.PrimaryKeyRelatedField(queryset=Maintainer.objects.all())
    readiness = serializers.ChoiceField(
        choices=Successor.Readiness.choices, default=Successor.Readiness.NOT_READY
    )


class HandoffItemOut(serializers.ModelSerializer):
    done_by = serializers.StringRelatedField()
    area = serializers.SerializerMethodField()

    class Meta:
        model = HandoffItem
        fields = [
            "id",
            "kind",
            "title",
            "link",
            "details",
            "area",
            "position",
            "due_date",
            "done_at",
            "done_by",
        ]

    def get_area(self, item) -> str | None:
        return item.area.path if item.area else None


class HandoffChecklistOut(serializers.ModelSerializer):
    project = serializers.CharField(source="plan.project.slug")
    maintainer = serializers.StringRelatedField(source="plan.maintainer")
    successor = serializers.StringRelatedField()
    completeness = serializers.SerializerMethodField()
    items = HandoffItemOut(many=True, read_only=True)

    class Meta:
        model = HandoffChecklist
        fields = [
            "id",
            "plan",
            "project",
            "maintainer",
            "successor",
            "completeness",
            "created_at",
            "completed_at",
            "items",
        ]

    def get_completeness(self, checklist) -> int:
        return checklist_completeness(checklist)


class HandoffChecklistIn(serializers.Serializer):
    plan = VisiblePrimaryKeyField(succession_plans_visible)
    successor = serializers.PrimaryKeyRelatedField(
        queryset=Maintainer.objects.all(), required=False, allow_null=True
    )


class CheckIn(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    done = serializers.BooleanField(default=True)


class HandoffItemIn(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=HandoffItem.Kind.choices, default=HandoffItem.Kind.OTHER)
    link = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", validators=[validate_safe_url]
    )
    details = serializers.CharField(required=False, allow_blank=True, default="")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class CompleteIn(serializers.Serializer):
    force = serializers.BooleanField(default=False)


class StepOut(serializers.ModelSerializer):
    class Meta:
        model = OnboardingStep
        fields = ["id", "position", "title", "link", "expected_outcome", "ladder_role", "target_days"]


class OnboardingPathOut(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    steps = StepOut(many=True, read_only=True)

    class Meta:
        model = OnboardingPath
        fields = ["id", "project", "track", "title", "description", "edited_at", "steps"]


class StepIn(serializers.Serializer):
    id = serializers.IntegerField(required=False)
    title = serializers.CharField(max_length=300)
    link = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", validators=[validate_safe_url]
    )
    expected_outcome = serializers.CharField(required=False, allow_blank=True, default="")
    ladder_role = serializers.ChoiceField(
        choices=ProjectRole.Ladder.choices, required=False, allow_blank=True, default=""
    )
    target_days = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)


class OnboardingPathIn(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    steps = StepIn(many=True, required=False)


class EnrolmentOut(serializers.ModelSerializer):
    user = serializers.StringRelatedField()
    project = serializers.CharField(source="path.project.slug")
    completed_steps = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = ["id", "path", "project", "user", "started_at", "completed_steps", "progress"]

    def get_completed_steps(self, enrolment) -> list[int]:
        return sorted(c.step_id for c in enrolment.completions.all())

    def get_progress(self, enrolment) -> dict:
        progress = enrolment_progress(enrolment)
        return {"done": progress.done, "total": progress.total, "percent": progress.percent,
                "next_step": progress.next_step.pk if progress.next_step else None}  # fmt: skip


class EnrolmentIn(serializers.Serializer):
    path = VisiblePrimaryKeyField(paths_visible)


class TickIn(serializers.Serializer):
    step = serializers.PrimaryKeyRelatedField(queryset=OnboardingStep.objects.all())
    done = serializers.BooleanField(default=True)


class ProgressQuery(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=3650, default=STALL_DAYS)
