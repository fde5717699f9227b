"""Document pages follow the document's links inside the portal: every in-portal link answers 200."""

from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import reverse

from kb.models import Document, DocumentLink, Project, RepositoryFile
from kb.services.sync import sync_target
from tests.kb.factories import DocumentFactory, MembershipFactory, UserFactory
from tests.kb.links_repo import PNG, links_repo

pytestmark = pytest.mark.django_db(transaction=True)


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.broken: list[dict] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.urls.append(values["href"])
        if tag == "img" and values.get("src"):
            self.urls.append(values["src"])
        if "broken-link" in (values.get("class") or "") or "broken-image" in (values.get("class") or ""):
            self.broken.append(values)


def collect(response) -> _Collect:
    parser = _Collect()
    parser.feed(response.content.decode())
    return parser


def page(client, path):
    return client.get(reverse("kb:document", args=[Document.objects.get(path=path).pk]))


@pytest.fixture
def widgets(tmp_path):
    links_repo(tmp_path / "widgets")
    sync_target(str(tmp_path / "widgets"))
    return Project.objects.get(slug="widgets")


@pytest.mark.parametrize("path", ["README.md", "docs/guide.md", "docs/README.md", "docs/design/README.md"])
def test_every_in_portal_link_of_a_document_page_answers_200(client, widgets, path):
    response = page(client, path)
    assert response.status_code == 200
    internal = [
        url for url in collect(response).urls if not urlsplit(url).scheme and not url.startswith("//")
    ]
    assert internal
    for url in internal:
        target, _ = urldefrag(url)
        if target:  # "#anchor" stays on this page
            assert client.get(target).status_code == 200, url


def test_links_open_the_target_document_at_its_anchor_and_images_are_served(client, widgets):
    html = page(client, "README.md").content.decode()
    guide = Document.objects.get(path="docs/guide.md")
    assert f'href="/documents/{guide.pk}/#getting-started"' in html
    docs = Document.objects.get(path="docs/README.md")
    assert f'href="/documents/{docs.pk}/"' in html  # the folder link opens its README
    logo = RepositoryFile.objects.get(path="images/logo.png")
    assert f'src="/files/{logo.pk}/"' in html
    response = client.get(f"/files/{logo.pk}/")
    assert (response.content, response["Content-Type"], response["X-Content-Type-Options"]) == (
        PNG, "image/png", "nosniff",
    )  # fmt: skip
    # The upstream file, from the git remote and the synced commit.
    head = widgets.sync_runs.latest().cursor["head"]
    assert f'href="https://github.com/example/widgets/blob/{head}/README.md"' in html


def test_broken_links_are_shown_as_broken_never_as_a_portal_404(client, widgets):
    found = collect(page(client, "docs/guide.md"))
    titles = sorted(item["title"] for item in found.broken)
    assert titles == [
        "Broken anchor: no heading or anchor #usage in docs/guide.md",
        "Broken link: case differs: the file is docs/Notes.md",
        "Broken link: docs/faq.md does not exist",
    ]
    assert [item.get("href") for item in found.broken if item["title"].startswith("Broken link")] == [
        None,
        None,
    ]


def test_an_svg_is_served_sandboxed(client, widgets):
    svg = RepositoryFile.objects.get(path="docs/diagram.svg")
    response = client.get(f"/files/{svg.pk}/")
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_files_of_a_private_project_are_for_its_readers_only(client, widgets):
    widgets.visibility = Project.Visibility.PRIVATE
    widgets.save(update_fields=["visibility"])
    logo = RepositoryFile.objects.get(path="images/logo.png")
    assert client.get(f"/files/{logo.pk}/").status_code == 404
    member = UserFactory()
    MembershipFactory(project=widgets, user=member)
    client.force_login(member)
    assert client.get(f"/files/{logo.pk}/").status_code == 200


def test_linked_from_lists_the_backlinks_a_reader_may_see(client, widgets):
    guide = Document.objects.get(path="docs/guide.md")
    secret = DocumentFactory(
        project=widgets, kind=Document.Kind.HANDOFF_NOTE, key="note/secret", path="", title="Secret note",
        is_private=True,
    )  # fmt: skip
    DocumentLink.objects.create(
        project=widgets,
        source=secret,
        target=guide,
        status="resolved",
        href="x",
        target_path=guide.path,
        line=1,
    )
    html = page(client, "docs/guide.md").content.decode()
    linked_from = html.split("Linked from", 1)[1].split("</ul>", 1)[0]
    assert "Widgets" in linked_from and "Design" in linked_from
    assert "Secret note" not in linked_from
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert "Secret note" in page(client, "docs/guide.md").content.decode()
