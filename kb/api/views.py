"""kb REST API: thin views that validate input, call one selector or service, and shape the answer."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from kb import selectors
from kb.access import maintained_project_ids, user_is_maintainer, user_sees_everything
from kb.api import serializers
from kb.search.backends.base import SearchUnavailable
from kb.services.projects import project_create, project_sync_enqueue, user_may_create_project
from kb.services.repository_policy import RepositoryPolicyError
from kb.services.search import search_run
from kb.throttles import SearchRateThrottle


class ProjectViewSet(viewsets.GenericViewSet):
    """Projects the caller may see. Creating one needs a token of staff or an existing maintainer."""

    lookup_field = "slug"
    serializer_class = serializers.ProjectOutputSerializer

    def get_queryset(self):
        return selectors.project_list_with_stats(user=self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            serializers.ProjectOutputSerializer(page, many=True, context=self._internals(request)).data
        )

    @staticmethod
    def _internals(request) -> dict:
        """Serializer context: the projects whose repository and sync details the caller may see."""
        if user_sees_everything(request.user):
            return {"internal_project_ids": None}
        return {
            "internal_project_ids": set(
                maintained_project_ids(request.user).values_list("project_id", flat=True)
            )
        }

    @extend_schema(responses={200: serializers.ProjectDetailSerializer})
    def retrieve(self, request, slug=None):
        project = self._visible_project(slug)
        project.document_kinds = selectors.document_kind_counts(user=request.user, project=project)
        project.latest_sync = selectors.sync_run_latest(project=project)
        return Response(serializers.ProjectDetailSerializer(project, context=self._internals(request)).data)

    @extend_schema(
        request=serializers.ProjectCreateInputSerializer,
        responses={201: serializers.ProjectOutputSerializer},
    )
    def create(self, request):
        if not user_may_create_project(request.user):
            raise PermissionDenied("Only staff and project maintainers may create projects.")
        data = self._validated(serializers.ProjectCreateInputSerializer, request.data, request=request)
        project = project_create(created_by=request.user, **data)
        created = selectors.project_get(user=request.user, slug=project.slug)
        return Response(
            serializers.ProjectOutputSerializer(created, context=self._internals(request)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=None,
        responses={
            202: serializers.SyncQueuedSerializer,
            400: OpenApiResponse(description="No repository, or one that may not or cannot be synced"),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def sync(self, request, slug=None):
        """Queue a sync of the project's registered repository (maintainers only)."""
        project = self._visible_project(slug)
        if not user_is_maintainer(request.user, project):
            raise PermissionDenied("Only maintainers of this project may sync it.")
        try:
            project_sync_enqueue(project=project)
        except RepositoryPolicyError as exc:
            raise ValidationError({"repository": [str(exc)]}) from exc
        return Response({"status": "queued", "project": project.slug}, status=status.HTTP_202_ACCEPTED)

    def _visible_project(self, slug):
        project = selectors.project_get(user=self.request.user, slug=slug)
        if project is None:
            raise Http404
        return project

    @staticmethod
    def _validated(serializer_class, data, *, request=None) -> dict:
        serializer = serializer_class(data=data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Documents the caller may read, filterable by project slug and kind."""

    serializer_class = serializers.DocumentListSerializer
    filter_backends: list = []

    def get_queryset(self):
        if self.action == "list":
            filters = serializers.DocumentFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            return selectors.document_list(user=self.request.user, **filters.validated_data)
        return selectors.document_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.DocumentDetailSerializer
        return serializers.DocumentListSerializer

    @extend_schema(parameters=[serializers.DocumentFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        document = self.get_object()
        document.readable_links_out = selectors.document_links_out(user=request.user, document=document)
        document.readable_links_in = selectors.document_links_in(user=request.user, document=document)
        return Response(self.get_serializer(document).data)


class SearchUnavailableError(APIException):
    """503 for an index that cannot answer (any DRF exception handler renders it)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = SearchUnavailable.default_message
    default_code = "search_unavailable"


class SearchView(APIView):
    """Full-text search over what the caller may read, with facets and a "did you mean" suggestion."""

    throttle_classes = [SearchRateThrottle]

    @extend_schema(
        parameters=[serializers.SearchInputSerializer],
        responses={
            200: serializers.SearchOutputSerializer,
            400: OpenApiResponse(description="Field errors"),
            503: OpenApiResponse(description="The search index is unavailable until an operator rebuilds it"),
        },
    )
    def get(self, request):
        params = serializers.SearchInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        project = data.get("project")
        if project and selectors.project_get(user=request.user, slug=project) is None:
            # Same answer for "absent" and "private": a search never reveals that a project exists.
            raise ValidationError({"project": ["Unknown project."]})
        try:
            results = search_run(
                user=request.user,
                query=data["q"],
                project=project,
                kind=data.get("kind"),
                page=data["page"],
                page_size=data["page_size"],
                via="api",
            )
        except SearchUnavailable as exc:
            raise SearchUnavailableError(str(exc)) from exc
        return Response(serializers.SearchOutputSerializer(results).data)


class ObtainTokenView(ObtainAuthToken):
    """A token for a username and password; throttled per address (and django-axes locks the
    username after repeated failures)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
    serializer_class = serializers.VerifiedAuthTokenSerializer
