"""/api/handoff-notes/ — read, write and delete handoff notes (token auth for writes)."""

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from kb.models import Document
from kb.selectors import handoff_note_list, project_list
from kb.services.handoff_notes import NoteInput, handoff_note_delete, handoff_note_save


class HandoffNoteOutputSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = serializers.SerializerMethodField()
    area = serializers.SerializerMethodField()
    successor = serializers.SerializerMethodField()
    date = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "project", "title", "body", "html", "area", "successor", "date", "is_private", "author",
                  "created_at", "updated_at"]  # fmt: skip

    def get_author(self, obj) -> str | None:
        return obj.created_by.username if obj.created_by else None

    def get_area(self, obj) -> str:
        return obj.metadata.get("area", "")

    def get_successor(self, obj) -> str:
        return obj.metadata.get("successor", "")

    def get_date(self, obj) -> str | None:
        return obj.metadata.get("date")


class HandoffNoteInputSerializer(serializers.Serializer):
    project = serializers.SlugField()
    body = serializers.CharField(allow_blank=False, trim_whitespace=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    area = serializers.CharField(required=False, allow_blank=True, max_length=200)
    successor = serializers.CharField(required=False, allow_blank=True, max_length=150)
    date = serializers.DateField(required=False, allow_null=True)
    is_private = serializers.BooleanField(required=False, allow_null=True, default=None)


@extend_schema_view(
    create=extend_schema(request=HandoffNoteInputSerializer, responses={201: HandoffNoteOutputSerializer}),
    update=extend_schema(request=HandoffNoteInputSerializer, responses={200: HandoffNoteOutputSerializer}),
    partial_update=extend_schema(
        request=HandoffNoteInputSerializer, responses={200: HandoffNoteOutputSerializer}
    ),
)
class HandoffNoteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = HandoffNoteOutputSerializer
    filterset_fields: list[str] = []

    def get_queryset(self):
        return handoff_note_list(user=self.request.user, project=self.request.query_params.get("project"))

    def create(self, request, *args, **kwargs):
        document = self._save(request, existing=None)
        return Response(HandoffNoteOutputSerializer(document).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        existing = self.get_object()
        document = self._save(request, existing=existing, partial=kwargs.get("partial", False))
        return Response(HandoffNoteOutputSerializer(document).data)

    def perform_destroy(self, instance):
        handoff_note_delete(document=instance, user=self.request.user)

    def _save(self, request, *, existing: Document | None, partial: bool = False) -> Document:
        if not isinstance(request.data, Mapping):  # a JSON list, string or number
            raise ValidationError({"non_field_errors": ["Send a JSON object with the note's fields."]})
        data = request.data.copy()
        if existing is not None:
            data.setdefault("project", existing.project.slug)
            if partial:  # PATCH: what is not sent stays as it is
                for name, value in {
                    "body": existing.body,
                    "title": existing.title,
                    "area": existing.metadata.get("area", ""),
                    "successor": existing.metadata.get("successor", ""),
                    "date": existing.metadata.get("date"),
                    "is_private": existing.is_private,
                }.items():
                    if name not in data:
                        data[name] = value
        payload = HandoffNoteInputSerializer(data=data)
        payload.is_valid(raise_exception=True)
        values = payload.validated_data
        project = project_list(user=request.user).filter(slug=values["project"]).first()
        if project is None:
            raise ValidationError({"project": [f"No project '{values['project']}' that you can see."]})
        if existing is not None and existing.project_id != project.pk:
            raise ValidationError({"project": ["A note cannot move to another project."]})
        document, _ = handoff_note_save(
            project=project,
            author=request.user,
            key=existing.key if existing else None,
            note=NoteInput(
                text=values["body"],
                title=values.get("title"),
                area=values.get("area"),
                successor=values.get("successor"),
                date=values.get("date"),
                is_private=values.get("is_private"),
            ),
        )
        return document
