"""GitHub webhooks: verify, record each delivery once, and react.

A delivery is trusted only when its X-Hub-Signature-256 is the HMAC-SHA256 of
the raw body under the webhook secret of a project tracking that repository
(compared in constant time). Anything else changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kb.models import Document, Project, WebhookDelivery
from kb.services.documents import documents_delete

# Events after which an incremental sync picks up the change (issues, comments, docs on push).
SYNC_EVENTS = {"issues", "issue_comment", "pull_request", "push"}


def signature_is_valid(*, secret: str, body: bytes, signature: str) -> bool:
    if not secret or not signature.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode())


def webhook_project_verified(*, payload: dict | None, body: bytes, signature: str) -> Project | None:
    """The project whose secret signed this body, among those tracking the payload's repository."""
    repository = (payload or {}).get("repository") or {}
    full_name = repository.get("full_name") if isinstance(repository, dict) else None
    if not isinstance(full_name, str) or not full_name:
        return None
    for project in Project.objects.filter(github_repo__iexact=full_name).exclude(webhook_secret=""):
        if signature_is_valid(secret=project.webhook_secret, body=body, signature=signature):
            return project
    return None


@transaction.atomic
def github_webhook_receive(
    *, project: Project, event: str, delivery_id: str, payload: dict, body: bytes = b""
) -> str:
    """Handle one verified delivery. Returns "duplicate", "replay", "pong", "sync queued" or "ignored".

    A redelivery keeps its delivery id ("duplicate"). The same signed body under a new id within
    GLACIER_WEBHOOK_REPLAY_WINDOW_SECONDS is someone replaying a captured request ("replay"):
    recorded, but it triggers nothing.
    """
    # One delivery of a project at a time, so two copies of one body cannot both pass the check.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    action = payload.get("action")
    action = action[:50] if isinstance(action, str) else ""
    body_sha256 = hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                delivery_id=delivery_id,
                event=event[:50],
                action=action,
                project=project,
                body_sha256=body_sha256,
            )
    except IntegrityError:
        return "duplicate"
    since = timezone.now() - timedelta(seconds=settings.GLACIER_WEBHOOK_REPLAY_WINDOW_SECONDS)
    if (
        WebhookDelivery.objects.filter(project=project, body_sha256=body_sha256, received_at__gte=since)
        .exclude(pk=delivery.pk)
        .exists()
    ):
        return "replay"
    if event == "ping":
        return "pong"
    if event not in SYNC_EVENTS:
        return "ignored"
    # An incremental sync cannot see deletions; the event names exactly what went.
    if action == "deleted":
        _delete_named_item(project=project, event=event, payload=payload)
    delivery.enqueued_sync = True
    delivery.save(update_fields=["enqueued_sync"])
    from kb.tasks import sync_github_project  # the task module imports services; import at use

    project_id = project.pk
    transaction.on_commit(lambda: sync_github_project.delay(project_id))
    return "sync queued"


def _delete_named_item(*, project: Project, event: str, payload: dict) -> None:
    # Signed but odd payloads (a list where an object belongs, a string id) delete nothing.
    field, name, prefix = {
        "issue_comment": ("comment", "id", "comment"),
        "issues": ("issue", "number", "issue"),
    }.get(event, (None, None, None))
    item = payload.get(field) if field else None
    number = item.get(name) if isinstance(item, dict) else None
    if not isinstance(number, int) or isinstance(number, bool):
        return
    key = f"{prefix}/{number}"
    ids = list(
        Document.objects.filter(project=project, source=Document.Source.GITHUB, key=key).values_list(
            "pk", flat=True
        )
    )
    documents_delete(document_ids=ids)
