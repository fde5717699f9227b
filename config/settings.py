"""Glacier settings.

The environment is read here and nowhere else. Every setting has an embedded
default (SQLite under var/, a Whoosh index under var/index/, Celery tasks run
in-process) so a fresh checkout runs with no configuration at all.
"""

import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from config.env import env, env_bool, env_int, env_list
from config.queues import DEFAULT as DEFAULT_QUEUE
from config.queues import queue_names

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("GLACIER_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    # A fixed public key signs sessions anyone could forge: only DEBUG runs (bin/serve) and the
    # test suite (pytest is imported before settings; tests/conftest.py passes the key on to the
    # processes it starts) may fall back to it. Anything else refuses to start.
    if not DEBUG and "pytest" not in sys.modules:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (50+ random characters) or DJANGO_DEBUG=1 for a local run."
        )
    SECRET_KEY = "glacier-insecure-development-key-set-DJANGO_SECRET_KEY-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "kb",
    "onboarding",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# Database: SQLite under var/ unless DATABASE_URL points elsewhere (postgres://...).
# A connection is kept for DATABASE_CONN_MAX_AGE seconds and checked before each request
# reuses it, so a restarted PostgreSQL costs one failed check, not a failed request per
# stale connection (kb/middleware.py answers 503 while the database is down).
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'glacier.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# While the database is unreachable, pages and the API answer 503 with this Retry-After (kb/views/errors.py).
GLACIER_DATABASE_RETRY_AFTER_SECONDS = env_int("GLACIER_DATABASE_RETRY_AFTER_SECONDS", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let a sync and the portal share the file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "kb:home"
LOGOUT_REDIRECT_URL = "kb:home"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Glacier API",
    "DESCRIPTION": "Knowledge base and onboarding portal for open-source maintainers.",
    "VERSION": "1.0.0",
    # Several models have a "kind" or ladder field; name each choice set once.
    # Swagger UI and ReDoc come from drf-spectacular-sidecar's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DocumentKindEnum": "kb.models.core.Document.Kind",
        "AreaKindEnum": "onboarding.models.people.Area.Kind",
        "HandoffItemKindEnum": "onboarding.models.people.HandoffItem.Kind",
        "LadderRoleEnum": "onboarding.models.people.ProjectRole.Ladder",
        "DocumentLinkKindEnum": "kb.models.core.DocumentLink.Kind",
        "DocumentLinkStatusEnum": "kb.models.core.DocumentLink.Status",
    },
}

# Celery: with no broker configured, tasks run in-process (eagerly) so the
# embedded defaults need no Redis or RabbitMQ.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it has run, not when a worker took it: a worker that dies (or a
# broker that restarts) mid-task leaves the message to be delivered again. Every task is safe
# to run twice (ids, re-fetch, upserts or claimed rows), which is what makes that sound.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Reconnect to a restarted broker instead of exiting (the worker keeps its queues), and keep
# trying to publish a task for about 20 s (short of gunicorn's timeout), so that a task queued
# on commit while the broker restarts (an index write after a sync) is sent late, not lost.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 10,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 3,
}
# Redis: a task taken but not acknowledged (its worker died, or the broker restarted under it)
# is delivered again after this many seconds. Longer than the longest task, or a slow sync
# would be started twice (harmless, as every task is safe to run twice, but wasted).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("GLACIER_BROKER_VISIBILITY_TIMEOUT", 3600)}
CELERY_TIMEZONE = TIME_ZONE
# Queues (config/queues.py): ingest, index, compact, email and default. A worker started
# without -Q consumes all of them; see the Procfile for one process per role.
GLACIER_QUEUE_PREFIX = env("GLACIER_QUEUE_PREFIX", "")
# Each queue has an exchange and routing key of its own name (as Celery makes a queue it was not
# told about): sharing the default exchange would put every message on every queue.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name) for name in queue_names(GLACIER_QUEUE_PREFIX)
]
CELERY_TASK_DEFAULT_QUEUE = GLACIER_QUEUE_PREFIX + DEFAULT_QUEUE
CELERY_TASK_ROUTES = ("config.queues.route_task",)
# Every periodic task, in one schedule (`celery -A config beat`; run exactly one beat).
CELERY_BEAT_SCHEDULE = {
    # Knowledge glaciers: recompact every project nightly (a run with no new input writes nothing).
    "glacier-compact-nightly": {
        "task": "kb.tasks.glacier_compact_all",
        "schedule": crontab(hour=env_int("GLACIER_COMPACT_HOUR", 3), minute=15),
    },
    # A run still "running" whose project lock nobody holds was left by a dead process: failed
    # by the next sync of that project, and by this sweep in between.
    "kb-fail-interrupted-sync-runs": {
        "task": "kb.tasks.sync_runs_interrupted_sweep",
        "schedule": crontab(minute="*/10"),
    },
    "onboarding-detect-gaps-nightly": {
        "task": "onboarding.tasks.detect_gaps_all",
        "schedule": crontab(minute=0, hour=5),
    },
    "onboarding-expire-gap-claims": {
        "task": "onboarding.tasks.expire_gap_claims",
        "schedule": crontab(minute=30, hour=5),
    },
    "onboarding-weekly-gap-reports": {
        "task": "onboarding.tasks.send_weekly_reports",
        # Mondays 06:00 UTC; ReportSend rows make an extra or retried run harmless.
        "schedule": crontab(minute=0, hour=6, day_of_week=1),
    },
}

# Search: backends plug in like caches (see kb/search/__init__.py).
GLACIER_SEARCH_BACKENDS = {
    "default": {
        "BACKEND": env("GLACIER_SEARCH_BACKEND", "kb.search.backends.whoosh"),
        "INDEX_DIR": env("GLACIER_INDEX_DIR", str(VAR_DIR / "index")),
    }
}

# Ingest limits.
GLACIER_REPOS_DIR = Path(env("GLACIER_REPOS_DIR", str(VAR_DIR / "repos")))
GLACIER_MAX_FILE_BYTES = env_int("GLACIER_MAX_FILE_BYTES", 1024 * 1024)

# Bounded work per item (t6-bombs): the most seconds one file or item may spend being rendered
# (kb/render_pool.py); past it the item is skipped with the reason and the sync goes on.
GLACIER_RENDER_BUDGET_SECONDS = env_int("GLACIER_RENDER_BUDGET_SECONDS", 10)

# Knowledge glaciers (kb/services/glaciers.py).
GLACIER_COMPACT_RECENT_DAYS = env_int("GLACIER_COMPACT_RECENT_DAYS", 30)  # listed one by one on the surface
GLACIER_COMPACT_YEAR_DAYS = env_int("GLACIER_COMPACT_YEAR_DAYS", 365)  # one line each; older is folded
GLACIER_COMPACT_SUMMARY_SENTENCES = env_int("GLACIER_COMPACT_SUMMARY_SENTENCES", 6)
GLACIER_COMPACT_DUPLICATE_THRESHOLD = float(env("GLACIER_COMPACT_DUPLICATE_THRESHOLD", "0.8"))
GLACIER_PAGE_REVIEW_DAYS = env_int("GLACIER_PAGE_REVIEW_DAYS", 180)
# BM25 saturates, so a per-entry boost is worth less than its face value: 10 puts topic pages
# above the single issue that shares their words (checked against the Whoosh backend).
GLACIER_PAGE_SEARCH_BOOST = float(env("GLACIER_PAGE_SEARCH_BOOST", "10.0"))

# GitHub (issue ingest and webhooks).
GITHUB_TOKEN = env("GITHUB_TOKEN", "")
GITHUB_API_URL = env("GITHUB_API_URL", "https://api.github.com")
GITHUB_TIMEOUT = env_int("GITHUB_TIMEOUT", 20)  # seconds per HTTP request (PyGithub takes whole seconds)
# Our own bounded retries for 5xx, timeouts and malformed bodies (PyGithub's are turned off):
# attempt n waits min(BACKOFF * 2**n, BACKOFF_MAX) seconds.
GITHUB_RETRY_ATTEMPTS = env_int("GITHUB_RETRY_ATTEMPTS", 5)
GITHUB_RETRY_BACKOFF = float(env("GITHUB_RETRY_BACKOFF", "1.0"))
GITHUB_RETRY_BACKOFF_MAX = float(env("GITHUB_RETRY_BACKOFF_MAX", "60"))
# The command waits for a rate-limit reset at most this long (a Celery task re-schedules instead).
GITHUB_RATE_LIMIT_MAX_WAIT = env_int("GITHUB_RATE_LIMIT_MAX_WAIT", 3600)

# Where project content may come from (kb/services/repository_policy.py, issue [6] t6-sources).
# Staff may point a project at any local path; everyone else only at a path under one of these roots
# (comma-separated absolute paths; empty: nobody but staff and the command-line operator).
GLACIER_LOCAL_REPOSITORY_ROOTS = env_list("GLACIER_LOCAL_REPOSITORY_ROOTS", [])
# Hosts a project's https/ssh git URL may name. Default: github.com plus the host of a GitHub
# Enterprise GITHUB_API_URL (https://ghe.example.com/api/v3 -> ghe.example.com). Setting it replaces both.
_GITHUB_ENTERPRISE_HOST = (urlsplit(GITHUB_API_URL).hostname or "").lower()
GLACIER_ALLOWED_REPOSITORY_HOSTS = [
    host.lower()
    for host in env_list(
        "GLACIER_ALLOWED_REPOSITORY_HOSTS",
        ["github.com"]
        + ([_GITHUB_ENTERPRISE_HOST] if _GITHUB_ENTERPRISE_HOST not in {"", "api.github.com"} else []),
    )
]

# Email: console backend unless SMTP is configured.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Glacier <glacier@localhost>")
GLACIER_BASE_URL = env("GLACIER_BASE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_4xx_traceback": {"()": "config.logging.ExpectedClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_4xx_traceback"]}},
    "root": {"handlers": ["console"], "level": env("GLACIER_LOG_LEVEL", "WARNING")},
    # Django's own default config gives "django" a console handler too (under DEBUG): every
    # line would print twice, once there and once at the root. The root prints it once.
    "loggers": {"django": {"handlers": [], "level": env("GLACIER_LOG_LEVEL", "WARNING"), "propagate": True}},
}

# Documentation gaps (onboarding/gaps/) and the weekly report.
# A claim lapses after this many days without activity.
GLACIER_GAP_CLAIM_DAYS = env_int("GLACIER_GAP_CLAIM_DAYS", 14)
# A doc untouched this long is stale if its directory changed at least this often since.
GLACIER_GAP_STALE_DAYS = env_int("GLACIER_GAP_STALE_DAYS", 365)
GLACIER_GAP_STALE_MIN_CHANGES = env_int("GLACIER_GAP_STALE_MIN_CHANGES", 3)
GLACIER_GAP_OWNERS_STALE_DAYS = env_int("GLACIER_GAP_OWNERS_STALE_DAYS", 183)
GLACIER_GAP_SEARCH_WINDOW_DAYS = env_int("GLACIER_GAP_SEARCH_WINDOW_DAYS", 30)
GLACIER_GAP_SEARCH_MIN_COUNT = env_int("GLACIER_GAP_SEARCH_MIN_COUNT", 3)
# Search scores below these count as "weak": a recorded search's top score, and the best doc for a question.
# Unset: the search backend's own threshold (BaseSearchBackend.weak_score, on its score scale).
GLACIER_GAP_SEARCH_WEAK_SCORE: float | None = (
    float(env("GLACIER_GAP_SEARCH_WEAK_SCORE")) if env("GLACIER_GAP_SEARCH_WEAK_SCORE") else None
)
# Scores are backend-specific: calibrated on kubernetes__community (answered topics score 60-240 in Whoosh,
# unanswered ones 15-70). GLACIER_GAP_ANSWER_MIN_SCORE in the environment sets one value for any backend.
GLACIER_GAP_ANSWER_MIN_SCORE: float | dict = (
    float(env("GLACIER_GAP_ANSWER_MIN_SCORE"))
    if env("GLACIER_GAP_ANSWER_MIN_SCORE")
    else {"kb.search.backends.whoosh": 50.0, "kb.search.backends.postgres": 0.05, "default": 1.0}
)
GLACIER_GAP_QUESTION_MIN_CLUSTER = env_int("GLACIER_GAP_QUESTION_MIN_CLUSTER", 2)
GLACIER_GAP_QUESTION_SIMILARITY = float(env("GLACIER_GAP_QUESTION_SIMILARITY", "0.3"))
GLACIER_REPORT_TREND_WEEKS = env_int("GLACIER_REPORT_TREND_WEEKS", 6)
GLACIER_REPORT_RETRY_SECONDS = env_int("GLACIER_REPORT_RETRY_SECONDS", 600)


# Content-Security-Policy on every response (django-csp), from the t6-access slice of issue [6].
# Pages carry no inline script or style (progress bars are <progress> elements), so scripts and
# styles come only from our own static files; images may come from https hosts because synced
# Markdown shows badges and screenshots. A view that sets its own header (the sandboxed report
# preview) keeps it.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Crash consistency (t6-crash) ---------------------------------------------------------
# A PostgreSQL session whose client died, or stalled with a transaction open, must not hold
# its row locks forever: the server ends a session idle in a transaction after this long, and
# a statement waits at most GLACIER_PG_LOCK_TIMEOUT for a lock. The per-project sync lock is
# a session advisory lock outside any transaction (kb/services/sync_runs.py), so a long sync is
# never "idle in transaction". Seconds; 0 turns a limit off. statement_timeout is off by
# default: a first index build or a migration may legitimately run for minutes.
GLACIER_PG_IDLE_IN_TRANSACTION_TIMEOUT = env_int("GLACIER_PG_IDLE_IN_TRANSACTION_TIMEOUT", 300)
GLACIER_PG_LOCK_TIMEOUT = env_int("GLACIER_PG_LOCK_TIMEOUT", 60)
GLACIER_PG_STATEMENT_TIMEOUT = env_int("GLACIER_PG_STATEMENT_TIMEOUT", 0)
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    _pg_limits = {
        "idle_in_transaction_session_timeout": GLACIER_PG_IDLE_IN_TRANSACTION_TIMEOUT,
        "lock_timeout": GLACIER_PG_LOCK_TIMEOUT,
        "statement_timeout": GLACIER_PG_STATEMENT_TIMEOUT,
    }
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = " ".join(
        [
            _pg_options.get("options", ""),
            *(f"-c {name}={seconds * 1000}" for name, seconds in _pg_limits.items()),
        ]
    ).strip()
# -------------------------------------------------------------------------------------------

# --- Clear errors and the production profile (issue [6]) -------------------------------------
# One exception handler for the API (kb/errors.py); NUL characters are refused at the edge.
REST_FRAMEWORK["EXCEPTION_HANDLER"] = "kb.errors.api_exception_handler"
REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] = "kb.api.pagination.PageNumberPaginationWith400"
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.common.CommonMiddleware"), "kb.middleware.RejectNulBytesMiddleware"
)

# HTTPS: behind TLS set GLACIER_HTTPS=true; then cookies are Secure, HTTP redirects to HTTPS and
# HSTS is sent. GLACIER_PROXY_SSL_HEADER=true trusts X-Forwarded-Proto from the reverse proxy.
GLACIER_HTTPS = env_bool("GLACIER_HTTPS", False)
SECURE_SSL_REDIRECT = GLACIER_HTTPS
SESSION_COOKIE_SECURE = GLACIER_HTTPS
CSRF_COOKIE_SECURE = GLACIER_HTTPS
SECURE_HSTS_SECONDS = env_int("GLACIER_HSTS_SECONDS", 31536000 if GLACIER_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GLACIER_HSTS_INCLUDE_SUBDOMAINS", GLACIER_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("GLACIER_HSTS_PRELOAD", GLACIER_HTTPS)
if env_bool("GLACIER_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz must answer over plain HTTP to a load balancer's probe inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Cache: per-process memory by default; GLACIER_CACHE_URL=redis://... shares throttle counts
# between processes.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("GLACIER_CACHE_URL")}
        if env("GLACIER_CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Throttling (DRF ScopedRateThrottle, counted in the cache): the token endpoint and search.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "auth": env("GLACIER_THROTTLE_AUTH", "20/min"),
    "search": env("GLACIER_THROTTLE_SEARCH", "120/min"),
}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair is locked out for GLACIER_LOGIN_COOLOFF_MINUTES (answer 429).
INSTALLED_APPS.append("axes")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Sign-in by e-mail address as well as username (accounts below).
    "allauth.account.auth_backends.AuthenticationBackend",
]
AXES_ENABLED = env_bool("GLACIER_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_int("GLACIER_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = env_int("GLACIER_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# allauth's form calls the field "login" and passes it on as `username` or `email`: count both.
AXES_USERNAME_CALLABLE = "accounts.throttling.attempted_login"
AXES_IPWARE_PROXY_COUNT = env_int("GLACIER_PROXY_COUNT", 0) or None  # reverse proxies in front

# GitHub sends webhook bodies up to 25 MB; only that view reads this much (kb/views/webhooks.py).
GLACIER_WEBHOOK_MAX_BYTES = env_int("GLACIER_WEBHOOK_MAX_BYTES", 25 * 1024 * 1024)
# The same signed body again under a new delivery id within this window is a replay: no sync.
GLACIER_WEBHOOK_REPLAY_WINDOW_SECONDS = env_int("GLACIER_WEBHOOK_REPLAY_WINDOW_SECONDS", 7 * 24 * 3600)

# --- Accounts (django-allauth, issue [13]) ---------------------------------------------------
# Anyone may sign up; the address must be verified before the first sign-in. A signed-in user
# asks a project's maintainers for membership or accepts their e-mailed invitation (README,
# "Accounts and maintainers").
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Glacier] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if GLACIER_HTTPS else "http"
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_USERNAME_BLACKLIST = ["admin", "administrator", "root", "glacier", "staff"]
# A GitHub account's e-mail is not proof enough to take over a local account with that address.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_QUERY_EMAIL = True
# Sign in with GitHub appears only when both are set (an OAuth app's id and secret).
GLACIER_GITHUB_OAUTH_CLIENT_ID = env("GLACIER_GITHUB_OAUTH_CLIENT_ID", "")
GLACIER_GITHUB_OAUTH_SECRET = env("GLACIER_GITHUB_OAUTH_SECRET", "")
# The web address OAuth talks to; its API is <url>/api/v3 (GitHub Enterprise, or a local stand-in).
GLACIER_GITHUB_OAUTH_URL = env("GLACIER_GITHUB_OAUTH_URL", "")
SOCIALACCOUNT_PROVIDERS: dict = {"github": {"SCOPE": ["read:user", "user:email"]}}
if GLACIER_GITHUB_OAUTH_CLIENT_ID and GLACIER_GITHUB_OAUTH_SECRET:
    SOCIALACCOUNT_PROVIDERS["github"]["APPS"] = [
        {"client_id": GLACIER_GITHUB_OAUTH_CLIENT_ID, "secret": GLACIER_GITHUB_OAUTH_SECRET}
    ]
if GLACIER_GITHUB_OAUTH_URL:
    SOCIALACCOUNT_PROVIDERS["github"]["GITHUB_URL"] = GLACIER_GITHUB_OAUTH_URL.rstrip("/")
# -------------------------------------------------------------------------------------------
