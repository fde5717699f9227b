"""POST /hooks/github/ — GitHub webhook receiver (CSRF-exempt: authenticated by HMAC signature)."""

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kb.services.github_webhooks import github_webhook_receive, webhook_project_verified


@csrf_exempt
@require_POST
def github_webhook(request):
    body = request.body
    payload = _payload(request, body)
    project = webhook_project_verified(
        payload=payload, body=body, signature=request.headers.get("X-Hub-Signature-256", "")
    )
    if project is None:
        return JsonResponse({"detail": "Signature verification failed."}, status=403)
    event = request.headers.get("X-GitHub-Event", "")
    delivery_id = request.headers.get("X-GitHub-Delivery", "")
    if not event or not delivery_id:
        return JsonResponse(
            {"detail": "X-GitHub-Event and X-GitHub-Delivery headers are required."}, status=400
        )
    outcome = github_webhook_receive(project=project, event=event, delivery_id=delivery_id, payload=payload)
    return JsonResponse({"status": outcome}, status=202 if outcome == "sync queued" else 200)


def _payload(request, body: bytes) -> dict | None:
    """GitHub sends JSON, or a form with a `payload` field, depending on the hook's content type."""
    raw = request.POST.get("payload") if request.content_type == "application/x-www-form-urlencoded" else body
    try:
        data = json.loads(raw or b"")
    except (TypeError, ValueError):
        return None
    return data if isinstance(data, dict) else None
