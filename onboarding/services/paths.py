"""Onboarding paths: a newcomer path drafted from what was ingested, and a year-long
maintainer track tied to the contributor ladder.

The newcomer draft is: read the README, read CONTRIBUTING, set up the development
environment (docs whose path or title says development/setup/install/build/getting
started), read the main glacier pages, pick a good first issue, claim a documentation
gap, open a first pull request. Syncs redraft a path until a maintainer edits it
(OnboardingPath.edited_at); from then on it is theirs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from kb.models import Document, GlacierPage, Project
from kb.safe_links import UNSAFE_LINK_MESSAGE, is_safe_url, safe_url_or_blank
from kb.sources import issues as issue_schema
from onboarding.models import Enrolment, OnboardingPath, OnboardingStep, ProjectRole, StepCompletion
from onboarding.services import links

Ladder = ProjectRole.Ladder
SETUP_RE = re.compile(
    r"(develop|setup|set-up|install|build|getting[-_ ]?started|quick[-_ ]?start|local[-_ ]env)", re.I
)
GOOD_FIRST_LABELS = {
    "good first issue",
    "good-first-issue",
    "good first issues",
    "help wanted",
    "beginner",
    "easy",
    "first-timers-only",
}
STALL_DAYS = 14
MAINTAINER_TRACK = [
    (
        "Review pull requests in an area you care about",
        "Ten reviews that an approver found useful.",
        Ladder.MEMBER,
        30,
    ),
    ("Become a reviewer of an area", "Listed as a reviewer in that area's OWNERS file.", Ladder.REVIEWER, 90),
    (
        "Write or refresh the glacier page of your area",
        "The page's review date is in the future and you own it.",
        "",
        150,
    ),
    (
        "Become an approver of an area",
        "Listed as an approver in that area's OWNERS file.",
        Ladder.APPROVER,
        210,
    ),
    ("Shadow a release or an on-call rotation", "You ran one with a maintainer watching.", "", 270),
    (
        "Own an area",
        "You are the maintainer of an area, with a successor of your own in view.",
        Ladder.MAINTAINER,
        365,
    ),
]


@dataclass
class DraftStep:
    title: str
    link: str
    expected_outcome: str
    source_key: str


def _pick(docs: list[Document], *patterns: str) -> Document | None:
    for pattern in patterns:
        regex = re.compile(pattern, re.I)
        matches = [d for d in docs if regex.search(d.path or d.key)]
        if matches:
            return min(matches, key=lambda d: (d.path.count("/"), len(d.path)))
    return None


def _good_first_issues(project: Project, limit: int = 3) -> list[Document]:
    found = []
    # An onboarding path is read by everyone who may read the project: never a private item.
    issues = Document.objects.filter(project=project, kind=Document.Kind.ISSUE, is_private=False).order_by(
        "-last_changed_at", "-pk"
    )
    for doc in issues.only("pk", "title", "url", "metadata", "key").iterator(chunk_size=1000):
        if not issue_schema.is_open(doc.metadata):
            continue
        if {label.lower() for label in issue_schema.labels(doc.metadata)} & GOOD_FIRST_LABELS:
            found.append(doc)
            if len(found) >= limit:
                break
    return found


def _claimable_gap(project: Project):
    try:
        Gap = apps.get_model("onboarding", "Gap")
    except LookupError:
        return None
    return (
        Gap.objects.filter(
            project=project,
            claimed_by__isnull=True,
            resolved_at__isnull=True,
            dismissed_at__isnull=True,
            audience="public",  # an onboarding path is read by everyone who may read the project
        )
        .order_by("pk")
        .first()
    )


def newcomer_steps_draft(project: Project) -> list[DraftStep]:
    docs = list(
        Document.objects.filter(project=project, kind=Document.Kind.DOC, is_private=False).only(
            "pk", "path", "key", "title"
        )
    )
    steps: list[DraftStep] = []
    readme = _pick(docs, r"^README(\.\w+)?$", r"(^|/)README(\.\w+)?$")
    if readme:
        steps.append(DraftStep(f"Read {readme.path}", links.document_url(readme),
                               "You can say in two sentences what the project does and who uses it.", f"doc:{readme.path}"))  # fmt: skip
    contributing = _pick(docs, r"^CONTRIBUTING(\.\w+)?$", r"(^|/)CONTRIBUTING(\.\w+)?$", r"contribut")
    if contributing:
        steps.append(DraftStep(f"Read {contributing.path}", links.document_url(contributing),
                               "You know how changes are proposed, reviewed and merged here.", f"doc:{contributing.path}"))  # fmt: skip
    setup = [
        d
        for d in docs
        if d not in (readme, contributing) and (SETUP_RE.search(d.path) or SETUP_RE.search(d.title))
    ]
    setup.sort(key=lambda d: (d.path.count("/"), len(d.path)))
    for doc in setup[:2]:
        steps.append(DraftStep(f"Set up your environment: {doc.title}", links.document_url(doc),
                               "The project builds and its tests pass on your machine.", f"doc:{doc.path}"))  # fmt: skip
    pages = (
        GlacierPage.objects.filter(project=project)
        .annotate(n=Count("topic__documents"))
        .order_by("-n", "title")[:3]
    )
    for page in pages:
        steps.append(DraftStep(f"Read the glacier page “{page.title}”", links.glacier_url(page),
                               "You know what was decided about this topic and who to ask.", f"glacier:{page.pk}"))  # fmt: skip
    for issue in _good_first_issues(project):
        steps.append(DraftStep(f"Pick a good first issue: {issue.title}", issue.url or links.document_url(issue),
                               "You commented on the issue to say you are working on it.", f"issue:{issue.key}"))  # fmt: skip
    gap = _claimable_gap(project)
    steps.append(DraftStep(
        f"Claim a documentation gap{': ' + gap.title if gap else ''}",
        links.gap_url(gap) if gap else links.gap_board_url(project),
        "You claimed a gap on the gap board and know which file to write.", f"gap:{gap.pk}" if gap else "gap:board",
    ))  # fmt: skip
    steps.append(DraftStep("Open your first pull request", project.github_repo and f"https://github.com/{project.github_repo}/pulls" or "",
                           "A pull request of yours is open and has a reviewer.", "first-pr"))  # fmt: skip
    return steps


def _replace_steps(path: OnboardingPath, drafts: list[dict]) -> None:
    """Replace the path's steps, keeping the rows (and so everyone's ticks) of steps that stay."""
    existing = {(s.source_key or f"title:{s.title}"): s for s in path.steps.all()}
    keep: set[int] = set()
    for position, draft in enumerate(drafts):
        key = draft.get("source_key") or f"title:{draft['title']}"
        step = existing.get(key) or (
            OnboardingStep.objects.filter(pk=draft.get("id"), path=path).first() if draft.get("id") else None
        )
        fields = {"position": position, "title": draft["title"], "link": safe_url_or_blank(draft.get("link", "")),
                  "expected_outcome": draft.get("expected_outcome", ""), "ladder_role": draft.get("ladder_role", ""),
                  "target_days": draft.get("target_days"), "source_key": draft.get("source_key", "")}  # fmt: skip
        if step is None:
            step = OnboardingStep.objects.create(path=path, **fields)
        elif any(getattr(step, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(step, k, v)
            step.save(update_fields=list(fields))
        keep.add(step.pk)
    path.steps.exclude(pk__in=keep).delete()


@transaction.atomic
def onboarding_paths_draft(*, project: Project) -> tuple[OnboardingPath, OnboardingPath]:
    """Create or redraft the newcomer path and the maintainer track (unless a maintainer edited them)."""
    newcomer, _ = OnboardingPath.objects.get_or_create(
        project=project, track=OnboardingPath.Track.NEWCOMER,
        defaults={"title": f"Your first contribution to {project.name}",
                  "description": "Drafted from the project's docs, glacier pages, issues and gaps."},
    )  # fmt: skip
    if newcomer.edited_at is None:
        _replace_steps(newcomer, [d.__dict__ for d in newcomer_steps_draft(project)])
    track, _ = OnboardingPath.objects.get_or_create(
        project=project, track=OnboardingPath.Track.MAINTAINER,
        defaults={"title": f"Growing into a maintainer of {project.name}",
                  "description": "Milestones over about a year, tied to the contributor ladder."},
    )  # fmt: skip
    if track.edited_at is None:
        _replace_steps(track, [
            {"title": t, "expected_outcome": o, "ladder_role": r, "target_days": d, "source_key": f"track:{i}",
             "link": links.people_url(project)}
            for i, (t, o, r, d) in enumerate(MAINTAINER_TRACK)
        ])  # fmt: skip
    return newcomer, track


@transaction.atomic
def onboarding_path_update(*, path: OnboardingPath, title: str | None = None, description: str | None = None,
                           steps: list[dict] | None = None) -> OnboardingPath:  # fmt: skip
    """A maintainer's edit: ordered steps ({id?, title, link, expected_outcome, ladder_role?, target_days?})."""
    if steps is not None:
        errors = {}
        for index, step in enumerate(steps):
            if not str(step.get("title", "")).strip():
                errors[f"steps[{index}].title"] = "A step needs a title."
            if step.get("ladder_role") and step["ladder_role"] not in ProjectRole.Ladder.values:
                errors[f"steps[{index}].ladder_role"] = "Not a rung of the ladder."
            if not is_safe_url(step.get("link") or "/"):
                errors[f"steps[{index}].link"] = UNSAFE_LINK_MESSAGE
        if errors:
            raise ValidationError(errors)
        _replace_steps(path, [{**s, "source_key": s.get("source_key", "")} for s in steps])
    if title is not None:
        path.title = title
    if description is not None:
        path.description = description
    path.edited_at = timezone.now()
    path.save()
    return path


@transaction.atomic
def enrolment_create(*, path: OnboardingPath, user) -> Enrolment:
    enrolment, _ = Enrolment.objects.get_or_create(path=path, user=user)
    return enrolment


@transaction.atomic
def enrolment_step_tick(*, enrolment: Enrolment, step: OnboardingStep, done: bool = True) -> Enrolment:
    if step.path_id != enrolment.path_id:
        raise ValidationError({"step": "This step belongs to another path."})
    if done:
        StepCompletion.objects.get_or_create(enrolment=enrolment, step=step)
    else:
        StepCompletion.objects.filter(enrolment=enrolment, step=step).delete()
    return enrolment


@transaction.atomic
def maintainer_track_sync(*, project: Project) -> int:
    """Tick the maintainer-track milestones that enrolees have reached on the ladder."""
    ticked = 0
    for enrolment in Enrolment.objects.filter(
        path__project=project, path__track=OnboardingPath.Track.MAINTAINER
    ).select_related("user"):
        role = (
            ProjectRole.objects.filter(project=project, maintainer__user=enrolment.user)
            .values_list("role", flat=True)
            .first()
        )
        if not role or role == Ladder.EMERITUS:
            continue
        reached = ProjectRole.ORDER[: ProjectRole.ORDER.index(role) + 1]
        for step in enrolment.path.steps.filter(ladder_role__in=reached):
            _, created = StepCompletion.objects.get_or_create(enrolment=enrolment, step=step)
            ticked += created
    return ticked
