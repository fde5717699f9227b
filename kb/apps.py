from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from kb.services.search_index import register_entry_provider
        from kb.signals import sync_finished

        sync_finished.connect(_queue_index_repair_after_sync, dispatch_uid="kb.index_repair_after_sync")

        register_entry_provider(
            "glacier",
            _glacier_page_entries,
            stamps=_glacier_page_stamps,
            entries_for=_glacier_entries_for_uids,
        )


# The glacier modules are imported when the index is rebuilt or verified, not when the app
# loads: every process loads the app.
def _glacier_page_entries(*args, **kwargs):
    from kb.glaciers.search import page_entries

    return page_entries(*args, **kwargs)


def _glacier_page_stamps(*args, **kwargs):
    from kb.glaciers.search import page_stamps

    return page_stamps(*args, **kwargs)


def _glacier_entries_for_uids(*args, **kwargs):
    from kb.glaciers.search import entries_for_uids

    return entries_for_uids(*args, **kwargs)


def _queue_index_repair_after_sync(sender, *, sync_run=None, **kwargs) -> None:
    """With queued index writes, check the synced project's entries behind them on the `index` queue."""
    from kb.services.search_index import index_writes_queued

    if sync_run is not None and index_writes_queued():
        from kb.tasks import search_index_repair

        search_index_repair.delay(sync_run.pk)
