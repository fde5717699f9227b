"""Which Celery queue each task runs on: one table, read by settings, the router and the tests.

Separate queues let each kind of work get its own workers and machines: a long sync never
holds up an e-mail, and every write to a Whoosh index is made by the one process that
consumes `index` (Whoosh allows one writer per index, and its directory lives on one machine).
A task missing from the table runs on `default`.

`GLACIER_QUEUE_PREFIX` (settings) is put in front of every queue name, so that two
deployments, or two test runs, can share one broker without taking each other's tasks.
"""

from __future__ import annotations

DEFAULT = "default"
INGEST = "ingest"  # syncs of checkouts, git URLs and GitHub
INDEX = "index"  # search index writes; ONE consumer with the Whoosh backend
COMPACT = "compact"  # knowledge-glacier compaction
EMAIL = "email"  # outgoing mail (weekly reports)

QUEUES = (DEFAULT, INGEST, INDEX, COMPACT, EMAIL)

TASK_QUEUES = {
    "kb.tasks.sync_project": INGEST,
    "kb.tasks.sync_github_project": INGEST,
    "kb.tasks.search_documents_index": INDEX,
    "kb.tasks.search_pages_index": INDEX,
    "kb.tasks.search_entries_remove": INDEX,
    "kb.tasks.search_index_repair": INDEX,
    "kb.tasks.reindex_project": INDEX,
    "kb.tasks.glacier_compact_project": COMPACT,
    "kb.tasks.glacier_compact_all": COMPACT,
    "onboarding.tasks.send_weekly_reports": EMAIL,
}


def queue_names(prefix: str = "") -> list[str]:
    return [prefix + queue for queue in QUEUES]


def route_task(name, args, kwargs, options, task=None, **kw) -> dict:
    """Celery router (CELERY_TASK_ROUTES): the task's queue under the current prefix.

    The prefix is read when the task is sent, not when Celery starts, so the test
    suite can point one process at a queue set of its own.
    """
    from django.conf import settings

    return {"queue": settings.GLACIER_QUEUE_PREFIX + TASK_QUEUES.get(name, DEFAULT)}
