"""POST /hooks/github/: signatures, replays, and the sync each event enqueues (run eagerly against the stub)."""

import hashlib
import hmac
import json

import pytest

from kb.models import Document, WebhookDelivery

from .conftest import seed

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-hook"
URL = "/hooks/github/"


@pytest.fixture
def hooked(project, github_stub):
    project.webhook_secret = SECRET
    project.save(update_fields=["webhook_secret"])
    seed(github_stub.add_repo("acme/widgets"), issues=3, comments_per_issue=1)
    return project


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(client, event, payload, *, delivery="d-1", signature=None, **headers):
    body = json.dumps(payload).encode()
    extra = {"HTTP_X_GITHUB_EVENT": event, "HTTP_X_GITHUB_DELIVERY": delivery}
    if signature is not False:
        extra["HTTP_X_HUB_SIGNATURE_256"] = signature or sign(body)
    return client.post(URL, data=body, content_type="application/json", **extra, **headers)


def payload(action="opened", **extra):
    return {"action": action, "repository": {"full_name": "acme/widgets"}, **extra}


def test_signed_issues_event_enqueues_an_incremental_sync(
    client, hooked, github_stub, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, "issues", payload(issue={"number": 1}))

    assert response.status_code == 202 and response.json() == {"status": "sync queued"}
    assert WebhookDelivery.objects.get().enqueued_sync
    # The queued task ran (eager Celery) and synced from the stand-in server.
    assert Document.objects.filter(project=hooked, kind__in=["issue", "pull_request"]).count() == 3
    assert Document.objects.filter(project=hooked, kind="comment").count() == 3


@pytest.mark.parametrize("event", ["issue_comment", "push"])
def test_comment_and_push_events_enqueue_a_sync_too(
    client, hooked, github_stub, django_capture_on_commit_callbacks, event
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = deliver(client, event, payload())
    assert response.status_code == 202
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "signature",
    [False, "sha256=" + "0" * 64, "sha1=abc", sign(b"other body"), "WRONG"],
    ids=["missing", "zeros", "sha1", "other-body", "garbage"],
)
def test_bad_or_missing_signature_is_403_and_changes_nothing(
    client, hooked, github_stub, django_capture_on_commit_callbacks, signature
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = deliver(client, "issues", payload(), signature=signature)
    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()
    assert not callbacks
    assert not github_stub.requests


def test_signature_with_another_projects_secret_is_rejected(client, hooked):
    body = json.dumps(payload()).encode()
    response = deliver(client, "issues", payload(), signature=sign(body, "not-the-secret"))
    assert response.status_code == 403


def test_unknown_repository_or_unsigned_project_is_403(client, hooked):
    other = payload()
    other["repository"]["full_name"] = "evil/repo"
    assert deliver(client, "issues", other).status_code == 403
    hooked.webhook_secret = ""
    hooked.save(update_fields=["webhook_secret"])
    body = json.dumps(payload()).encode()
    assert deliver(client, "issues", payload(), signature=sign(body, "")).status_code == 403


def test_a_replayed_delivery_is_processed_once(
    client, hooked, github_stub, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(client, "issues", payload(), delivery="same-id")
    requests_after_first = len(github_stub.requests)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = deliver(client, "issues", payload(), delivery="same-id")

    assert first.status_code == 202
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert WebhookDelivery.objects.count() == 1
    assert not callbacks and len(github_stub.requests) == requests_after_first


def test_ping_answers_200_without_syncing(client, hooked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = deliver(client, "ping", {"zen": "Keep it logically awesome.", **payload()}, delivery="p-1")
    assert response.status_code == 200 and response.json() == {"status": "pong"}
    assert not callbacks


def test_form_encoded_deliveries_are_verified_over_the_raw_body(
    client, hooked, django_capture_on_commit_callbacks
):
    from urllib.parse import urlencode

    body = urlencode({"payload": json.dumps(payload())}).encode()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            URL,
            data=body,
            content_type="application/x-www-form-urlencoded",
            HTTP_X_GITHUB_EVENT="issues",
            HTTP_X_GITHUB_DELIVERY="f-1",
            HTTP_X_HUB_SIGNATURE_256=sign(body),
        )
    assert response.status_code == 202


def test_deleted_comment_event_removes_the_comment(
    client, hooked, github_stub, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, "issues", payload(), delivery="d-1")
    comment = Document.objects.filter(project=hooked, kind="comment").first()
    comment_id = int(comment.key.split("/")[1])
    github_stub.repos["acme/widgets"].comments.pop(comment_id)

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            client, "issue_comment", payload("deleted", comment={"id": comment_id}), delivery="d-2"
        )

    assert response.status_code == 202
    assert not Document.objects.filter(pk=comment.pk).exists()


def test_get_is_not_allowed(client, hooked):
    assert client.get(URL).status_code == 405


def post_raw(client, body: bytes, *, event="issues", delivery="raw-1", signature=None):
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT=event,
        HTTP_X_GITHUB_DELIVERY=delivery,
        HTTP_X_HUB_SIGNATURE_256=signature or sign(body),
    )


@pytest.mark.parametrize(
    "body, message",
    [
        (b'{"repository": {"full_name": "acme/widgets"', "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"action": "opened"}', "names no repository"),
        (b'{"repository": "acme/widgets"}', "names no repository"),
        (b'{"repository": {"full_name": 7}}', "names no repository"),
    ],
    ids=["truncated", "list", "no-repository", "repository-string", "full-name-number"],
)
def test_signed_but_malformed_bodies_are_400_not_a_signature_error(client, hooked, body, message):
    response = post_raw(client, body)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"action": "deleted", "comment": ["not", "an", "object"]},
        {"action": "deleted", "issue": {"number": "1; drop"}},
        {"action": 42, "issue": None},
    ],
    ids=["comment-list", "number-string", "action-number"],
)
def test_odd_but_signed_payloads_are_handled_without_a_500(
    client, hooked, django_capture_on_commit_callbacks, extra
):
    event = "issue_comment" if "comment" in extra else "issues"
    with django_capture_on_commit_callbacks(execute=False):
        response = deliver(client, event, payload(**extra))
    assert response.status_code == 202
    assert WebhookDelivery.objects.get().action in {"deleted", ""}


@pytest.mark.parametrize("header", ["HTTP_X_GITHUB_DELIVERY", "HTTP_X_GITHUB_EVENT"])
def test_overlong_or_nul_headers_are_400(client, hooked, header):
    body = json.dumps(payload()).encode()
    for bad in ("x" * 500, "a\x00b"):
        extra = {"HTTP_X_GITHUB_EVENT": "issues", "HTTP_X_GITHUB_DELIVERY": "h-1", header: bad}
        response = client.post(
            URL, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(body), **extra
        )
        assert response.status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_the_same_body_under_a_new_delivery_id_is_a_replay_and_syncs_nothing(
    client, hooked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as first_callbacks:
        first = deliver(client, "issues", payload(issue={"number": 1}), delivery="original")
    with django_capture_on_commit_callbacks(execute=False) as replay_callbacks:
        replay = deliver(client, "issues", payload(issue={"number": 1}), delivery="forged-new-id")
    with django_capture_on_commit_callbacks(execute=False) as other_callbacks:
        other = deliver(client, "issues", payload(issue={"number": 2}), delivery="next")

    assert first.status_code == 202 and len(first_callbacks) == 1
    assert replay.status_code == 200 and replay.json() == {"status": "replay"}
    assert not replay_callbacks
    assert not WebhookDelivery.objects.get(delivery_id="forged-new-id").enqueued_sync
    assert other.status_code == 202 and len(other_callbacks) == 1  # a different body still syncs


def test_bodies_up_to_githubs_25_mb_are_accepted_and_larger_ones_are_413(
    client, hooked, settings, django_capture_on_commit_callbacks
):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < 3 * 1024 * 1024  # the site-wide limit stays as it is
    big = payload(issue={"number": 1, "body": "x" * (3 * 1024 * 1024)})
    with django_capture_on_commit_callbacks(execute=False):
        assert deliver(client, "issues", big).status_code == 202

    settings.GLACIER_WEBHOOK_MAX_BYTES = 1000
    response = deliver(client, "issues", payload(issue={"number": 1, "body": "y" * 2000}), delivery="d-2")
    assert response.status_code == 413
