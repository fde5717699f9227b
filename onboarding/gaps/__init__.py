"""Gap detectors, one module per rule family. Importing this package registers every rule in RULES."""

from onboarding.gaps import (  # noqa: F401  (imported for their @rule registrations)
    community_files,
    glaciers,
    handoffs,
    links,
    owners,
    placeholders,
    questions,
    search_demand,
    silos,
    staleness,
)
from onboarding.gaps.base import RULES, DetectionContext, Finding, Rule, RuleUnavailable, Suggestion

__all__ = ["RULES", "DetectionContext", "Finding", "Rule", "RuleUnavailable", "Suggestion"]
