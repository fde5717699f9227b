from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from kb.urls import handoff_note_patterns, hook_patterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include("kb.api.urls")),
    path("api/", include("onboarding.api.urls")),
    path("", include((hook_patterns, "hooks"))),
    path("", include((handoff_note_patterns, "handoff_notes"))),
    path("", include("onboarding.urls")),
    path("", include("kb.urls")),
]
