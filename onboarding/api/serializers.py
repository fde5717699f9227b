"""Input and output shapes for the onboarding API (input serializers validate; services write)."""

from rest_framework import serializers

from kb.models import Project
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
from onboarding.selectors import enrolment_progress
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


class SuccessionPlanIn(serializers.Serializer):
    project = serializers.SlugRelatedField(slug_field="slug", queryset=Project.objects.all())
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
    plan = serializers.PrimaryKeyRelatedField(queryset=SuccessionPlan.objects.select_related("project"))
    successor = serializers.PrimaryKeyRelatedField(
        queryset=Maintainer.objects.all(), required=False, allow_null=True
    )


class CheckIn(serializers.Serializer):
    item = serializers.IntegerField()
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
    path = serializers.PrimaryKeyRelatedField(queryset=OnboardingPath.objects.select_related("project"))


class TickIn(serializers.Serializer):
    step = serializers.PrimaryKeyRelatedField(queryset=OnboardingStep.objects.all())
    done = serializers.BooleanField(default=True)
