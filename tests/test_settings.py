"""Setting names are read by string elsewhere; a typo would fail silently, so pin them here."""

from django.conf import settings


def test_key_settings_exist():
    for name in [
        "GLACIER_SEARCH_BACKENDS",
        "GLACIER_REPOS_DIR",
        "GLACIER_MAX_FILE_BYTES",
        "GLACIER_RENDER_BUDGET_SECONDS",
        "GITHUB_TOKEN",
        "GITHUB_API_URL",
        "CELERY_BROKER_URL",
        "CELERY_TASK_ALWAYS_EAGER",
        "GLACIER_BASE_URL",
        "DEFAULT_FROM_EMAIL",
    ]:
        assert hasattr(settings, name), name


def test_embedded_defaults_need_no_services():
    assert settings.GLACIER_SEARCH_BACKENDS["default"]["BACKEND"]
    if not settings.CELERY_BROKER_URL:
        assert settings.CELERY_TASK_ALWAYS_EAGER
