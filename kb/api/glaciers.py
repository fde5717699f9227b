"""Glacier pages over the API: read for anyone who may see the project, edits for maintainers.

GET   /api/glaciers/?project=SLUG          pages (live topics only)
GET   /api/glaciers/{id}/                  one page: public content, plus the restricted
                                           notes the caller may read (kb/access.py)
GET   /api/glaciers/{id}/revisions/        stored revisions, newest first, with diffs (paginated)
PATCH /api/glaciers/{id}/                  {"title", "owner_login", "review_by", "reviewed"}
POST  /api/glaciers/{id}/merge/            {"into": page id}
POST  /api/glaciers/{id}/split/            {"title", "document_ids": [...]}
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from kb.access import user_is_maintainer
from kb.errors import MAX_ID
from kb.glaciers import selectors
from kb.glaciers.diff import revision_diff
from kb.models import GlacierPage
from kb.services import glaciers as services


class TopicOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    origin = serializers.CharField()
    signature = serializers.CharField()
    title_locked = serializers.BooleanField()
    merged_into = serializers.IntegerField(source="merged_into_id", allow_null=True)
    retired_at = serializers.DateTimeField(allow_null=True)


class MetricsSerializer(serializers.Serializer):
    compression_ratio = serializers.FloatField()
    coverage = serializers.FloatField()
    source_count = serializers.IntegerField()
    newest_source_at = serializers.DateTimeField(allow_null=True)
    oldest_source_at = serializers.DateTimeField(allow_null=True)


class GlacierPageListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.CharField(source="project.slug")
    title = serializers.CharField()
    topic = TopicOutputSerializer()
    owner_login = serializers.CharField()
    review_by = serializers.DateField(allow_null=True)
    last_reviewed_at = serializers.DateTimeField(allow_null=True)
    is_stale = serializers.BooleanField()
    stale_reasons = serializers.SerializerMethodField()
    metrics = serializers.SerializerMethodField()
    revision_count = serializers.IntegerField()
    compacted_at = serializers.DateTimeField(allow_null=True)

    def get_stale_reasons(self, page) -> list[str]:
        return page.stale_reasons()

    @extend_schema(responses=MetricsSerializer)
    def get_metrics(self, page) -> dict:
        return MetricsSerializer(page).data


class GlacierPageDetailSerializer(GlacierPageListSerializer):
    content = serializers.JSONField()
    restricted_notes = serializers.SerializerMethodField()

    def get_restricted_notes(self, page) -> list[dict]:
        return selectors.glacier_restricted_notes(user=self.context["request"].user, page=page)


class DiffLineSerializer(serializers.Serializer):
    op = serializers.CharField()
    text = serializers.CharField()


class RevisionOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    created_at = serializers.DateTimeField()
    content_hash = serializers.CharField()
    metrics = serializers.JSONField()
    text = serializers.CharField()
    diff = DiffLineSerializer(many=True)


class PageUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=300, allow_blank=False)
    owner_login = serializers.CharField(required=False, max_length=200, allow_blank=True)
    review_by = serializers.DateField(required=False)
    reviewed = serializers.BooleanField(required=False, default=False)


class MergeInputSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class SplitInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    document_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), allow_empty=False, max_length=10_000
    )


@extend_schema(parameters=[OpenApiParameter("project", str, description="Project slug")])
class GlacierPageViewSet(viewsets.GenericViewSet):
    """Knowledge-glacier pages of the projects the caller may see."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = GlacierPageListSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.glacier_page_list(
            user=self.request.user, project=self.request.query_params.get("project")
        )

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(GlacierPageListSerializer(page, many=True).data)

    @extend_schema(responses=GlacierPageDetailSerializer)
    def retrieve(self, request, pk=None):
        return Response(self._detail(self._page(pk)))

    @extend_schema(responses=RevisionOutputSerializer(many=True))  # paginated like the list
    @action(detail=True, methods=["get"])
    def revisions(self, request, pk=None):
        page = self._page(pk)
        revisions = list(selectors.glacier_revision_list(page=page).defer("content", "restricted"))
        by_number = {revision.number: revision for revision in revisions}
        out = []
        for revision in self.paginate_queryset(revisions):
            previous = by_number.get(revision.number - 1)
            diff = revision_diff(previous.text if previous else "", revision.text)
            out.append(
                {
                    "number": revision.number,
                    "title": revision.title,
                    "created_at": revision.created_at,
                    "content_hash": revision.content_hash,
                    "metrics": revision.metrics,
                    "text": revision.text,
                    "diff": [{"op": line.op, "text": line.text} for line in diff],
                }
            )
        return self.get_paginated_response(RevisionOutputSerializer(out, many=True).data)

    @extend_schema(request=PageUpdateInputSerializer, responses=GlacierPageDetailSerializer)
    def partial_update(self, request, pk=None):
        page = self._editable_page(pk)
        data = self._validated(PageUpdateInputSerializer, request.data)
        if "title" in data:
            services.topic_rename(page=page, title=data["title"], user=request.user)
        if {"owner_login", "review_by"} & set(data) or data.get("reviewed"):
            services.glacier_page_update(
                page=page,
                user=request.user,
                owner_login=data.get("owner_login"),
                review_by=data.get("review_by"),
                reviewed=data.get("reviewed", False),
            )
        return Response(self._detail(self._page(pk)))

    @extend_schema(request=MergeInputSerializer, responses=GlacierPageDetailSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        page = self._editable_page(pk)
        data = self._validated(MergeInputSerializer, request.data)
        into = selectors.glacier_page_get(user=request.user, pk=data["into"])
        if into is None:
            raise ValidationError({"into": ["No such page."]})
        services.topic_merge(page=page, into=into, user=request.user)
        return Response(self._detail(self._page(into.pk)))

    @extend_schema(request=SplitInputSerializer, responses=TopicOutputSerializer)
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        page = self._editable_page(pk)
        data = self._validated(SplitInputSerializer, request.data)
        topic = services.topic_split(
            page=page, title=data["title"], document_ids=data["document_ids"], user=request.user
        )
        new_page = GlacierPage.objects.filter(topic=topic).first()
        body = {"topic": TopicOutputSerializer(topic).data, "page": new_page.pk if new_page else None}
        return Response(body, status=status.HTTP_201_CREATED)

    def _page(self, pk) -> GlacierPage:
        try:
            page = selectors.glacier_page_get(user=self.request.user, pk=int(pk))
        except (TypeError, ValueError):
            page = None
        if page is None:
            raise Http404
        return page

    def _editable_page(self, pk) -> GlacierPage:
        page = self._page(pk)
        if not user_is_maintainer(self.request.user, page.project):
            raise PermissionDenied("Only maintainers of this project may edit its glacier pages.")
        return page

    def _detail(self, page: GlacierPage) -> dict:
        return GlacierPageDetailSerializer(page, context={"request": self.request}).data

    @staticmethod
    def _validated(serializer_class, data) -> dict:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
