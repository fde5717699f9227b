from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from kb.services.search_index import register_entry_provider

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
