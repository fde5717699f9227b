"""The weekly gap report: who gets one, what it says, and sending it exactly once per recipient and week.

Delivery bookkeeping (ReportSend, unique per recipient and ISO week):
1. get_or_create the row (PENDING), then claim it with a compare-and-set UPDATE
   (PENDING|FAILED -> SENDING). Only one worker can win the claim, so a retried or
   doubled task never sends the same week twice.
2. Send over SMTP. An SMTP error marks the row FAILED: the server refused it, so
   the next run (the Celery retry) sends it.
3. Mark SENT.
The crash window is between the server accepting the message and step 3: the row
stays SENDING and is NOT resent automatically, because resending would risk a
duplicate and we promise "at most once" (`manage.py onboarding send_reports`
lists such rows so an operator can check the mail log). Everything else is
retried: losing a recipient requires a worker death inside one SMTP conversation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kb.access import visible_projects_q
from kb.models import Project, ProjectMembership
from onboarding.gap_selectors import gap_audience_q, gap_audiences_for
from onboarding.models import (
    AreaOwner,
    Enrolment,
    Gap,
    HandoffItem,
    OnboardingPath,
    OnboardingStep,
    ReportSend,
    ReportSubscription,
    StepCompletion,
)

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "glacier.reports.unsubscribe"
NEWCOMER_RULES = (
    "placeholder-text", "broken-link", "newcomer-section-missing", "missing-issue-template",
    "missing-pr-template", "missing-code-of-conduct", "missing-security-policy", "stale-doc",
    "recurring-question", "unmet-search-demand", "missing-contributing",
)  # fmt: skip
STALL_DAYS = 14
SPARK = "▁▂▃▄▅▆▇█"


def iso_week(now: datetime) -> str:
    year, week, _ = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}"


def portal_url(path: str) -> str:
    return settings.GLACIER_BASE_URL.rstrip("/") + path


# ---- unsubscribe tokens -------------------------------------------------------------------------


def unsubscribe_token(*, user, project: Project | None = None) -> str:
    return signing.dumps(
        {"u": user.pk, "p": project.pk if project else None}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def unsubscribe_url(*, user, project: Project | None = None) -> str:
    return portal_url(
        reverse("onboarding:report-unsubscribe", args=[unsubscribe_token(user=user, project=project)])
    )


class InvalidUnsubscribeToken(ValueError):
    pass


def unsubscribe_token_read(token: str) -> tuple:
    """(user, project or None) for a genuine token; InvalidUnsubscribeToken for anything forged or stale."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise InvalidUnsubscribeToken("This unsubscribe link is not valid.") from exc
    user = get_user_model().objects.filter(pk=data.get("u")).first() if isinstance(data, dict) else None
    if user is None:
        raise InvalidUnsubscribeToken("This unsubscribe link is not valid.")
    project = Project.objects.filter(pk=data["p"]).first() if data.get("p") else None
    return user, project


@transaction.atomic
def report_unsubscribe(*, token: str) -> tuple:
    user, project = unsubscribe_token_read(token)
    ReportSubscription.objects.update_or_create(user=user, project=project, defaults={"unsubscribed": True})
    return user, project


@transaction.atomic
def report_unsubscribe_project(*, user, project: Project) -> None:
    ReportSubscription.objects.update_or_create(user=user, project=project, defaults={"unsubscribed": True})


def report_is_subscribed(*, user, project_slug: str) -> bool:
    return ReportSubscription.objects.filter(
        user=user, project__slug=project_slug, unsubscribed=False
    ).exists()


@transaction.atomic
def report_subscribe(*, user, project: Project) -> ReportSubscription:
    subscription, _ = ReportSubscription.objects.update_or_create(
        user=user, project=project, defaults={"unsubscribed": False}
    )
    return subscription


# ---- building a report --------------------------------------------------------------------------


@dataclass
class ProjectSection:
    project: Project
    url: str
    new: list[Gap] = field(default_factory=list)
    claimed: list[Gap] = field(default_factory=list)
    resolved: list[Gap] = field(default_factory=list)
    open_count: int = 0
    trend: list[tuple[str, int]] = field(default_factory=list)  # (week label, open gaps at its end)
    overdue_handoffs: list[dict] = field(default_factory=list)
    onboarding: dict | None = None
    area_gaps: list[Gap] = field(default_factory=list)
    top_open: list[Gap] = field(
        default_factory=list
    )  # the most pressing open gaps, for a maintainer's triage
    unsubscribe_url: str = ""  # for subscription-only sections

    @property
    def trend_max(self) -> int:
        return max([count for _, count in self.trend] or [0]) or 1

    @property
    def trend_bars(self) -> list[dict]:
        return [
            {"label": label, "count": count, "height": max(2, round(40 * count / self.trend_max))}
            for label, count in self.trend
        ]

    @property
    def sparkline(self) -> str:
        top = self.trend_max
        return "".join(
            SPARK[min(len(SPARK) - 1, round((len(SPARK) - 1) * count / top))] for _, count in self.trend
        )

    @property
    def is_empty(self) -> bool:
        return not (self.new or self.claimed or self.resolved or self.overdue_handoffs or self.open_count)


@dataclass
class Report:
    recipient: object
    week: str
    since: datetime
    maintained: list[ProjectSection] = field(default_factory=list)
    subscribed: list[ProjectSection] = field(default_factory=list)
    learning: list[dict] = field(default_factory=list)  # newcomer: progress and next gap per path
    unsubscribe_url: str = ""
    base_url: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.maintained or self.subscribed or self.learning)

    @property
    def subject(self) -> str:
        new = sum(len(s.new) for s in self.maintained + self.subscribed)
        resolved = sum(len(s.resolved) for s in self.maintained + self.subscribed)
        return f"Glacier weekly report {self.week}: {new} new, {resolved} resolved gaps"


class ReportBuilder:
    """Builds reports for one week; per-project figures are computed once and shared by all recipients."""

    def __init__(self, *, now: datetime | None = None):
        self.now = now or timezone.now()
        self.week = iso_week(self.now)
        self.since = self.now - timedelta(days=7)
        self._project_cache: dict[tuple[int, tuple[str, ...]], ProjectSection] = {}
        self._steps_cache: dict[int, list[OnboardingStep]] = {}
        self._newcomer_gap_cache: dict[int, Gap | None] = {}

    # Who gets a report ---------------------------------------------------------------------------

    def recipients(self):
        user_model = get_user_model()
        opted_out = ReportSubscription.objects.filter(project__isnull=True, unsubscribed=True).values(
            "user_id"
        )
        wanted = (
            Q(memberships__role=ProjectMembership.Role.MAINTAINER)
            | Q(maintainer__ownerships__role__in=[AreaOwner.Role.APPROVER, AreaOwner.Role.REVIEWER])
            | Q(enrolments__isnull=False)
            | Q(report_subscriptions__project__isnull=False, report_subscriptions__unsubscribed=False)
        )
        return (
            user_model.objects.filter(wanted, is_active=True)
            .exclude(email="")
            .exclude(pk__in=opted_out)
            .distinct()
            .order_by("pk")
        )

    # Sections ------------------------------------------------------------------------------------

    def _project_section(self, project: Project, audiences: list[str]) -> ProjectSection:
        """The project's figures as readers of `audiences` (gap_audiences_for) may see them."""
        key = (project.pk, tuple(sorted(audiences)))
        cached = self._project_cache.get(key)
        if cached is None:
            cached = self._compute_project_section(project, audiences)
            self._project_cache[key] = cached
        return cached

    def _compute_project_section(self, project: Project, audiences: list[str]) -> ProjectSection:
        section = ProjectSection(
            project=project, url=portal_url(reverse("onboarding:gap-board") + f"?project={project.slug}")
        )
        rows = list(
            Gap.objects.filter(project=project, audience__in=audiences).only(
                "pk",
                "project_id",
                "rule_id",
                "severity",
                "title",
                "state",
                "first_seen_at",
                "claimed_at",
                "resolved_at",
                "dismissed_at",
                "claimed_by_id",
                "area_id",
            )
        )
        for gap in rows:
            if gap.first_seen_at >= self.since:
                section.new.append(gap)
            if gap.state == Gap.State.CLAIMED and gap.claimed_at and gap.claimed_at >= self.since:
                section.claimed.append(gap)
            if gap.state == Gap.State.RESOLVED and gap.resolved_at and gap.resolved_at >= self.since:
                section.resolved.append(gap)
            if gap.is_active:
                section.open_count += 1
        weeks = settings.GLACIER_REPORT_TREND_WEEKS
        for back in range(weeks - 1, -1, -1):
            moment = self.now - timedelta(days=7 * back)
            section.trend.append((iso_week(moment), sum(1 for gap in rows if _open_at(gap, moment))))
        today = self.now.date()
        # Handoff checklists are the maintainers' business (the same rule as their gaps).
        handoffs_visible = Gap.Audience.MAINTAINERS in audiences
        for item in (HandoffItem.objects if handoffs_visible else HandoffItem.objects.none()).filter(
            checklist__plan__project=project, done_at__isnull=True, due_date__lt=today,
            checklist__completed_at__isnull=True,
        ).select_related("checklist__plan__maintainer"):  # fmt: skip
            section.overdue_handoffs.append(
                {"title": item.title, "maintainer": str(item.checklist.plan.maintainer),
                 "due_date": item.due_date, "days": (today - item.due_date).days}
            )  # fmt: skip
        section.onboarding = self._onboarding_summary(project)
        section.top_open = sorted(
            (gap for gap in rows if gap.state == Gap.State.OPEN),
            key=lambda g: (-Gap.SEVERITY_RANK.get(g.severity, 0), g.first_seen_at, g.pk),
        )[:5]
        for bucket in (section.new, section.claimed, section.resolved):
            bucket.sort(key=lambda g: (-Gap.SEVERITY_RANK.get(g.severity, 0), g.pk))
        return section

    def _onboarding_summary(self, project: Project) -> dict | None:
        enrolments = list(
            Enrolment.objects.filter(path__project=project)
            .select_related("user", "path")
            .annotate(done=Count("completions", distinct=True), last_done=Max("completions__completed_at"))
        )
        if not enrolments:
            return None
        steps = dict(
            OnboardingPath.objects.filter(project=project).annotate(n=Count("steps")).values_list("pk", "n")
        )
        stall_before = self.now - timedelta(days=STALL_DAYS)
        finished, stalled = 0, []
        for enrolment in enrolments:
            total = steps.get(enrolment.path_id, 0)
            if total and enrolment.done >= total:
                finished += 1
                continue
            last = enrolment.last_done or enrolment.started_at
            if last < stall_before:
                stalled.append({"user": enrolment.user.get_username(), "done": enrolment.done, "total": total,
                                "idle_days": (self.now - last).days})  # fmt: skip
        return {"enrolled": len(enrolments), "finished": finished, "stalled": stalled}

    def _maintained_projects(self, user) -> list[Project]:
        by_membership = ProjectMembership.objects.filter(
            user=user, role=ProjectMembership.Role.MAINTAINER
        ).values("project_id")
        by_area = AreaOwner.objects.filter(
            maintainer__user=user, role__in=[AreaOwner.Role.APPROVER, AreaOwner.Role.REVIEWER]
        ).values("area__project_id")
        return list(Project.objects.filter(Q(pk__in=by_membership) | Q(pk__in=by_area)).order_by("name"))

    def build(self, recipient, *, only_projects: set[int] | None = None) -> Report:
        """The report `recipient` gets this week. `only_projects` narrows it (a maintainer's preview)."""
        report = Report(
            recipient=recipient, week=self.week, since=self.since,
            unsubscribe_url=unsubscribe_url(user=recipient), base_url=settings.GLACIER_BASE_URL.rstrip("/"),
        )  # fmt: skip
        visible = set(Project.objects.filter(visible_projects_q(recipient)).values_list("pk", flat=True))
        if only_projects is not None:
            visible &= only_projects
        owned_area_ids = set(
            AreaOwner.objects.filter(
                maintainer__user=recipient, role__in=[AreaOwner.Role.APPROVER, AreaOwner.Role.REVIEWER]
            ).values_list("area_id", flat=True)
        )
        maintained_ids = set()
        for project in self._maintained_projects(recipient):
            if project.pk not in visible:
                continue
            maintained_ids.add(project.pk)
            # An area owner from OWNERS files is not necessarily a maintainer in kb/access.py terms.
            audiences = gap_audiences_for(recipient, project)
            shared = self._project_section(project, audiences)
            section = ProjectSection(**{**shared.__dict__})
            section.area_gaps = [
                g
                for g in Gap.objects.filter(
                    project=project,
                    area_id__in=owned_area_ids,
                    state__in=[Gap.State.OPEN, Gap.State.CLAIMED],
                    audience__in=audiences,
                ).select_related("area")[:10]
            ]
            report.maintained.append(section)
        subscriptions = ReportSubscription.objects.filter(
            user=recipient, project__isnull=False, unsubscribed=False
        ).select_related("project")
        for subscription in subscriptions:
            project = subscription.project
            if project.pk in maintained_ids or project.pk not in visible:
                continue
            shared = self._project_section(project, gap_audiences_for(recipient, project))
            section = ProjectSection(**{**shared.__dict__})
            section.overdue_handoffs, section.onboarding = [], None  # maintainers' business
            section.unsubscribe_url = unsubscribe_url(user=recipient, project=project)
            report.subscribed.append(section)
        report.learning = self._learning(recipient, visible)
        return report

    def _steps(self, path_id: int) -> list[OnboardingStep]:
        if path_id not in self._steps_cache:
            self._steps_cache[path_id] = list(
                OnboardingStep.objects.filter(path_id=path_id).order_by("position", "pk")
            )
        return self._steps_cache[path_id]

    def _newcomer_gap(self, project_id: int) -> Gap | None:
        """The open gap that suits a newcomer best: a newcomer-friendly rule, not high severity, oldest first."""
        if project_id not in self._newcomer_gap_cache:
            self._newcomer_gap_cache[project_id] = (
                Gap.objects.filter(
                    project_id=project_id,
                    state=Gap.State.OPEN,
                    rule_id__in=NEWCOMER_RULES,
                    audience=Gap.Audience.PUBLIC,
                )
                .exclude(severity=Gap.Severity.HIGH)
                .order_by("first_seen_at", "pk")
                .first()
            )
        return self._newcomer_gap_cache[project_id]

    def _learning(self, user, visible: set[int]) -> list[dict]:
        result = []
        enrolments = Enrolment.objects.filter(user=user, path__project_id__in=visible).select_related(
            "path__project"
        )
        for enrolment in enrolments:
            steps = self._steps(enrolment.path_id)
            done_ids = set(
                StepCompletion.objects.filter(enrolment=enrolment).values_list("step_id", flat=True)
            )
            next_step = next((s for s in steps if s.pk not in done_ids), None)
            gap = self._newcomer_gap(enrolment.path.project_id)
            mine = Gap.objects.filter(
                gap_audience_q(user), project=enrolment.path.project, claimed_by=user, state=Gap.State.CLAIMED
            )
            result.append(
                {
                    "project": enrolment.path.project,
                    "path": enrolment.path,
                    "done": len(done_ids & {s.pk for s in steps}),
                    "total": len(steps),
                    "percent": round(100 * len(done_ids & {s.pk for s in steps}) / len(steps))
                    if steps
                    else 0,
                    "next_step": next_step,
                    "next_gap": gap,
                    "next_gap_url": portal_url(reverse("onboarding:gap-detail", args=[gap.pk]))
                    if gap
                    else "",
                    "claimed": list(mine[:5]),
                }
            )
        return result


def _open_at(gap: Gap, moment: datetime) -> bool:
    """Was the gap open (found, not yet resolved or dismissed) at `moment`? From the lifecycle timestamps."""
    if gap.first_seen_at > moment:
        return False
    if gap.resolved_at and gap.resolved_at <= moment and gap.state == Gap.State.RESOLVED:
        return False
    return not (gap.dismissed_at and gap.dismissed_at <= moment)


def report_render(report: Report) -> tuple[str, str, str]:
    """(subject, plain text, HTML)."""
    context = {
        "report": report,
        "gap_base": portal_url(reverse("onboarding:gap-board")),
        "rules_base": portal_url(reverse("onboarding:gap-rules")),
    }
    text = render_to_string("emails/weekly_report.txt", context)
    html = render_to_string("emails/weekly_report.html", context)
    return report.subject, text, html


def report_message(report: Report, *, connection=None) -> EmailMultiAlternatives:
    subject, text, html = report_render(report)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[report.recipient.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{report.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": make_msgid("glacier-report"),
            "X-Glacier-Report-Week": report.week,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


# ---- sending ------------------------------------------------------------------------------------


@dataclass
class SendOutcome:
    week: str
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # already sent (or being sent) this week, or empty
    failed: list[int] = field(default_factory=list)
    previews: list[tuple[str, str]] = field(default_factory=list)  # dry run: (email, subject)
    stuck: list[int] = field(default_factory=list)  # SENDING rows left by a crash (never resent)

    def as_dict(self) -> dict:
        return {"week": self.week, "sent": len(self.sent), "skipped": len(self.skipped), "failed": len(self.failed),
                "stuck": len(self.stuck)}  # fmt: skip


def _claim_send(*, recipient, week: str, now: datetime) -> ReportSend | None:
    try:
        with transaction.atomic():
            row, _ = ReportSend.objects.get_or_create(recipient=recipient, week=week)
    except IntegrityError:  # another worker created it first
        row = ReportSend.objects.get(recipient=recipient, week=week)
    won = ReportSend.objects.filter(
        pk=row.pk, status__in=[ReportSend.Status.PENDING, ReportSend.Status.FAILED]
    ).update(status=ReportSend.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return row if won else None


def reports_send(*, now: datetime | None = None, dry_run: bool = False, connection=None) -> SendOutcome:
    """Send this week's report to every recipient that has not had it yet (see module docstring)."""
    builder = ReportBuilder(now=now)
    outcome = SendOutcome(week=builder.week)
    if not dry_run:
        connection = connection or get_connection(fail_silently=False)
    # Recipients already served this week are skipped before any work; the claim below is what guarantees it.
    done = set(
        ReportSend.objects.filter(
            week=builder.week, status__in=[ReportSend.Status.SENT, ReportSend.Status.SENDING]
        ).values_list("recipient_id", flat=True)
    )
    for recipient in builder.recipients().iterator(chunk_size=200):
        if recipient.pk in done and not dry_run:
            outcome.skipped.append(recipient.pk)
            continue
        report = builder.build(recipient)
        if report.is_empty:
            outcome.skipped.append(recipient.pk)
            continue
        if dry_run:
            outcome.previews.append((recipient.email, report.subject))
            continue
        row = _claim_send(recipient=recipient, week=builder.week, now=builder.now)
        if row is None:
            outcome.skipped.append(recipient.pk)
            continue
        try:
            message = report_message(report, connection=connection)
            message.send(fail_silently=False)
        except Exception as exc:  # SMTP refusal or connection loss: the row goes back to the retry pool
            ReportSend.objects.filter(pk=row.pk).update(
                status=ReportSend.Status.FAILED, error=str(exc)[:2000]
            )
            outcome.failed.append(recipient.pk)
            _reset_connection(connection)
            continue
        try:
            ReportSend.objects.filter(pk=row.pk).update(
                status=ReportSend.Status.SENT,
                sent_at=timezone.now(),
                error="",
                message_id=message.extra_headers["Message-ID"],
            )
        except DatabaseError:  # delivered but not recorded: leave SENDING (never resent) and go on
            logger.exception("report to user %s was sent but could not be marked sent", recipient.pk)
            continue
        outcome.sent.append(recipient.pk)
    outcome.stuck = list(
        ReportSend.objects.filter(week=builder.week, status=ReportSend.Status.SENDING)
        .exclude(recipient_id__in=outcome.sent)
        .values_list("recipient_id", flat=True)
    )
    if connection is not None and not dry_run:
        connection.close()
    return outcome


def _reset_connection(connection) -> None:
    """After a failure the SMTP session may be half-open; close it so the next message reconnects."""
    try:
        connection.close()
    except Exception:  # closing a dead connection can itself fail; the next send reopens it
        pass


def report_preview(*, viewer, recipient, now: datetime | None = None) -> tuple[str, str, str]:
    """A recipient's report as `viewer` may see it: staff see it all, maintainers only their projects."""
    builder = ReportBuilder(now=now)
    only = None
    if not (viewer.is_staff or viewer.is_superuser):
        only = set(
            ProjectMembership.objects.filter(user=viewer, role=ProjectMembership.Role.MAINTAINER).values_list(
                "project_id", flat=True
            )
        )
    return report_render(builder.build(recipient, only_projects=only))


def recipients_for_preview(*, viewer) -> list:
    builder = ReportBuilder()
    users = builder.recipients()
    if viewer.is_staff or viewer.is_superuser:
        return list(users[:500])
    projects = ProjectMembership.objects.filter(user=viewer, role=ProjectMembership.Role.MAINTAINER).values(
        "project_id"
    )
    related = (
        Q(memberships__project_id__in=projects)
        | Q(enrolments__path__project_id__in=projects)
        | Q(report_subscriptions__project_id__in=projects)
    )
    return list(users.filter(related).distinct()[:500])


@transaction.atomic
def report_opt_out_set(*, user, opted_out: bool) -> ReportSubscription:
    """Turn every weekly report e-mail off for `user` (or back on); project choices are kept."""
    subscription, _ = ReportSubscription.objects.update_or_create(
        user=user, project=None, defaults={"unsubscribed": opted_out}
    )
    return subscription
