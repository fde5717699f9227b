from rest_framework.routers import SimpleRouter

from onboarding.api import views
from onboarding.api.gaps import GapViewSet

router = SimpleRouter()
router.register("maintainers", views.MaintainerViewSet, basename="maintainer")
router.register("succession-plans", views.SuccessionPlanViewSet, basename="succession-plan")
router.register("handoff-checklists", views.HandoffChecklistViewSet, basename="handoff-checklist")
router.register("onboarding-paths", views.OnboardingPathViewSet, basename="onboarding-path")
router.register("enrolments", views.EnrolmentViewSet, basename="enrolment")
router.register("gaps", GapViewSet, basename="gap")

urlpatterns = router.urls
