"""Glacier pages past their review-by date."""

from __future__ import annotations

from kb.models import GlacierPage
from onboarding.gaps.base import DetectionContext, Finding, Suggestion, rule


@rule(
    id="glacier-review-overdue",
    title="Glacier page past its review date",
    severity="low",
    why=(
        "A glacier page compresses what the project knows about a topic. Past its review date nobody "
        "has confirmed it still holds, and readers cannot tell a settled fact from an outdated one."
    ),
    how=(
        "Read the page with its sources, correct or remove what no longer holds, and set a new "
        "review-by date; the page's owner decides, anyone can propose the corrections."
    ),
)
def glacier_reviews(ctx: DetectionContext):
    today = ctx.now.date()
    for page in GlacierPage.objects.filter(project=ctx.project, review_by__lt=today).select_related("topic"):
        overdue = (today - page.review_by).days
        yield Finding(
            key=f"glacier:{page.topic.slug}",
            title=f'Glacier page "{page.title}" is {overdue} days past review',
            evidence={
                "summary": f"Review was due {page.review_by.isoformat()}.",
                "owner": page.owner_login,
                "review_by": page.review_by.isoformat(),
                "page_id": page.pk,
            },
            suggestion=Suggestion(
                "review",
                f"glacier:{page.topic.slug}",
                (
                    "Check the summary against the newest sources",
                    "Fix or drop outdated statements",
                    "Set the next review-by date",
                ),
            ),
            path=page.topic.signature,
            severity="medium" if overdue > 90 else "low",
        )
