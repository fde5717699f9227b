"""Liveness of the parts Glacier depends on, for /healthz. Every probe is bounded by a short timeout."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection

from kb.models import Document
from kb.search import get_search_backend

PROBE_TIMEOUT_SECONDS = 2


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the message says why
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    url = settings.CELERY_BROKER_URL
    if not url:
        return {"ok": True, "mode": "eager"}
    scheme = urlsplit(url).scheme
    try:
        if scheme in {"redis", "rediss"}:
            import redis

            client = redis.Redis.from_url(
                url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS
            )
            try:
                client.ping()
            finally:
                client.close()
        else:
            from kombu import Connection

            with Connection(url, connect_timeout=PROBE_TIMEOUT_SECONDS) as conn:
                conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_SECONDS)
    except Exception as exc:  # unreachable broker, refused auth, DNS: all "down"
        return {"ok": False, "mode": scheme, "error": str(exc)}
    return {"ok": True, "mode": scheme}


def check_index() -> dict:
    """Unhealthy when the index cannot be opened or read, or is empty (or gone) while documents exist."""
    try:
        status = dict(get_search_backend().status())
    except Exception as exc:  # a corrupt or missing index must show here, not crash the probe
        return {"ok": False, "error": str(exc)}
    status["ok"] = bool(status.get("ok"))
    if status["ok"] and not status.get("documents"):
        stored = Document.objects.count()
        if stored:
            status["ok"] = False
            status["error"] = (
                f"the search index is {'empty' if status.get('exists', True) else 'missing'} while the "
                f"database holds {stored} documents; run `manage.py kb reindex`"
            )
    return status


def health_report() -> tuple[bool, dict]:
    checks = {"database": check_database(), "broker": check_broker(), "index": check_index()}
    healthy = all(check["ok"] for check in checks.values())
    return healthy, {"status": "ok" if healthy else "down", "checks": checks}
