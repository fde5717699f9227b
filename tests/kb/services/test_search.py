import pytest
from django.contrib.auth.models import AnonymousUser, User

from kb.models import Project, ProjectMembership, SearchQuery
from kb.services.documents import DocumentInput, documents_upsert
from kb.services.search import SearchInputError, search_run

pytestmark = pytest.mark.django_db(transaction=True)  # indexing happens on commit


def add(project, key, title, body, **kw):
    documents_upsert(
        project=project,
        source="local",
        items=[DocumentInput(kind="doc", key=key, title=title, body=body, path=key, **kw)],
    )


@pytest.fixture
def projects():
    public = Project.objects.create(slug="open", name="Open")
    private = Project.objects.create(slug="secret", name="Secret", visibility=Project.Visibility.PRIVATE)
    add(public, "release.md", "Release process", "How we cut a release.")
    add(public, "notes.md", "Meeting notes", "The release slipped a week; reviewers were busy.")
    add(private, "plans.md", "Private release plans", "The release roadmap nobody outside may read.")
    return public, private


def test_title_match_ranks_above_body_only_match(projects):
    results = search_run(user=AnonymousUser(), query="release")
    assert [hit.path for hit in results.hits] == ["release.md", "notes.md"]


def test_private_projects_are_invisible_to_anonymous_and_outsiders(projects):
    _, private = projects
    assert search_run(user=AnonymousUser(), query="roadmap").count == 0
    outsider = User.objects.create_user("outsider")
    assert search_run(user=outsider, query="roadmap").count == 0
    assert "secret" not in search_run(user=outsider, query="release").facets["project"]
    member = User.objects.create_user("member")
    ProjectMembership.objects.create(user=member, project=private)
    assert [hit.path for hit in search_run(user=member, query="roadmap").hits] == ["plans.md"]
    staff = User.objects.create_user("staff", is_staff=True)
    assert search_run(user=staff, query="release").count == 3


def test_misspelt_query_suggests_the_right_word(projects):
    results = search_run(user=None, query="releese proces")
    assert results.suggestion == "release process"
    assert results.hits[0].path == "release.md"


def test_every_search_is_recorded(projects):
    user = User.objects.create_user("reader")
    search_run(user=user, query="  release  ", project="open", kind="doc", via="api")
    search_run(user=None, query="no such words anywhere")
    recorded = list(SearchQuery.objects.order_by("pk"))
    assert [(q.query, q.result_count, q.via) for q in recorded] == [
        ("release", 2, "api"),
        ("no such words anywhere", 0, "web"),
    ]
    first = recorded[0]
    assert first.user == user and first.project.slug == "open" and first.kind == "doc"
    assert first.top_score > 0 and first.took_ms >= 0
    assert recorded[1].top_score is None and recorded[1].user is None


def test_blank_query_answers_empty_and_is_not_recorded(projects):
    for blank in ("", "   ", None):
        results = search_run(user=None, query=blank)
        assert results.count == 0 and results.hits == []
    assert SearchQuery.objects.count() == 0


def test_pages_are_clamped_and_garbage_is_a_clear_error(projects):
    assert search_run(user=None, query="release", page=0).page == 1
    assert search_run(user=None, query="release", page=-3).hits
    assert search_run(user=None, query="release", page=50).hits == []
    assert search_run(user=None, query="release", page_size=10_000).page_size == 100
    with pytest.raises(SearchInputError, match="page must be a whole number"):
        search_run(user=None, query="release", page="abc")


def test_project_and_kind_filters(projects):
    assert search_run(user=None, query="release", project="open", kind="owners").count == 0
    assert search_run(user=None, query="release", project=projects[0]).count == 2
