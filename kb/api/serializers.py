"""Input and output shapes of the kb API. Validation only: no queries with business meaning."""

from allauth.account.utils import has_verified_email
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from kb.documents.decisions import STATUSES
from kb.models import Document, DocumentLink, Project, SyncRun
from kb.selectors import project_public_repository
from kb.services.repository_policy import RepositoryPolicyError, repository_validate
from kb.services.search import MAX_QUERY_LENGTH

SEARCH_KINDS = [*Document.Kind.values, "glacier"]


class ProjectOutputSerializer(serializers.ModelSerializer):
    """A project. Its repository as stored (a path on this server, perhaps) and the details of its
    syncs go only to the projects in context["internal_project_ids"] (None: every project, for
    staff); everyone else gets the repository's web address, if it has one."""

    document_count = serializers.IntegerField(read_only=True, allow_null=True)
    last_synced_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "slug", "name", "description", "repository", "github_repo", "visibility",
            "document_count", "last_synced_at", "created_at",
        ]  # fmt: skip

    def shows_internals(self, project: Project) -> bool:
        internal = self.context.get("internal_project_ids", set())
        return internal is None or project.pk in internal

    def to_representation(self, project):
        data = super().to_representation(project)
        if not self.shows_internals(project):
            data["repository"] = project_public_repository(project=project)
        return data


class SyncRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRun
        fields = [
            "id", "source", "target", "status", "started_at", "finished_at",
            "added", "updated", "unchanged", "deleted", "skipped", "skips", "errors",
        ]  # fmt: skip


class ProjectDetailSerializer(ProjectOutputSerializer):
    """A project with its visible document counts by kind and its latest sync run."""

    document_kinds = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    latest_sync = SyncRunSerializer(read_only=True, allow_null=True)

    def to_representation(self, project):
        data = super().to_representation(project)
        if data.get("latest_sync") and not self.shows_internals(project):
            # Where it synced from and which files it skipped or failed name server paths.
            for internal in ("target", "skips", "errors"):
                data["latest_sync"].pop(internal, None)
        return data

    class Meta(ProjectOutputSerializer.Meta):
        fields = [*ProjectOutputSerializer.Meta.fields, "document_kinds", "latest_sync"]


class ProjectCreateInputSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=100)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    repository = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "An https or ssh git URL (https://github.com/OWNER/NAME.git, git@github.com:OWNER/NAME.git) "
            "on an allowed host, or github:OWNER/NAME; a directory on the server only for staff."
        ),
    )
    github_repo = serializers.RegexField(
        r"^[\w.-]+/[\w.-]+$", max_length=200, required=False, allow_blank=True, default=""
    )
    visibility = serializers.ChoiceField(
        choices=Project.Visibility.choices, default=Project.Visibility.PUBLIC
    )

    def validate_repository(self, value: str) -> str:
        request = self.context.get("request")
        try:
            return repository_validate(value, user=getattr(request, "user", None))
        except RepositoryPolicyError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class SyncQueuedSerializer(serializers.Serializer):
    status = serializers.CharField()
    project = serializers.CharField()


# Links between documents (kb.services.document_links): the detail's `sections`, `links_out` and
# `links_in`. The view sets `readable_links_out` and `readable_links_in` from selectors that apply
# the reader's access.
class DocumentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "path", "title"]


class DocumentLinkOutSerializer(serializers.ModelSerializer):
    target = serializers.SerializerMethodField(help_text="The linked document, null when none or not visible")

    class Meta:
        model = DocumentLink
        fields = ["line", "kind", "href", "status", "reason", "target_path", "anchor", "target"]

    def get_target(self, link) -> dict | None:
        if link.target_id is None or not getattr(link, "target_visible", False):
            return None
        return DocumentRefSerializer(link.target).data


class DocumentLinkInSerializer(serializers.ModelSerializer):
    source = DocumentRefSerializer(read_only=True)

    class Meta:
        model = DocumentLink
        fields = ["source", "line", "kind", "href", "status", "anchor"]


class DocumentLinksMixin(serializers.Serializer):
    sections = serializers.JSONField(read_only=True)
    links_out = DocumentLinkOutSerializer(many=True, read_only=True, source="readable_links_out")
    links_in = DocumentLinkInSerializer(many=True, read_only=True, source="readable_links_in")

    LINK_FIELDS = ["sections", "links_out", "links_in"]


class DocumentFilterSerializer(serializers.Serializer):
    project = serializers.SlugField(required=False, help_text="Project slug")
    kind = serializers.ChoiceField(choices=Document.Kind.choices, required=False)
    genre = serializers.ChoiceField(choices=Document.Genre.choices, required=False)
    lifecycle = serializers.ChoiceField(choices=Document.Lifecycle.choices, required=False)
    language = serializers.CharField(max_length=16, required=False, help_text='Language code, e.g. "en"')


class DecisionSerializer(serializers.Serializer):
    """What a decision record decided: the project's own status word and its normalised form."""

    status = serializers.ChoiceField(choices=STATUSES)
    status_raw = serializers.CharField()
    date = serializers.CharField(allow_null=True)
    number = serializers.CharField(allow_null=True, required=False)
    authors = serializers.ListField(child=serializers.CharField())
    owners = serializers.ListField(child=serializers.CharField())
    approvers = serializers.ListField(child=serializers.CharField())
    supersedes = serializers.ListField(child=serializers.CharField())
    superseded_by = serializers.ListField(child=serializers.CharField())
    stage = serializers.CharField(allow_null=True, required=False)
    milestone = serializers.CharField(allow_null=True, required=False)
    why = serializers.DictField(child=serializers.CharField(), help_text="motivation, goals, alternatives...")
    source = serializers.CharField(help_text="kep.yaml, front matter, status line or status section")


class DocumentListSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    decision = DecisionSerializer(allow_null=True, read_only=True, help_text="null unless a decision record")

    class Meta:
        model = Document
        fields = [
            "id", "project", "kind", "source", "key", "path", "title", "url", "last_changed_at",
            "genre", "lifecycle", "language", "decision",
        ]  # fmt: skip


class DocumentDetailSerializer(DocumentLinksMixin, DocumentListSerializer):
    class Meta(DocumentListSerializer.Meta):
        fields = [
            *DocumentListSerializer.Meta.fields,
            "body", "html", "headings", "authors", "metadata", "is_private", "created_at", "updated_at",
        ]  # fmt: skip
        fields += DocumentLinksMixin.LINK_FIELDS


class SearchInputSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_QUERY_LENGTH, trim_whitespace=True)
    project = serializers.SlugField(required=False, help_text="Project slug")
    kind = serializers.ChoiceField(choices=SEARCH_KINDS, required=False)
    page = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=50, default=10)


class SearchHitSerializer(serializers.Serializer):
    title = serializers.CharField()
    path = serializers.CharField()
    url = serializers.CharField()
    kind = serializers.CharField()
    project = serializers.CharField()
    score = serializers.FloatField()
    highlights = serializers.CharField(help_text="HTML: escaped text with <mark> around matched terms")


class SearchOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = SearchHitSerializer(many=True, source="hits")
    facets = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text='{"project": {slug: count}, "kind": {kind: count}}',
    )
    suggestion = serializers.CharField(allow_null=True)


class VerifiedAuthTokenSerializer(AuthTokenSerializer):
    """DRF's username-and-password check, refusing accounts whose e-mail is not verified yet:
    the token endpoint must not be a way round the sign-up's mandatory verification."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not has_verified_email(attrs["user"]):
            raise serializers.ValidationError(
                "Verify your e-mail address first (follow the link Glacier sent you).", code="authorization"
            )
        return attrs
