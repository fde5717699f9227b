"""Admin registrations; each area keeps its own module (gap_admin.py for gaps and reports)."""

from onboarding import gap_admin  # noqa: F401  (registers on import)
