from functools import cache

from csp.decorators import csp_update
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
def _docs_views():
    from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

    return {
        # The split view serves its start-up script as a file of its own: no inline script.
        "swagger": SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        "redoc": SpectacularRedocView.as_view(url_name="api-schema"),
    }


# Swagger UI and ReDoc set inline styles on the elements they draw; scripts stay 'self' only.
_docs_csp = csp_update({"style-src": ["'unsafe-inline'"]})


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
    path("api/", include("kb.api.urls")),
    path("api/", include("onboarding.api.urls")),
    path("", include((hook_patterns, "hooks"))),
    path("", include((handoff_note_patterns, "handoff_notes"))),
    path("", include("onboarding.urls")),
    path("", include("kb.urls")),
]
