"""manage.py onboarding send_reports [--dry-run] — send this week's gap reports (at most once each)."""

from onboarding.services.reports import reports_send

help = "Send the weekly gap report to everyone who has not had this week's yet."


def add_arguments(parser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="Build the reports and list them; send nothing."
    )


def handle(command, *, dry_run=False, **options) -> None:
    outcome = reports_send(dry_run=dry_run)
    if dry_run:
        for email, subject in outcome.previews:
            command.stdout.write(f"would send to {email}: {subject}")
        command.stdout.write(f"{len(outcome.previews)} reports for {outcome.week} (dry run, nothing sent)")
        return
    command.stdout.write(
        f"{outcome.week}: {len(outcome.sent)} sent, {len(outcome.skipped)} skipped (already sent or empty), "
        f"{len(outcome.failed)} failed (will be retried)"
    )
    if outcome.stuck:
        command.stdout.write(
            f"{len(outcome.stuck)} sends were interrupted after reaching the mail server and are not retried "
            "automatically (to avoid duplicates); check the mail log for recipient ids "
            + ", ".join(map(str, outcome.stuck))
        )
