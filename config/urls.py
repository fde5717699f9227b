from functools import cache

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


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", api_schema, name="api-schema"),
    path("api/", include("kb.api.urls")),
    path("api/", include("onboarding.api.urls")),
    path("", include((hook_patterns, "hooks"))),
    path("", include((handoff_note_patterns, "handoff_notes"))),
    path("", include("onboarding.urls")),
    path("", include("kb.urls")),
]

# A lost database connection answers 503 with Retry-After; any other error, Django's 500.
handler500 = "kb.views.errors.server_error"
