from django.urls import path
from rest_framework.routers import DefaultRouter

from kb.api import views
from kb.api.glaciers import GlacierPageViewSet
from kb.api.handoff_notes import HandoffNoteViewSet

router = DefaultRouter()
# The API root (config/urls.py) lists kb's resources and onboarding's together.
router.include_root_view = False
router.register("projects", views.ProjectViewSet, basename="project")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("glaciers", GlacierPageViewSet, basename="glacier")
router.register("handoff-notes", HandoffNoteViewSet, basename="handoff-note")

# Entries of the API root besides the routers' lists: {name shown: URL name}.
ROOT_ENTRIES = {"search": "api-search", "auth/token": "api-token"}

urlpatterns = [
    path("search/", views.SearchView.as_view(), name="api-search"),
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    *router.urls,
]
