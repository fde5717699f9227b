"""Rendering many Markdown bodies with a time budget per body.

`render_bodies` answers, for each body, either its HTML or the reason it was
not rendered (over the markup limits, over the time budget, the renderer died).
Big batches go to worker processes; the parent hands out one body at a time and
kills a worker whose body runs past the budget, so one hostile file costs at
most the budget and the rest of the batch still renders.

Workers are started with forkserver (spawn where that is missing), never by
forking the caller: a forked child would inherit the caller's descriptors,
among them the per-project sync lock, and keep the lock held after the caller
was killed. Each worker also asks Linux to kill it when its parent dies, and
leaves its loop when the pipe to the parent closes.

Nothing here imports Django: the workers import only kb.rendering.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from kb.rendering import RenderError, render_markdown

logger = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1
WORKER_START_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Rendered:
    html: str | None
    reason: str = ""  # why html is None


class _RenderTimeout(BaseException):
    """Raised by the alarm; a BaseException so that the renderer's own handlers cannot swallow it."""


def render_bodies(bodies: list[str], *, budget: float, workers: int, parallel: bool) -> list[Rendered]:
    """HTML (or the reason there is none) for each body, in order."""
    if parallel and workers > 1 and len(bodies) > 1 and not multiprocessing.current_process().daemon:
        try:
            return _render_in_pool(bodies, budget=budget, workers=min(workers, len(bodies)))
        except OSError:
            pass  # no processes to be had: render here instead
    return [_render_here(body, budget=budget) for body in bodies]


def _render_one(body: str) -> Rendered:
    try:
        return Rendered(render_markdown(body))
    except RenderError as exc:
        return Rendered(None, str(exc))
    except Exception as exc:  # a parser bug should cost one file, not the whole sync
        logger.exception("the Markdown renderer failed")
        return Rendered(None, f"the Markdown renderer failed ({type(exc).__name__})")


def _render_here(body: str, *, budget: float) -> Rendered:
    try:
        with _alarm(budget):
            return _render_one(body)
    except _RenderTimeout:
        return Rendered(None, _over_budget(budget))


def _over_budget(budget: float) -> str:
    return f"took longer than {budget:g} s to render (the per-file time budget)"


@contextlib.contextmanager
def _alarm(seconds: float):
    """Interrupt the block after `seconds` with SIGALRM where that is ours to use (the main
    thread, no timer already running); elsewhere only the renderer's own input limits apply."""
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable or seconds <= 0:
        yield
        return

    def on_alarm(signum, frame):
        raise _RenderTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _context():
    try:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["kb.rendering"])
        return context
    except ValueError:
        return multiprocessing.get_context("spawn")


class _Worker:
    def __init__(self, context):
        self.conn, child_conn = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child_conn,), daemon=True)
        self.process.start()
        child_conn.close()
        self.job: int | None = None
        self.started = 0.0

    def wait_ready(self) -> None:
        """The budget counts from here: a worker's start-up is not its first file's time."""
        if not self.conn.poll(WORKER_START_TIMEOUT_SECONDS) or self.conn.recv() != "ready":
            self.stop(kill=True)
            raise OSError("a render worker did not start")

    def give(self, index: int, body: str) -> None:
        self.job, self.started = index, time.monotonic()
        self.conn.send((index, body))

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _render_in_pool(bodies: list[str], *, budget: float, workers: int) -> list[Rendered]:
    context = _context()
    results: list[Rendered | None] = [None] * len(bodies)
    queue = list(range(len(bodies) - 1, -1, -1))  # popped from the end: in order
    pool = [_Worker(context) for _ in range(workers)]
    try:
        for worker in pool:
            worker.wait_ready()
        busy: dict[Connection, _Worker] = {}
        while queue or busy:
            for worker in pool:
                if worker.job is None and queue:
                    index = queue.pop()
                    worker.give(index, bodies[index])
                    busy[worker.conn] = worker
            now = time.monotonic()
            timeout = max(0.0, min(w.started + budget for w in busy.values()) - now)
            for conn in wait(list(busy), timeout=timeout):
                worker = busy.pop(conn)
                try:
                    index, html, reason = conn.recv()
                    results[index] = Rendered(html, reason)
                    worker.job = None
                except (EOFError, OSError):  # the worker died (killed, out of memory): replace it
                    results[worker.job] = Rendered(None, "the Markdown renderer died on this file")
                    pool[pool.index(worker)] = _replace(worker, context)
            now = time.monotonic()
            for conn, worker in list(busy.items()):
                if now - worker.started >= budget:
                    del busy[conn]
                    results[worker.job] = Rendered(None, _over_budget(budget))
                    pool[pool.index(worker)] = _replace(worker, context)
    finally:
        for worker in pool:
            worker.stop(kill=worker.job is not None)
    return [result or Rendered(None, "not rendered") for result in results]


def _replace(worker: _Worker, context) -> _Worker:
    worker.stop(kill=True)
    replacement = _Worker(context)
    replacement.wait_ready()
    return replacement


def _worker_main(conn: Connection) -> None:
    _die_with_parent()
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if job is None:
            return
        index, body = job
        rendered = _render_one(body)
        conn.send((index, rendered.html, rendered.reason))


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when the process that started it dies (a forkserver child's
    parent is the forkserver, which itself exits when the caller does)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)
