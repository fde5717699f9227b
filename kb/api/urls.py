from rest_framework.routers import DefaultRouter

from kb.api.glaciers import GlacierPageViewSet

router = DefaultRouter()
router.register("glaciers", GlacierPageViewSet, basename="glacier")

urlpatterns = router.urls
