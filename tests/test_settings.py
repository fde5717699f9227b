"""Setting names are read by string elsewhere; a typo would fail silently, so pin them here."""

from django.conf import settings


def test_key_settings_exist():
    for name in [
        "GLACIER_SEARCH_BACKENDS",
        "GLACIER_REPOS_DIR",
        "GLACIER_MAX_FILE_BYTES",
        "GLACIER_LOCAL_REPOSITORY_ROOTS",
        "GLACIER_ALLOWED_REPOSITORY_HOSTS",
        "GLACIER_RENDER_BUDGET_SECONDS",
        "GITHUB_TOKEN",
        "GITHUB_API_URL",
        "CELERY_BROKER_URL",
        "CELERY_TASK_ALWAYS_EAGER",
        "GLACIER_BASE_URL",
        "DEFAULT_FROM_EMAIL",
        "GLACIER_PG_IDLE_IN_TRANSACTION_TIMEOUT",
        "GLACIER_PG_LOCK_TIMEOUT",
        "GLACIER_PG_STATEMENT_TIMEOUT",
    ]:
        assert hasattr(settings, name), name


def test_embedded_defaults_need_no_services():
    assert settings.GLACIER_SEARCH_BACKENDS["default"]["BACKEND"]
    if not settings.CELERY_BROKER_URL:
        assert settings.CELERY_TASK_ALWAYS_EAGER


def test_postgresql_sessions_get_time_limits_from_the_environment():
    """Read in a fresh interpreter: settings are computed once, from the environment."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "GLACIER_PG_"))},
        "DATABASE_URL": "postgres://glacier@db.invalid:5432/glacier",
        "GLACIER_PG_LOCK_TIMEOUT": "7",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    code = "import json; from django.conf import settings; print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    options = json.loads(proc.stdout.strip().splitlines()[-1])["options"].split()
    assert "idle_in_transaction_session_timeout=300000" in options
    assert "lock_timeout=7000" in options and "statement_timeout=0" in options
