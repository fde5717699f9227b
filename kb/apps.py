from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from kb.services.search_index import register_entry_provider

        register_entry_provider("glacier", _glacier_page_entries)


def _glacier_page_entries():
    # Imported when the index is rebuilt, not when the app loads: every process loads the app.
    from kb.glaciers.search import page_entries

    return page_entries()
