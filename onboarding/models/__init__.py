from onboarding.models.gaps import Gap, GapRun, ReportSend, ReportSubscription
from onboarding.models.people import (
    Area,
    AreaOwner,
    Enrolment,
    HandoffChecklist,
    HandoffItem,
    Maintainer,
    OnboardingPath,
    OnboardingStep,
    ProjectRole,
    StepCompletion,
    SuccessionPlan,
    Successor,
)

__all__ = [
    "Area",
    "AreaOwner",
    "Enrolment",
    "Gap",
    "GapRun",
    "HandoffChecklist",
    "HandoffItem",
    "Maintainer",
    "OnboardingPath",
    "OnboardingStep",
    "ProjectRole",
    "ReportSend",
    "ReportSubscription",
    "StepCompletion",
    "SuccessionPlan",
    "Successor",
]
