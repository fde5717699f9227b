"""POST /hooks/github/ — GitHub webhook receiver (CSRF-exempt: authenticated by HMAC signature).

Answers: 400 for a body or headers that cannot be a GitHub delivery (malformed JSON, no
repository, missing headers), 403 when no tracking project's secret signed the body, 413 over
GLACIER_WEBHOOK_MAX_BYTES (GitHub sends up to 25 MB), else 200/202 with what was done.
"""

import json

from django.conf import settings
from django.http import JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kb.services.github_webhooks import github_webhook_receive, webhook_project_verified

HEADER_MAX_CHARS = {"X-GitHub-Event": 50, "X-GitHub-Delivery": 100}


class BadDelivery(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@csrf_exempt
@require_POST
def github_webhook(request):
    try:
        body = _body(request)
        headers = _headers(request)
        payload = _payload(request, body)
    except BadDelivery as exc:
        return JsonResponse({"detail": str(exc)}, status=exc.status)
    project = webhook_project_verified(
        payload=payload, body=body, signature=request.headers.get("X-Hub-Signature-256", "")
    )
    if project is None:
        return JsonResponse({"detail": "Signature verification failed."}, status=403)
    outcome = github_webhook_receive(
        project=project,
        event=headers["X-GitHub-Event"],
        delivery_id=headers["X-GitHub-Delivery"],
        payload=payload,
        body=body,
    )
    return JsonResponse({"status": outcome}, status=202 if outcome == "sync queued" else 200)


def _body(request) -> bytes:
    """The raw body, read from the stream: `request.body` would apply the site-wide
    DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), far below what GitHub sends."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadDelivery("Content-Length is not a number.") from None
    if length > settings.GLACIER_WEBHOOK_MAX_BYTES:
        raise BadDelivery(f"The body is over {settings.GLACIER_WEBHOOK_MAX_BYTES} bytes.", status=413)
    return request.read(length) if length > 0 else b""


def _headers(request) -> dict[str, str]:
    values = {}
    for name, limit in HEADER_MAX_CHARS.items():
        value = request.headers.get(name, "")
        if not value:
            raise BadDelivery("X-GitHub-Event and X-GitHub-Delivery headers are required.")
        if len(value) > limit or not value.isprintable():
            raise BadDelivery(f"{name} must be at most {limit} printable characters.")
        values[name] = value
    return values


def _payload(request, body: bytes) -> dict:
    """GitHub sends JSON, or a form with a `payload` field, depending on the hook's content type."""
    raw = body
    if request.content_type == "application/x-www-form-urlencoded":
        raw = QueryDict(body, encoding=request.encoding or "utf-8").get("payload", "")
    try:
        data = json.loads(raw or b"")
    except (TypeError, ValueError):
        raise BadDelivery("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadDelivery("The payload must be a JSON object.")
    repository = data.get("repository")
    if not isinstance(repository, dict) or not isinstance(repository.get("full_name"), str):
        raise BadDelivery("The payload names no repository (repository.full_name).")
    return data
