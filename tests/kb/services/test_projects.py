import pytest
from django.contrib.auth.models import AnonymousUser

from kb.models import Project
from kb.services.documents import DocumentInput, documents_upsert
from kb.services.projects import project_update
from kb.services.search import search_run
from tests.kb.factories import ProjectFactory, UserFactory
from tests.search_backends import each_search_backend  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)  # indexing happens on commit


def _indexed_project(slug="turning"):
    project = ProjectFactory(slug=slug)
    documents_upsert(
        project=project,
        source="local",
        items=[
            DocumentInput(
                kind="doc", key="plan.md", path="plan.md", title="Roadmap", body="The wombatfjord plan."
            )
        ],
    )
    return project


@pytest.mark.usefixtures("each_search_backend")
def test_a_project_made_private_leaves_anonymous_search_at_once():
    project = _indexed_project()
    assert search_run(user=AnonymousUser(), query="wombatfjord").count == 1
    member = UserFactory()
    project.memberships.create(user=member)

    project_update(project=project, visibility=Project.Visibility.PRIVATE)

    for reader in (AnonymousUser(), UserFactory()):
        results = search_run(user=reader, query="wombatfjord")
        assert (results.count, results.hits, results.facets["project"]) == (0, [], {})
        assert search_run(user=reader, query="roadmap").count == 0
    # Re-indexed with the new tokens (Celery is eager in tests): members still find it.
    assert search_run(user=member, query="wombatfjord").count == 1

    project_update(project=project, visibility=Project.Visibility.PUBLIC)
    assert search_run(user=AnonymousUser(), query="wombatfjord").count == 1


@pytest.mark.usefixtures("each_search_backend")
def test_an_unchanged_or_rolled_back_update_keeps_the_index():
    project = _indexed_project()
    project_update(project=project, name="New name", visibility=Project.Visibility.PUBLIC)
    assert search_run(user=AnonymousUser(), query="wombatfjord").count == 1
    project.refresh_from_db()
    assert project.name == "New name"


def test_project_update_refuses_unknown_fields():
    project = ProjectFactory()
    with pytest.raises(TypeError):
        project_update(project=project, pk=5)


def test_the_admin_change_form_goes_through_the_service(client, settings):
    project = _indexed_project(slug="admin-turned")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post(
        f"/admin/kb/project/{project.pk}/change/",
        {
            "name": project.name, "slug": project.slug, "description": "", "repository": "",
            "github_repo": "", "visibility": "private", "webhook_secret": "",
            "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    project.refresh_from_db()
    assert project.visibility == Project.Visibility.PRIVATE
    assert search_run(user=AnonymousUser(), query="wombatfjord").count == 0
