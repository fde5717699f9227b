"""Benchmark: every gap detector over every corpus in ../shared/corpus/, and weekly reports at scale.

    python bench/gaps.py [--recipients 1000] [--projects 200]

Runs on a throw-away SQLite database in a temp dir (set before django.setup()).
Each figure is printed beside a baseline measured in the same run:
  detection   vs  loading the same documents into the detectors' context (the floor any rule pays)
  reports     vs  rendering one already-built report N times (templates only, no per-recipient reads)
Peak memory is tracemalloc's peak of Python allocations during each step.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TMP = tempfile.mkdtemp(prefix="glacier-bench-gaps-")
os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ["GLACIER_INDEX_DIR"] = f"{TMP}/index"
os.environ["GLACIER_VAR_DIR"] = TMP
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A throw-away key: settings refuse to start without one outside DEBUG (and DEBUG would
# slow the ORM down with query logging).
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(48))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402


def measure(func, *, reset=None):
    """(result, wall seconds, peak MB): timed on a plain run, then run again under tracemalloc for the peak
    (tracemalloc slows Python several-fold, so it never runs during the timed pass). `reset` restores the
    state between the two passes for steps that are not repeatable as such (first runs, sending)."""
    started = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - started
    if reset is not None:
        reset()
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, elapsed, peak / 1e6


def measure_once(func):
    started = time.perf_counter()
    result = func()
    return result, time.perf_counter() - started, 0.0


def row(label, seconds, peak, base_seconds=None, base_peak=None):
    ratio = f"{seconds / base_seconds:7.1f}x" if base_seconds else "      -"
    mem_ratio = f"{peak / base_peak:6.1f}x" if base_peak else "     -"
    print(f"  {label:<44} {seconds * 1000:10.1f} ms {peak:9.2f} MB   time {ratio}  mem {mem_ratio}")


def bench_detectors() -> None:
    from onboarding.gaps import DetectionContext
    from onboarding.models import Gap
    from onboarding.services.gaps import gaps_detect
    from tests.onboarding.gaps.corpus import SHARED_CORPUS, corpus_names, load_corpus

    names = corpus_names()
    print(f"\n== Gap detectors over {SHARED_CORPUS} ({len(names)} corpora)")
    if not names:
        print("  ../shared/corpus/ not found: nothing to measure")
        return
    for name in names:
        project, load_s, _ = measure_once(lambda name=name: load_corpus(name))
        docs = project.documents.count()
        print(f"-- {name}: {docs} documents (ingest into the DB took {load_s:.2f}s)")
        now = timezone.now()
        _, base_s, base_mb = measure(
            lambda project=project, now=now: DetectionContext.load(project=project, now=now)
        )
        row("baseline: load documents into the context", base_s, base_mb)
        result, first_s, first_mb = measure(
            lambda project=project, now=now: gaps_detect(project=project, now=now),
            reset=lambda project=project: Gap.objects.filter(project=project).delete(),
        )
        row(f"first detection run ({result.found} gaps)", first_s, first_mb, base_s, base_mb)
        again, second_s, second_mb = measure(
            lambda project=project, now=now: gaps_detect(project=project, now=now)
        )
        row(f"re-run, nothing changed ({len(again.created)} new)", second_s, second_mb, base_s, base_mb)
        counts = {}
        for rule_id in Gap.objects.filter(project=project).values_list("rule_id", flat=True):
            counts[rule_id] = counts.get(rule_id, 0) + 1
        print("    by rule: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        if result.skipped_rules:
            print("    skipped: " + "; ".join(f"{k} ({v[:60]})" for k, v in result.skipped_rules.items()))


def generate_world(*, projects: int, recipients: int) -> None:
    """200 projects with gaps across eight weeks, maintainers, newcomers on paths, and subscribers."""
    from django.contrib.auth import get_user_model

    from kb.models import Project, ProjectMembership
    from onboarding.models import (
        Enrolment,
        Gap,
        HandoffChecklist,
        HandoffItem,
        Maintainer,
        OnboardingPath,
        OnboardingStep,
        ReportSubscription,
        StepCompletion,
        SuccessionPlan,
    )

    now = timezone.now()
    rules = ["placeholder-text", "broken-link", "stale-doc", "missing-security-policy", "owners-stale-file",
             "newcomer-section-missing", "knowledge-silo", "unmet-search-demand"]  # fmt: skip
    project_rows = Project.objects.bulk_create(
        [Project(slug=f"gen-{i:03d}", name=f"Generated project {i:03d}") for i in range(projects)]
    )
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(username=f"person{i:04d}", email=f"person{i:04d}@example.org")
            for i in range(recipients)
        ]
    )
    gaps = []
    for p_index, project in enumerate(project_rows):
        for g in range(30):
            first_seen = now - timedelta(days=(g * 7 + p_index) % 56, hours=g)
            state = ["open", "open", "claimed", "resolved", "dismissed"][g % 5]
            gaps.append(Gap(
                project=project, rule_id=rules[g % len(rules)], fingerprint=f"{p_index}-{g}",
                severity=["low", "medium", "high"][g % 3], title=f"Gap {g} of {project.slug}",
                evidence={"summary": "generated"}, suggestion={"action": "edit", "path": "README.md", "outline": []},
                state=state, first_seen_at=first_seen, last_seen_at=now,
                claimed_at=first_seen + timedelta(days=1) if state == "claimed" else None,
                resolved_at=first_seen + timedelta(days=3) if state == "resolved" else None,
                dismissed_at=first_seen + timedelta(days=2) if state == "dismissed" else None,
            ))  # fmt: skip
    Gap.objects.bulk_create(gaps, batch_size=1000)
    maintainers = users[:projects]  # one maintainer per project
    newcomers = users[projects : projects + 300]
    subscribers = users[projects + 300 :]
    ProjectMembership.objects.bulk_create(
        [
            ProjectMembership(project=p, user=u, role="maintainer")
            for p, u in zip(project_rows, maintainers, strict=True)
        ]
    )
    for index, project in enumerate(project_rows[:50]):
        person = Maintainer.objects.create(github_login=f"gh{index}")
        plan = SuccessionPlan.objects.create(project=project, maintainer=person)
        checklist = HandoffChecklist.objects.create(plan=plan)
        HandoffItem.objects.create(checklist=checklist, kind="transfer_access", title="Release keys",
                                   due_date=(now - timedelta(days=5)).date())  # fmt: skip
    paths = []
    for project in project_rows:
        path = OnboardingPath.objects.create(project=project, title=f"Start with {project.slug}")
        OnboardingStep.objects.bulk_create(
            [OnboardingStep(path=path, position=i, title=f"Step {i}") for i in range(5)]
        )
        paths.append(path)
    for index, user in enumerate(newcomers):
        enrolment = Enrolment.objects.create(path=paths[index % len(paths)], user=user)
        for step in list(enrolment.path.steps.all())[: index % 4]:
            StepCompletion.objects.create(enrolment=enrolment, step=step)
    ReportSubscription.objects.bulk_create(
        [
            ReportSubscription(user=u, project=project_rows[(i * 3 + k) % projects])
            for i, u in enumerate(subscribers)
            for k in range(3)
        ]  # fmt: skip
    )


def bench_reports(*, projects: int, recipients: int) -> None:
    from django.core import mail

    from onboarding.models import ReportSend
    from onboarding.services.reports import ReportBuilder, report_render, reports_send

    print(f"\n== Weekly reports: {recipients} recipients across {projects} projects (generated)")
    _, gen_s, _ = measure_once(lambda: generate_world(projects=projects, recipients=recipients))
    print(f"  (generating the data took {gen_s:.1f}s)")
    builder = ReportBuilder()
    users = list(builder.recipients())
    sample = builder.build(users[0])

    def baseline():
        for _ in users:
            report_render(sample)

    _, base_s, base_mb = measure(baseline)
    row(f"baseline: render one report x {len(users)}", base_s, base_mb)

    def build_all():
        fresh = ReportBuilder()
        return sum(1 for user in users if report_render(fresh.build(user)))

    count, build_s, build_mb = measure(build_all)
    row(f"build + render {count} personal reports", build_s, build_mb, base_s, base_mb)

    def forget_sends():
        ReportSend.objects.all().delete()
        mail.outbox.clear()

    outcome, send_s, send_mb = measure(lambda: reports_send(), reset=forget_sends)
    row(f"send (locmem SMTP), {len(outcome.sent)} sent", send_s, send_mb, base_s, base_mb)
    again, again_s, again_mb = measure(lambda: reports_send())
    row(f"second run same week ({len(again.sent)} sent)", again_s, again_mb, base_s, base_mb)
    assert len(mail.outbox) == len(outcome.sent) == ReportSend.objects.filter(status="sent").count()
    print(f"  per recipient: {build_s / max(count, 1) * 1000:.2f} ms build+render, "
          f"{send_s / max(len(outcome.sent), 1) * 1000:.2f} ms send")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--projects", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"database: {os.environ['DATABASE_URL']}")
    bench_detectors()
    bench_reports(projects=args.projects, recipients=args.recipients)


if __name__ == "__main__":
    main()
