"""Where project content may come from, through the API: creating a project and asking for a sync."""

import pytest

from kb.models import Document, Project, SyncRun
from kb.services import repository_policy
from tests.kb.api.conftest import token_client
from tests.kb.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """No network: github.com resolves to a public address, localhost to loopback, nothing else."""
    table = {"github.com": ["140.82.112.3"], "localhost": ["127.0.0.1"]}

    def resolve(host, port):
        if host not in table:
            raise OSError(host)
        return table[host]

    monkeypatch.setattr(repository_policy, "resolve_host", resolve)
    return table


@pytest.fixture
def staff_client(catalogue):
    return token_client(UserFactory(username="staff", is_staff=True))


def create(client, repository, slug="comet"):
    return client.post(
        "/api/projects/", {"slug": slug, "name": "Comet", "repository": repository}, format="json"
    )


REFUSED = [
    "file:///etc",
    "file://localhost/srv/skunkworks",
    "http://127.0.0.1:6379/x.git",
    "http://10.0.0.1/",
    "https://[::1]/x.git",
    "https://10.0.0.1/x.git",
    "https://localhost/x.git",
    "-oProxyCommand=touch /tmp/pwned",
    "ssh://-oProxyCommand=touch/x",
    "https://user:pw@github.com/acme/comet.git",
    "https://gitlab.com/acme/comet.git",
    "https://github.com/acme/../../x",
]
ALLOWED = [
    "https://github.com/acme/comet.git",
    "ssh://git@github.com/acme/comet.git",
    "git@github.com:acme/comet.git",
    "github:acme/comet",
    "",
]


@pytest.mark.parametrize("repository", REFUSED)
def test_refused_repositories_are_400_on_repository_for_maintainers_and_staff(
    catalogue, staff_client, repository
):
    for client in (token_client(catalogue["maintainer"]), staff_client):
        response = create(client, repository)
        assert response.status_code == 400, response.json()
        assert set(response.json()) == {"repository"}
        assert not Project.objects.filter(slug="comet").exists()


@pytest.mark.parametrize("repository", ALLOWED)
def test_maintainers_may_name_remote_repositories_on_allowed_hosts(catalogue, repository):
    response = create(token_client(catalogue["maintainer"]), repository)
    assert response.status_code == 201, response.json()
    project = Project.objects.get(slug="comet")
    assert (project.repository, project.repository_approved) == (repository, "")


def test_only_staff_may_name_a_server_directory(catalogue, staff_client, tmp_path):
    maintainer = token_client(catalogue["maintainer"])
    refused = create(maintainer, str(tmp_path))
    assert refused.status_code == 400 and "Only staff" in refused.json()["repository"][0]
    assert create(maintainer, "/usr/share/doc/git").status_code == 400
    response = create(staff_client, str(tmp_path))
    assert response.status_code == 201, response.json()
    project = Project.objects.get(slug="comet")
    assert project.repository == project.repository_approved == str(tmp_path)


def test_allowed_roots_open_directories_under_them_to_maintainers(catalogue, settings, tmp_path):
    (tmp_path / "roots" / "comet").mkdir(parents=True)
    settings.GLACIER_LOCAL_REPOSITORY_ROOTS = [str(tmp_path / "roots")]
    maintainer = token_client(catalogue["maintainer"])
    assert create(maintainer, str(tmp_path)).status_code == 400
    assert create(maintainer, str(tmp_path / "roots" / "comet")).status_code == 201
    # Not approved, but under a root: the sync may read it.
    assert Project.objects.get(slug="comet").repository_approved == ""


def test_sync_of_a_project_without_a_repository_is_400_and_starts_nothing(
    catalogue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = token_client(catalogue["maintainer"]).post("/api/projects/skunkworks/sync/")
    assert response.status_code == 400
    assert "no repository" in response.json()["repository"][0]
    assert callbacks == [] and not SyncRun.objects.exists()


def test_sync_of_a_missing_directory_is_400(catalogue, tmp_path, django_capture_on_commit_callbacks):
    gone = str(tmp_path / "gone")
    Project.objects.filter(slug="skunkworks").update(repository=gone, repository_approved=gone)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = token_client(catalogue["maintainer"]).post("/api/projects/skunkworks/sync/")
    assert response.status_code == 400 and "does not exist" in response.json()["repository"][0]
    assert callbacks == [] and not SyncRun.objects.exists()


@pytest.mark.parametrize(
    "repository", ["/etc", "file:///etc", "http://127.0.0.1:6379/x.git", "https://10.0.0.1/x"]
)
def test_sync_of_a_forbidden_row_saved_through_the_orm_is_400(
    catalogue, repository, django_capture_on_commit_callbacks
):
    # As a row written before the policy existed: nobody approved it.
    Project.objects.filter(slug="skunkworks").update(repository=repository, repository_approved="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = token_client(catalogue["maintainer"]).post("/api/projects/skunkworks/sync/")
    assert response.status_code == 400, response.json()
    assert set(response.json()) == {"repository"}
    assert callbacks == [] and not SyncRun.objects.exists()


def test_a_staff_approved_directory_syncs_through_the_api(
    catalogue, staff_client, tmp_path, django_capture_on_commit_callbacks
):
    (tmp_path / "comet").mkdir()
    (tmp_path / "comet" / "README.md").write_text("# Comet\n\nLaunch checklist.\n")
    assert create(staff_client, str(tmp_path / "comet")).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/api/projects/comet/sync/")
    assert response.status_code == 202
    run = SyncRun.objects.get(project__slug="comet")
    assert run.status == SyncRun.Status.SUCCEEDED and run.added == 1
    assert Document.objects.filter(project__slug="comet", key="README.md").exists()
