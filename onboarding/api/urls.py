from rest_framework.routers import SimpleRouter

from onboarding.api.gaps import GapViewSet

router = SimpleRouter()
router.register("gaps", GapViewSet, basename="gap")

urlpatterns = router.urls
