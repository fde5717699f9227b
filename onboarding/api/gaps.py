"""/api/gaps/: list and read gaps (filters: project, rule, severity, state), claim, release and dismiss."""

from __future__ import annotations

from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from kb.access import user_is_maintainer, visible_projects_q
from kb.models import Project
from onboarding.gap_selectors import gaps_filtered, gaps_for_newcomer, gaps_visible_to
from onboarding.gaps import RULES
from onboarding.models import Gap
from onboarding.services import gaps as gap_services
from onboarding.services.reports import portal_url


class GapOutputSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    rule = serializers.CharField(source="rule_id")
    rule_url = serializers.SerializerMethodField()
    claimed_by = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Gap
        fields = [
            "id", "project", "rule", "rule_url", "severity", "title", "evidence", "suggestion", "path", "state",
            "claimed_by", "claimed_at", "last_activity_at", "resolved_at", "dismissed_reason", "first_seen_at",
            "last_seen_at", "url",
        ]  # fmt: skip

    def get_rule_url(self, gap: Gap) -> str:
        return portal_url(f"/gaps/rules/{gap.rule_id}/")

    def get_url(self, gap: Gap) -> str:
        return portal_url(f"/gaps/{gap.pk}/")

    def get_claimed_by(self, gap: Gap) -> str | None:
        return gap.claimed_by.get_username() if gap.claimed_by else None


class GapFilterSerializer(serializers.Serializer):
    project = serializers.SlugField(required=False, allow_blank=True)
    rule = serializers.CharField(required=False, allow_blank=True)
    severity = serializers.ChoiceField(choices=Gap.Severity.choices, required=False, allow_blank=True)
    state = serializers.ChoiceField(choices=Gap.State.choices, required=False, allow_blank=True)

    def validate_rule(self, value: str) -> str:
        if value and value not in RULES:
            raise serializers.ValidationError(f"Unknown rule {value!r}.")
        return value


class DismissInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=False, trim_whitespace=True)


class GapViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = GapOutputSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    filter_backends: list = []  # filters are validated by GapFilterSerializer below

    def get_queryset(self):
        if self.action != "list":
            return gaps_visible_to(self.request.user)
        filters = GapFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return gaps_filtered(self.request.user, **filters.validated_data)

    def _run(self, func, **kwargs):
        gap = self.get_object()
        gap = func(gap=gap, user=self.request.user, **kwargs)
        gap.refresh_from_db()
        return Response(GapOutputSerializer(gap).data)

    @action(detail=False, methods=["get"])
    def suggested(self, request):
        """Open gaps that suit a newcomer in one project (for onboarding paths): ?project=SLUG."""
        slug = request.query_params.get("project", "")
        project = Project.objects.filter(visible_projects_q(request.user), slug=slug).distinct().first()
        if project is None:
            raise ValidationError({"project": ["Give the slug of a project you can see."]})
        gaps = gaps_for_newcomer(request.user, project=project, limit=10)
        return Response({"results": GapOutputSerializer(gaps, many=True).data})

    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def claim(self, request, pk=None):
        return self._run(gap_services.gap_claim)

    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def release(self, request, pk=None):
        return self._run(gap_services.gap_release)

    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def dismiss(self, request, pk=None):
        data = DismissInputSerializer(data=request.data)
        gap = self.get_object()
        if not user_is_maintainer(request.user, gap.project):
            raise PermissionDenied("Only a maintainer of the project can dismiss a gap.")
        data.is_valid(raise_exception=True)
        return self._run(gap_services.gap_dismiss, reason=data.validated_data["reason"])
