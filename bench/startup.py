#!/usr/bin/env python
"""Benchmark: how long a Glacier process takes to start, timed as whole processes.

Each command is a fresh `python` process, run --runs times (default 10) after one
untimed warm-up, the commands interleaved round-robin so a busy machine slows them
alike. Wall time (median, p90) and the child's CPU time (user+sys, median; steadier
than wall time when other work shares the cores) are printed, with ratios against
the baselines measured in the same run:

  Django alone      `python -m django check` (django-admin check) with the same settings
                    minus Glacier's own apps (kb, onboarding) and a URLconf of Django's
                    admin and auth views only: what Django, DRF, Celery's app and the
                    database driver cost before any Glacier code runs. The target
                    (a manage.py command within 1.3x of Django's start-up) is against this.
  django.setup()    `django.setup()` with config.settings, Glacier's apps included.

Measured: `manage.py check`, `manage.py help`, `manage.py kb --help`,
`manage.py onboarding --help`, and `manage.py kb search` on an empty database (the
cheapest kb command that opens the database and the search index).

Everything runs on a throwaway GLACIER_VAR_DIR (SQLite database, Whoosh index), so no
real data is touched; DATABASE_URL, Celery and search-backend variables of the calling
shell are ignored. Bytecode is cached (in the scratch directory) as in a user's Python.
--profile adds, per command, the packages that take the most import time
(python -X importtime, self time summed per top-level package).

    python bench/startup.py [--runs 10] [--profile]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TARGET = 1.3

DJANGO_ONLY_SETTINGS = '''\
"""Glacier's settings without Glacier's apps: the baseline of bench/startup.py."""
from config.settings import *  # noqa: F403

INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in ("kb", "onboarding")]  # noqa: F405
ROOT_URLCONF = "bench_startup_django_urls"
'''

DJANGO_ONLY_URLS = """\
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
]
"""


def scratch_env(tmp: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "GLACIER_SEARCH_BACKEND"}
        and not key.startswith("PYTHONPROFILE")
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["GLACIER_VAR_DIR"] = str(tmp / "var")
    env["GLACIER_INDEX_DIR"] = str(tmp / "index")
    # Settings refuse to start outside DEBUG without a key; DEBUG itself would change what is timed.
    env.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
    env["PYTHONPATH"] = os.pathsep.join([str(tmp), str(ROOT)])
    env.pop("PYTHONIMPORTTIME", None)
    # Bytecode cached as a user's Python does (a shell with PYTHONDONTWRITEBYTECODE would
    # recompile Glacier's modules on every start), kept in the scratch directory.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return env


def commands() -> list[tuple[str, list[str], bool]]:
    """(label, argv, is_baseline) for every process the bench times."""
    setup = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()"
    manage = [PYTHON, str(ROOT / "manage.py")]
    return [
        ("Django alone: django-admin check", [PYTHON, "-m", "django", "check",
                                               "--settings=bench_startup_django_settings"], True),
        ("django.setup() (config.settings)", [PYTHON, "-c", setup], True),
        ("manage.py check", [*manage, "check"], False),
        ("manage.py help", [*manage, "help"], False),
        ("manage.py kb --help", [*manage, "kb", "--help"], False),
        ("manage.py onboarding --help", [*manage, "onboarding", "--help"], False),
        ("manage.py kb search (empty database)", [*manage, "kb", "search", "startup"], False),
    ]  # fmt: skip


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user+sys) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def import_profile(argv: list[str], env: dict[str, str], *, top: int) -> list[tuple[str, float]]:
    """Self import time (ms) per top-level package, largest first."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]], env=env, cwd=ROOT, capture_output=True, text=True
    )
    per_package: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            per_package[match[2].split(".")[0]] += int(match[1]) / 1000
    return per_package.most_common(top)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command (default 10)")
    parser.add_argument("--profile", action="store_true", help="also print the heaviest imports per command")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="glacier-bench-startup-"))
    (tmp / "bench_startup_django_settings.py").write_text(DJANGO_ONLY_SETTINGS)
    (tmp / "bench_startup_django_urls.py").write_text(DJANGO_ONLY_URLS)
    (tmp / "var").mkdir()
    env = scratch_env(tmp)
    subprocess.run([PYTHON, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)

    todo = commands()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.runs} runs per command; scratch {tmp}")  # fmt: skip
    for _label, argv, _baseline in todo:  # warm-up: bytecode caches, page cache
        run_once(argv, env)
    walls: dict[str, list[float]] = {label: [] for label, _, _ in todo}
    cpus: dict[str, list[float]] = {label: [] for label, _, _ in todo}
    for _ in range(args.runs):
        for label, argv, _baseline in todo:
            wall, cpu = run_once(argv, env)
            walls[label].append(wall)
            cpus[label].append(cpu)

    base_label = todo[0][0]
    base_wall = statistics.median(walls[base_label])
    base_cpu = statistics.median(cpus[base_label])
    setup_wall = statistics.median(walls[todo[1][0]])
    print()
    print(f"{'':40}{'wall p50':>10}{'wall p90':>10}{'CPU p50':>10}"
          f"{'÷ Django':>10}{'CPU ÷':>8}{'÷ setup()':>11}")  # fmt: skip
    for label, _argv, baseline in todo:
        wall50, cpu50 = statistics.median(walls[label]), statistics.median(cpus[label])
        ratio = wall50 / base_wall
        mark = "" if baseline else ("  ok" if ratio <= TARGET else f"  over {TARGET}x")
        print(f"{label:40}{wall50:>9.3f}s{p90(walls[label]):>9.3f}s{cpu50:>9.3f}s"
              f"{ratio:>9.2f}x{cpu50 / base_cpu:>7.2f}x{wall50 / setup_wall:>10.2f}x{mark}")  # fmt: skip
    print()
    print(
        f"Target: a manage.py command within {TARGET}x of Django alone (wall p50). "
        "kb search also opens the database and the Whoosh index, so it does real work beyond start-up."
    )

    if args.profile:
        for label, argv, _baseline in todo:
            print()
            print(f"Heaviest imports, {label} (self ms per top-level package, one run):")
            print("  " + ", ".join(f"{name} {ms:.0f}" for name, ms in import_profile(argv, env, top=12)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
