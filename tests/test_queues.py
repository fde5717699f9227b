"""config/queues.py and the Celery settings built from it: every task has a queue of its own
kind, messages reach exactly one queue, and beat runs only registered tasks."""

from django.conf import settings

from config.celery import app
from config.queues import DEFAULT, QUEUES, TASK_QUEUES, queue_names


def _route(task_name: str):
    return app.amqp.router.route({}, task_name, (), {})["queue"]


def test_each_kind_of_work_has_its_queue(settings):
    settings.GLACIER_QUEUE_PREFIX = ""  # the test worker's session may have set its own
    app.loader.import_default_modules()
    assert _route("kb.tasks.sync_project").name == "ingest"
    assert _route("kb.tasks.sync_github_project").name == "ingest"
    assert _route("kb.tasks.search_documents_index").name == "index"
    assert _route("kb.tasks.reindex_project").name == "index"
    assert _route("kb.tasks.glacier_compact_project").name == "compact"
    assert _route("onboarding.tasks.send_weekly_reports").name == "email"
    assert _route("onboarding.tasks.detect_gaps").name == "default"


def test_every_index_write_task_is_on_the_index_queue():
    app.loader.import_default_modules()
    index_writers = {name for name in app.tasks if name.startswith(("kb.tasks.search_", "kb.tasks.reindex"))}
    assert index_writers and all(TASK_QUEUES[name] == "index" for name in index_writers)
    assert set(TASK_QUEUES) <= set(app.tasks), "a routed task name that no task has"


def test_a_message_reaches_exactly_one_queue():
    """Each declared queue is bound to an exchange and routing key of its own name."""
    declared = {queue.name: queue for queue in settings.CELERY_TASK_QUEUES}
    prefix = settings.CELERY_TASK_DEFAULT_QUEUE.removesuffix(DEFAULT)  # the prefix settings were read with
    assert sorted(declared) == sorted(queue_names(prefix))
    bindings = {(queue.exchange.name, queue.routing_key) for queue in declared.values()}
    assert len(bindings) == len(QUEUES)
    for name, queue in declared.items():
        assert queue.exchange.name == name and queue.routing_key == name


def test_the_prefix_is_read_when_a_task_is_sent(settings):
    settings.GLACIER_QUEUE_PREFIX = "staging-"
    assert _route("kb.tasks.sync_project").name == "staging-ingest"


def test_beat_has_one_schedule_of_registered_tasks_and_late_acks():
    app.loader.import_default_modules()
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(app.tasks)
    assert app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
