"""DRF endpoints for maintainers, succession plans, handoff checklists, onboarding paths and
enrolments. Each action validates input, checks who may act (kb.access), calls one service
and answers; service errors become 400s with field errors in kb.errors.api_exception_handler."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from kb.access import user_is_maintainer
from onboarding import selectors
from onboarding.api import serializers as s
from onboarding.models import OnboardingPath
from onboarding.services import paths, succession


def _require_maintainer(user, project) -> None:
    if not user_is_maintainer(user, project):
        raise PermissionDenied("Only the project's maintainers may do this.")


class MaintainerViewSet(viewsets.ReadOnlyModelViewSet):
    """People on the contributor ladders of the projects you can see. ?project=SLUG filters."""

    serializer_class = s.MaintainerOut

    def get_queryset(self):
        queryset = selectors.maintainers_visible(self.request.user)
        if project := self.request.query_params.get("project"):
            queryset = queryset.filter(roles__project__slug=project)
        return queryset.order_by("display_name", "github_login", "pk")


class SuccessionPlanViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Plans are visible to the project's maintainers, the planned-for maintainer and successors;
    only maintainers create and edit them."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = s.SuccessionPlanOut
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = selectors.succession_plans_visible(self.request.user).prefetch_related("checklists")
        if project := self.request.query_params.get("project"):
            queryset = queryset.filter(project__slug=project)
        return queryset.order_by("-risk_score", "pk")

    @extend_schema(request=s.SuccessionPlanIn, responses={201: s.SuccessionPlanOut})
    def create(self, request, *args, **kwargs):
        data = s.SuccessionPlanIn(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        _require_maintainer(request.user, data.validated_data["project"])
        plan = succession.succession_plan_create(**data.validated_data)
        return Response(s.SuccessionPlanOut(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SuccessionPlanPatch, responses=s.SuccessionPlanOut)
    def partial_update(self, request, *args, **kwargs):
        plan = self.get_object()
        _require_maintainer(request.user, plan.project)
        data = s.SuccessionPlanPatch(data=request.data)
        data.is_valid(raise_exception=True)
        plan.notes = data.validated_data["notes"]
        plan.save(update_fields=["notes", "updated_at"])
        return Response(s.SuccessionPlanOut(plan).data)

    @extend_schema(request=s.SuccessorIn, responses=s.SuccessionPlanOut)
    @action(detail=True, methods=["post"])
    def successors(self, request, pk=None):
        plan = self.get_object()
        _require_maintainer(request.user, plan.project)
        data = s.SuccessorIn(data=request.data)
        data.is_valid(raise_exception=True)
        succession.successor_designate(plan=plan, **data.validated_data)
        return Response(s.SuccessionPlanOut(self.get_queryset().get(pk=plan.pk)).data)


class HandoffChecklistViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Checklists: maintainers create, add items and complete; the successor (and the leaving
    maintainer) see and tick theirs."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.HandoffChecklistOut

    def get_queryset(self):
        queryset = selectors.checklists_visible(self.request.user)
        if project := self.request.query_params.get("project"):
            queryset = queryset.filter(plan__project__slug=project)
        return queryset.order_by("-created_at", "-pk")

    def _fresh(self, checklist):
        return Response(s.HandoffChecklistOut(self.get_queryset().get(pk=checklist.pk)).data)

    @extend_schema(request=s.HandoffChecklistIn, responses={201: s.HandoffChecklistOut})
    def create(self, request, *args, **kwargs):
        data = s.HandoffChecklistIn(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        _require_maintainer(request.user, data.validated_data["plan"].project)
        checklist = succession.handoff_checklist_create(**data.validated_data)
        response = self._fresh(checklist)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=s.CheckIn, responses=s.HandoffChecklistOut)
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        checklist = self.get_object()
        if not selectors.user_may_tick_checklist(request.user, checklist):
            raise PermissionDenied(
                "Only the successor, the leaving maintainer or a project maintainer may tick items."
            )
        data = s.CheckIn(data=request.data)
        data.is_valid(raise_exception=True)
        item = checklist.items.filter(pk=data.validated_data["item"]).first()
        if item is None:
            raise ValidationError({"item": "No such item on this checklist."})
        succession.handoff_item_check(item=item, user=request.user, done=data.validated_data["done"])
        return self._fresh(checklist)

    @extend_schema(request=s.HandoffItemIn, responses={201: s.HandoffChecklistOut})
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        checklist = self.get_object()
        _require_maintainer(request.user, checklist.plan.project)
        data = s.HandoffItemIn(data=request.data)
        data.is_valid(raise_exception=True)
        succession.handoff_item_add(checklist=checklist, **data.validated_data)
        response = self._fresh(checklist)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=s.CompleteIn, responses=s.HandoffChecklistOut)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        checklist = self.get_object()
        _require_maintainer(request.user, checklist.plan.project)
        data = s.CompleteIn(data=request.data)
        data.is_valid(raise_exception=True)
        succession.handoff_complete(
            checklist=checklist,
            actor=request.user,
            force=data.validated_data["force"],
        )
        return self._fresh(checklist)


class OnboardingPathViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Paths of visible projects; maintainers edit them and see everyone's progress."""

    serializer_class = s.OnboardingPathOut
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        queryset = selectors.paths_visible(self.request.user)
        if project := self.request.query_params.get("project"):
            queryset = queryset.filter(project__slug=project)
        if track := self.request.query_params.get("track"):
            queryset = queryset.filter(track=track)
        return queryset.order_by("project__slug", "track")

    @extend_schema(request=s.OnboardingPathIn, responses=s.OnboardingPathOut)
    def update(self, request, *args, **kwargs):
        path = self.get_object()
        _require_maintainer(request.user, path.project)
        data = s.OnboardingPathIn(data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        paths.onboarding_path_update(path=path, **data.validated_data)
        return Response(
            s.OnboardingPathOut(OnboardingPath.objects.prefetch_related("steps").get(pk=path.pk)).data
        )

    @extend_schema(request=None, responses={201: s.EnrolmentOut})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def enrol(self, request, pk=None):
        path = self.get_object()
        enrolment = paths.enrolment_create(path=path, user=request.user)
        return Response(s.EnrolmentOut(enrolment).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[s.ProgressQuery])
    @action(detail=True, methods=["get"], permission_classes=[IsAuthenticated])
    def progress(self, request, pk=None):
        path = self.get_object()
        _require_maintainer(request.user, path.project)
        rows = selectors.path_progress_rows(path)
        days = s.ProgressQuery(data=request.query_params)
        days.is_valid(raise_exception=True)
        stalls = selectors.path_stalls(path, days=days.validated_data["days"])
        return Response({
            "enrolments": [{"user": str(e.user), "done": p.done, "total": p.total, "percent": p.percent,
                            "next_step": p.next_step.pk if p.next_step else None, "last_activity": p.stuck_since} for e, p in rows],
            "stalls": [{"step": st.step.pk, "title": st.step.title, "stuck": st.stuck, "enrolled": st.enrolled} for st in stalls],
        })  # fmt: skip


class EnrolmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Your own enrolments (maintainers also see their projects' enrolees); tick your steps."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.EnrolmentOut

    def get_queryset(self):
        queryset = selectors.enrolments_visible(self.request.user)
        if project := self.request.query_params.get("project"):
            queryset = queryset.filter(path__project__slug=project)
        return queryset.order_by("-started_at", "-pk")

    @extend_schema(request=s.EnrolmentIn, responses={201: s.EnrolmentOut})
    def create(self, request, *args, **kwargs):
        data = s.EnrolmentIn(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        path = data.validated_data["path"]
        enrolment = paths.enrolment_create(path=path, user=request.user)
        return Response(s.EnrolmentOut(enrolment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TickIn, responses=s.EnrolmentOut)
    @action(detail=True, methods=["post"])
    def tick(self, request, pk=None):
        enrolment = self.get_object()
        if enrolment.user_id != request.user.pk:
            raise PermissionDenied("Only the enrolee ticks their own steps.")
        data = s.TickIn(data=request.data)
        data.is_valid(raise_exception=True)
        paths.enrolment_step_tick(enrolment=enrolment, **data.validated_data)
        return Response(s.EnrolmentOut(self.get_queryset().get(pk=enrolment.pk)).data)
