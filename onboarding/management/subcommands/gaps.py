"""manage.py onboarding gaps [--project SLUG] — run the gap detectors and print what changed."""

from django.core.management.base import CommandError

from kb.models import Project
from onboarding.services.gaps import gaps_detect

help = "Run the documentation-gap detectors for one project or all of them."


def add_arguments(parser) -> None:
    parser.add_argument("--project", help="Project slug (default: every project)")


def handle(command, *, project=None, **options) -> None:
    projects = Project.objects.all()
    if project:
        projects = projects.filter(slug=project)
        if not projects.exists():
            raise CommandError(f"No project with slug {project!r}.")
    for item in projects:
        result = gaps_detect(project=item)
        command.stdout.write(
            f"{item.slug}: {result.found} gaps found, {len(result.created)} new, "
            f"{len(result.resolved)} resolved, {len(result.reopened)} reopened"
        )
        for rule_id, reason in sorted(result.skipped_rules.items()):
            command.stdout.write(f"  skipped {rule_id}: {reason}")
