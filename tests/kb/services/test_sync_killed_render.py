"""SIGKILL of a real `manage.py kb sync` while its render workers run: the next sync is not blocked.

Render workers used to be forks of the sync and inherited its per-project lock file, so a
killed sync left them holding the flock and the next sync waited for up to an hour.
"""

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from kb.rendering import MAX_MARKUP_UNITS

ROOT = Path(__file__).resolve().parents[3]
LIVENESS_SECONDS = 30  # a bound on waiting, not a measurement: the lock is normally free at once
SLOW_BODY = "![" * (MAX_MARKUP_UNITS // 5 - 100)  # seconds of render work, within every limit


def manage(env, *args):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie has exited and only waits to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


def lock_is_free(path: Path) -> bool:
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return True


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_sigkill_mid_render_leaves_no_worker_and_no_lock(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(300):
        (docs / f"page-{n:03}.md").write_text(f"# Page {n}\n\nSome *text* about page {n}.\n")
    for n in range(4):
        (docs / f"slow-{n}.md").write_text(SLOW_BODY)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GLACIER_INDEX_DIR": str(tmp_path / "index"),
        "GLACIER_REPOS_DIR": str(tmp_path / "repos"),
    }
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "GLACIER_SEARCH_BACKEND"):
        env.pop(name, None)
    assert manage(env, "migrate", "-v0").wait(timeout=180) == 0

    victim = manage(env, "kb", "sync", str(docs), "--no-progress")
    # Mid-render: the sync has started render workers (the forkserver and its children).
    assert wait_until(lambda: len(descendants(victim.pid)) >= 2 or victim.poll() is not None, 120)
    assert victim.poll() is None, victim.communicate(timeout=5)
    workers = descendants(victim.pid)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)

    lock = tmp_path / "repos" / ".locks" / "project-1-local.lock"  # kb.services.sync_runs.project_lock
    assert lock.exists()
    assert wait_until(lambda: lock_is_free(lock), LIVENESS_SECONDS), "a dead sync's workers hold the lock"
    assert wait_until(lambda: not any(alive(pid) for pid in workers), LIVENESS_SECONDS), "workers outlived it"

    again = manage(env, "kb", "sync", str(docs), "--no-progress")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    stored = db.execute("select count(*) from kb_document where path like 'page-%'").fetchone()[0]
    slow = db.execute("select count(*) from kb_document where path like 'slow-%'").fetchone()[0]
    status, skipped = db.execute("select status, skipped from kb_syncrun order by id desc limit 1").fetchone()
    # A slow file renders, or on a busy machine runs past its budget and is skipped: either way once.
    assert (status, stored, slow + skipped) == ("succeeded", 300, 4)
