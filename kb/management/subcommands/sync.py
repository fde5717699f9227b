"""manage.py kb sync <path | git URL | github:OWNER/NAME> [--project SLUG]"""

from __future__ import annotations

import sys
import time
from collections import Counter

from django.core.management.base import CommandError

from kb.services.sync import SyncError, sync_target

help = "Sync a project's docs from a local path, a git URL (cloned under var/repos/) or github:OWNER/NAME."


def add_arguments(parser) -> None:
    parser.add_argument("target", help="a directory, a git URL, or github:OWNER/NAME")
    parser.add_argument("--project", dest="slug", help="project slug (default: the directory or repo name)")
    parser.add_argument("--no-progress", action="store_true", help="never draw a progress bar")


def handle(command, *, target: str, slug: str | None = None, no_progress: bool = False, **options) -> None:
    bar = None
    progress = None
    if not no_progress and _is_terminal(command.stdout):
        from tqdm import tqdm

        bar = tqdm(unit="file", desc="Reading", file=sys.stderr, dynamic_ncols=True)

        def progress(done: int, total: int, path: str) -> None:
            bar.total = total
            bar.update(done - bar.n)

    started = time.perf_counter()
    try:
        sync_run = sync_target(target, slug=slug, progress=progress)
    except SyncError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        if bar is not None:
            bar.close()
    command.stdout.write(summary_table(sync_run, took=time.perf_counter() - started))


def summary_table(sync_run, *, took: float | None = None) -> str:
    """Counts and skip reasons; `took` is wall-clock time including search indexing after the commit."""
    rows = [
        ("Project", sync_run.project.slug),
        ("Source", f"{sync_run.source} {sync_run.target}"),
        ("Status", sync_run.status),
        ("Added", sync_run.added),
        ("Updated", sync_run.updated),
        ("Unchanged", sync_run.unchanged),
        ("Deleted", sync_run.deleted),
        ("Skipped", sync_run.skipped),
        ("Index repaired", sync_run.repaired),
        ("Errors/warnings", len(sync_run.errors)),
    ]
    if took is not None:
        rows.append(("Took", f"{took:.1f}s"))
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {value}" for label, value in rows]
    reasons = Counter(_reason_family(skip["reason"]) for skip in sync_run.skips)
    if reasons:
        lines.append("")
        lines.append("Skipped files by reason:")
        lines += [f"  {count:>5}  {reason}" for reason, count in reasons.most_common()]
        lines += [f"         {skip['path']}: {skip['reason']}" for skip in sync_run.skips[:20]]
        if len(sync_run.skips) > 20:
            lines.append(f"         ... and {len(sync_run.skips) - 20} more (see the sync run in the admin)")
    if sync_run.errors:
        lines.append("")
        lines.append("Errors and warnings:")
        for error in sync_run.errors[:20]:
            where = error.get("item", "")
            if error.get("line"):
                where += f":{error['line']}"
            lines.append(f"  {where}: {error.get('error', '')}")
    return "\n".join(lines)


def _reason_family(reason: str) -> str:
    """'larger than 1048576 bytes (2000000)' -> 'larger than 1048576 bytes'."""
    return reason.split(" (")[0].split(" at line")[0]


def _is_terminal(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
