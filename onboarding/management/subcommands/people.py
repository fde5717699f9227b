"""manage.py onboarding people [--project SLUG] — re-import owners and recompute risk figures."""

from django.core.management.base import CommandError

from kb.models import Project
from onboarding.services.refresh import project_people_refresh

help = "Import maintainers and areas from ownership files and recompute bus/elephant factors."


def add_arguments(parser) -> None:
    parser.add_argument("--project", help="Project slug (default: every project)")


def handle(command, **options) -> None:
    projects = Project.objects.all()
    if options.get("project"):
        projects = projects.filter(slug=options["project"])
        if not projects.exists():
            raise CommandError(f"No project with slug {options['project']!r}.")
    for project in projects:
        report = project_people_refresh(project=project)
        people, risk = report.people, report.risk
        command.stdout.write(
            f"{project.slug}: {people.files} ownership files, {people.people} people, "
            f"{risk.areas} areas, {risk.commits} commits by {risk.contributors} people, "
            f"bus factor {risk.bus_factor}, elephant factor {risk.elephant_factor}, {risk.silos} silos, "
            f"{len(risk.bots)} bots left out"
        )
        for error in risk.affiliation_map_errors:
            command.stderr.write(f"  {error}")
        for error in people.errors:
            where = f"{error['path']}:{error['line']}" if error["line"] else error["path"]
            command.stderr.write(f"  {where}: {error['error']}")
