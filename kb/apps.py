from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from kb.glaciers.search import page_entries
        from kb.services.search_index import register_entry_provider

        register_entry_provider("glacier", page_entries)
