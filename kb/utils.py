"""Small helpers with no better home."""

import fcntl
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path, PurePosixPath


def batched(items: Iterable, size: int) -> Iterator[tuple]:
    """itertools.batched, which arrives only in Python 3.12."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


@contextmanager
def exclusive_file_lock(
    path: Path, *, timeout: float, on_timeout: Callable[[], Exception], poll: float = 0.05
) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created if missing), shared by every process on the machine.

    Waits at most `timeout` seconds, then raises the exception `on_timeout()` returns.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(path, "a+") as lock_file:
        while True:
            try:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise on_timeout() from None
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


def symlink_reason(root: Path, relative: str) -> str | None:
    """Why `relative` under `root` must not be read because of a symbolic link, or None if none is involved.

    Every component is checked, so a file under a linked directory is caught too. The
    reason says whether the link leads out of `root`, for the person reading the skips.
    """
    root = Path(os.path.realpath(root))
    parts = PurePosixPath(relative).parts
    current = root
    for depth, part in enumerate(parts, start=1):
        current = current / part
        if current.is_symlink():
            target = Path(os.path.realpath(current))
            where = "inside" if target == root or root in target.parents else "outside"
            what = (
                "symbolic link"
                if depth == len(parts)
                else f"under the symbolic link {'/'.join(parts[:depth])}"
            )
            return f"{what} (points {where} the tree; links are not followed)"
    return None


def kill_point_for_tests(name: str) -> None:
    """Test hook: SIGKILL this process here when GLACIER_TEST_KILL_AT names this point.

    The crash-consistency tests (tests/kb/services/test_sync_kill.py) run real
    `manage.py kb sync` processes with it set; nothing else sets it. Points:
    "before_commit" (documents written, transaction open), "after_db_commit"
    (committed, not yet indexed) and "mid_index" (half of the entries handed to
    the index).
    """
    if os.environ.get("GLACIER_TEST_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
