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
    "HandoffChecklist",
    "HandoffItem",
    "Maintainer",
    "OnboardingPath",
    "OnboardingStep",
    "ProjectRole",
    "StepCompletion",
    "SuccessionPlan",
    "Successor",
]
