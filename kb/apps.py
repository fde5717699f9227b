from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from kb.glaciers.search import entries_for_uids, page_entries, page_stamps
        from kb.services.search_index import register_entry_provider

        register_entry_provider("glacier", page_entries, stamps=page_stamps, entries_for=entries_for_uids)
