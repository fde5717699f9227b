"""manage.py kb import_notes DIR --project SLUG [--author USERNAME] — import a directory of handoff notes."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from kb.models import Project
from kb.services.handoff_notes import HandoffNoteError, handoff_notes_import

help = "Import Markdown handoff notes (optional YAML front matter: title, area, successor, date, private)."


def add_arguments(parser) -> None:
    parser.add_argument("directory", help="Directory of .md/.txt notes (read recursively)")
    parser.add_argument("--project", required=True, help="Project slug")
    parser.add_argument("--author", help="Username recorded as the notes' author")


def handle(command, *, directory: str, project: str, author: str | None = None, **options) -> None:
    target = Project.objects.filter(slug=project).first()
    if target is None:
        raise CommandError(f"No project with slug '{project}'.")
    author_user = None
    if author:
        author_user = get_user_model().objects.filter(username=author).first()
        if author_user is None:
            raise CommandError(f"No user named '{author}'.")
    try:
        report = handoff_notes_import(project=target, directory=Path(directory), author=author_user)
    except HandoffNoteError as exc:
        raise CommandError(str(exc)) from exc
    for skip in report.skipped:
        command.stderr.write(f"{Path(directory) / skip['path']}: skipped: {skip['reason']}")
    for warning in report.warnings:
        command.stderr.write(f"{Path(directory) / warning['path']}: warning: {warning['warning']}")
    command.stdout.write(f"Imported {len(report.imported)} handoff note(s) into {target.slug}.")
    if report.errors:
        for error in report.errors:
            # The error text starts with "line N:" when the line is known.
            command.stderr.write(f"{Path(directory) / error['path']}: {error['error']}")
        raise CommandError(f"{len(report.errors)} file(s) were not imported (listed above); the rest were.")
