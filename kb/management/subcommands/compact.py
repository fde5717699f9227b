"""manage.py kb compact [--project SLUG] [--force] — compact documents into glacier pages."""

import time

from django.core.management.base import CommandError

from kb.models import Project
from kb.services.glaciers import glacier_compact

help = "Compact each project's docs, issues and notes into knowledge-glacier topic pages."


def add_arguments(parser) -> None:
    parser.add_argument("--project", metavar="SLUG", help="Only this project (default: every project)")
    parser.add_argument(
        "--force", action="store_true", help="Rebuild even when nothing changed since the last run"
    )


def handle(command, **options) -> None:
    slug = options.get("project")
    projects = Project.objects.order_by("slug")
    if slug:
        projects = projects.filter(slug=slug)
        if not projects.exists():
            raise CommandError(f"No project with slug {slug!r}.")
    for project in projects:
        started = time.perf_counter()
        result = glacier_compact(project=project, force=options.get("force", False))
        took = time.perf_counter() - started
        if result.skipped:
            command.stdout.write(f"{project.slug}: nothing changed since the last compaction ({took:.1f}s).")
            continue
        command.stdout.write(
            f"{project.slug}: {result.topics} topics; pages {result.pages_created} new, "
            f"{result.pages_updated} updated, {result.pages_unchanged} unchanged, {result.pages_retired} retired; "
            f"{result.revisions_created} revisions in {took:.1f}s."
        )
