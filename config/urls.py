from functools import cache

from csp.decorators import csp_replace
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from kb.urls import handoff_note_patterns, hook_patterns


@cache
def _schema_view():
    # drf-spectacular's views pull in its generators and django.test (~0.1 s of CPU): built at
    # the first schema request rather than in every process that loads the URLconf
    # (manage.py check, every command that runs the system checks).
    from drf_spectacular.views import SpectacularAPIView

    return SpectacularAPIView.as_view()


@csrf_exempt  # as the APIView it stands for
def api_schema(request, *args, **kwargs):
    return _schema_view()(request, *args, **kwargs)


@cache
def _api_root_view():
    # Every resource of both apps, from their routers' registries, plus search, token and docs.
    from rest_framework.routers import APIRootView

    from kb.api.urls import ROOT_ENTRIES
    from kb.api.urls import router as kb_router
    from onboarding.api.urls import router as onboarding_router

    entries = {}
    for prefix, viewset, basename in kb_router.registry + onboarding_router.registry:
        entries[prefix] = f"{basename}-list"
        for action in viewset.get_extra_actions():
            if not action.detail:  # list-level actions such as gaps/suggested
                entries[f"{prefix}/{action.url_path}"] = f"{basename}-{action.url_name}"
    entries.update(ROOT_ENTRIES)
    entries.update({"schema": "api-schema", "docs": "api-docs", "redoc": "api-redoc"})
    return APIRootView.as_view(api_root_dict=entries)


def api_root(request, *args, **kwargs):
    return _api_root_view()(request, *args, **kwargs)


@cache
def _docs_views():
    from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

    return {
        # The split view serves its start-up script as a file of its own: no inline script.
        "swagger": SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        "redoc": SpectacularRedocView.as_view(url_name="api-schema"),
    }


# Swagger UI and ReDoc set inline styles on the elements they draw; scripts stay 'self' only.
# Images only from here: ReDoc's "API docs by Redocly" logo would otherwise come from its CDN.
# ReDoc's search runs in a worker it builds from a blob of its own (already loaded) script.
_docs_csp = csp_replace(
    {
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "worker-src": ["'self'", "blob:"],
    }
)


@_docs_csp
def api_docs(request, *args, **kwargs):
    return _docs_views()["swagger"](request, *args, **kwargs)


@_docs_csp
def api_redoc(request, *args, **kwargs):
    return _docs_views()["redoc"](request, *args, **kwargs)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/schema/", api_schema, name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/redoc/", api_redoc, name="api-redoc"),
    path("api/", api_root, name="api-root"),
    path("api/", include("kb.api.urls")),
    path("api/", include("onboarding.api.urls")),
    path("", include((hook_patterns, "hooks"))),
    path("", include((handoff_note_patterns, "handoff_notes"))),
    path("", include("onboarding.urls")),
    path("", include("kb.urls")),
]

# A lost database connection answers 503 with Retry-After; any other error, Django's 500.
handler500 = "kb.views.errors.server_error"
