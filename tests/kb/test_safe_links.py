import pytest
from django.core.exceptions import ValidationError

from kb.models import Document
from kb.safe_links import is_safe_url, safe_url_or_blank, validate_safe_url
from kb.services.documents import DocumentInput, documents_upsert
from tests.kb.factories import DocumentFactory, ProjectFactory

SAFE = [
    "https://github.com/o/r/issues/1", "http://example.org", "HTTPS://EXAMPLE.ORG", "mailto:a@example.org",
    "/documents/3/", "docs/setup.md", "../up.md", "#anchor", "?q=x", "//cdn.example.org/x", "",
]  # fmt: skip
UNSAFE = [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "\x01javascript:alert(1)",
    "java\tscript:alert(1)", "java\nscript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "file:///etc/passwd", "\\\\evil.example/x", "/\\evil.example", "ftp://x.example",
]  # fmt: skip


@pytest.mark.parametrize("url", SAFE)
def test_safe_links_pass(url):
    assert is_safe_url(url)
    validate_safe_url(url)


@pytest.mark.parametrize("url", UNSAFE)
def test_unsafe_links_are_refused_and_dropped(url):
    assert not is_safe_url(url)
    assert safe_url_or_blank(url) == ""
    with pytest.raises(ValidationError):
        validate_safe_url(url)


@pytest.mark.django_db
def test_ingest_drops_an_unsafe_remote_url_but_keeps_the_item():
    project = ProjectFactory()
    documents_upsert(
        project=project, source="github", index=False,
        items=[DocumentInput(kind="issue", key="issue/1", title="Bug", body="b", url="javascript:alert(1)"),
               DocumentInput(kind="issue", key="issue/2", title="Bug", body="b", url="https://github.com/o/r/2")],
    )  # fmt: skip
    assert dict(Document.objects.values_list("key", "url")) == {
        "issue/1": "",
        "issue/2": "https://github.com/o/r/2",
    }


@pytest.mark.django_db
def test_a_stored_unsafe_url_is_not_rendered_as_a_link(client):
    document = DocumentFactory(project=ProjectFactory(), url="javascript:alert(document.cookie)")
    page = client.get(f"/documents/{document.pk}/")
    assert page.status_code == 200
    assert b"javascript:" not in page.content


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy
