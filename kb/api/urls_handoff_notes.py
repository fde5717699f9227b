from rest_framework.routers import SimpleRouter

from kb.api.handoff_notes import HandoffNoteViewSet

router = SimpleRouter()
router.register("handoff-notes", HandoffNoteViewSet, basename="handoff-note")

urlpatterns = router.urls
