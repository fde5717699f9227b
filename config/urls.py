from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("kb.urls_hooks")),
    path("api/", include("kb.api.urls_handoff_notes")),
    path("api/", include("kb.api.urls")),
    path("api/", include("onboarding.api.urls")),
    path("", include("onboarding.urls")),
    path("", include("kb.urls_notes")),
    path("", include("kb.urls")),
]
