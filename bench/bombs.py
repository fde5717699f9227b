"""Benchmark: the one-file denial-of-service shapes of issue [6], alone and inside a sync.

    python bench/bombs.py [CORPUS_DIR] [--sizes 65536,262144,1048576] [--repeat 1] [--skip-sync]

1. Each bomb shape at each size (up to 1 MiB): the time to render it or refuse it, exactly
   as a sync handles one file (kb.render_pool.render_bodies, in this process, with the
   per-file time budget), and what happened (rendered, refused with the reason, over budget).
   Front-matter bombs (billion laughs, 10,000-deep) are timed through split_front_matter.
2. Whole-process sync time (`manage.py kb sync` as a subprocess, fresh SQLite database and
   Whoosh index each time) of a temporary copy of the corpus with one bomb added per 100
   files, against the same copy without them — the baseline, measured in the same run.
   The target is a ratio of at most 1.2.

Default corpus: ../shared/corpus/kubernetes__community; without ../shared a generated
fixture tree of 500 small Markdown files is used instead.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# ../shared beside the checkout (or beside the worktrees' parent when run from a git worktree).
DEFAULT_CORPUS = next(
    (
        base / "shared" / "corpus" / "kubernetes__community"
        for base in (ROOT.parent, ROOT.parent.parent)
        if (base / "shared" / "corpus" / "kubernetes__community").is_dir()
    ),
    ROOT.parent / "shared" / "corpus" / "kubernetes__community",
)
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [" + ", ".join([f"*{chr(97 + n)}"] * 9) + "]\n" for n in range(8)
)


def _repeat(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _nested_levels(size: int) -> str:
    lines, total, level = [], 0, 0
    while total + 2 * level + 4 <= size:
        lines.append("  " * level + "- x\n")
        total += 2 * level + 4
        level += 1
    return "".join(lines)


# name -> body of about `size` characters
SHAPES = {
    "lists on one line ('- ' * n + 'x')": lambda size: _repeat("- ", size - 1) + "x",
    "nested list levels (one per line)": _nested_levels,
    "brackets ('[' * n + 'x' + ']' * n)": lambda size: (
        "[" * ((size - 1) // 2) + "x" + "]" * ((size - 1) // 2)
    ),
    "setext headings ('a\\n=\\n' * n)": lambda size: _repeat("a\n=\n", size),
    "repeated '<a '": lambda size: _repeat("<a ", size),
    "abbreviation definitions": lambda size: _repeat("*[a]: b\n", size),
    "link reference definitions": lambda size: _repeat("[a]: /b\n", size),
    "nested raw HTML ('<div>\\n' * n)": lambda size: _repeat("<div>\n", size),
    "unclosed images ('![' * n)": lambda size: _repeat("![", size),
    "emphasis ('*a' * n)": lambda size: _repeat("*a", size),
    "block quotes ('> ' * n)": lambda size: _repeat("> ", size - 1) + "x",
}
FRONT_MATTER_SHAPES = {
    f"billion laughs front matter ({len(LAUGHS)} bytes)": f"---\n{LAUGHS}---\n# Body\n",
    "10,000-deep front matter": "---\n" + "[" * 10_000 + "\n---\n# Body\n",
    "10,000-deep block front matter": "---\n" + "".join(" " * n + "k:\n" for n in range(400)) + "---\n# B\n",
}


def bench_shapes(sizes: list[int], budget: float) -> None:
    from kb.render_pool import render_bodies
    from kb.rendering import FrontMatterError, split_front_matter

    print(f"\n## Each bomb alone (render or refuse, per-file budget {budget:g} s, this process)\n")
    print(f"{'shape':44} {'size':>9} {'seconds':>8}  outcome")
    worst = 0.0
    for name, make in SHAPES.items():
        for size in sizes:
            body = make(size)
            started = time.perf_counter()
            [outcome] = render_bodies([body], budget=budget, workers=1, parallel=False)
            took = time.perf_counter() - started
            worst = max(worst, took)
            result = "rendered" if outcome.html is not None else "skipped: " + outcome.reason.split(" (")[0]
            print(f"{name:44} {len(body):>9,} {took:>8.3f}  {result}", flush=True)
    for name, text in FRONT_MATTER_SHAPES.items():
        started = time.perf_counter()
        try:
            split_front_matter(text)
            result = "loaded"
        except FrontMatterError as exc:
            result = f"front-matter error, line {exc.line}: {exc}"
        took = time.perf_counter() - started
        worst = max(worst, took)
        print(f"{name:44} {len(text):>9,} {took:>8.3f}  {result[:90]}", flush=True)
    print(f"\nslowest single bomb: {worst:.2f} s")


def _fixture_tree(target: Path) -> None:
    for n in range(500):
        folder = target / f"area-{n % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"page-{n}.md").write_text(
            f"# Page {n}\n\nHow to do thing {n}: see [the guide](../README.md) and **run** `make {n}`.\n\n"
            + "- step one\n- step two\n" * 20
        )
    (target / "README.md").write_text("# Fixture\n\nA generated tree.\n")


def _sync_seconds(tree: Path, workdir: Path) -> tuple[float, str]:
    workdir.mkdir(parents=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "GLACIER_INDEX_DIR": str(workdir / "index"),
        "GLACIER_REPOS_DIR": str(workdir / "repos"),
    }
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "GLACIER_SEARCH_BACKEND"):
        env.pop(name, None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    started = time.perf_counter()
    proc = subprocess.run(
        [*manage, "kb", "sync", str(tree), "--project", "bench", "--no-progress"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    took = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"sync failed:\n{proc.stderr[-3000:]}")
    return took, proc.stdout


def bench_sync(corpus: Path | None, sizes: list[int], repeat: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="glacier-bench-bombs-"))
    try:
        clean = tmp / "clean"
        if corpus is not None:
            shutil.copytree(corpus, clean, ignore=shutil.ignore_patterns(".git"))
        else:
            _fixture_tree(clean)
        bombed = tmp / "bombed"
        shutil.copytree(clean, bombed)
        markdown = sorted(p for p in bombed.rglob("*.md"))
        shapes = list(SHAPES.items())
        bombs = 0
        for index in range(0, len(markdown), 100):
            name, make = shapes[bombs % len(shapes)]
            size = sizes[bombs % len(sizes)]
            (markdown[index].parent / f"zz-bomb-{bombs}.md").write_text(make(size))
            bombs += 1
        fm_bombs = list(FRONT_MATTER_SHAPES.values())
        for n, text in enumerate(fm_bombs):
            (bombed / f"zz-front-matter-bomb-{n}.md").write_text(text)
        files = sum(1 for _ in clean.rglob("*") if _.is_file())
        print(
            f"\n## Whole sync: {files} files, plus {bombs} Markdown bombs and {len(fm_bombs)} front-matter bombs\n"
        )
        clean_times, bombed_times = [], []
        for round_ in range(repeat):  # alternate, so drift in machine load hits both alike
            took, _ = _sync_seconds(clean, tmp / f"run-clean-{round_}")
            clean_times.append(took)
            print(f"without bombs (baseline): {took:7.2f} s", flush=True)
            took, summary = _sync_seconds(bombed, tmp / f"run-bombed-{round_}")
            bombed_times.append(took)
            print(f"with bombs:               {took:7.2f} s", flush=True)
        print(
            "\nsummary of the last sync with bombs:\n"
            + "\n".join("  " + line for line in summary.splitlines())
        )
        ratio = min(bombed_times) / min(clean_times)
        print(f"\nratio with/without bombs (best of {repeat}): {ratio:.2f}x (target <= 1.2x)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--sizes", default="65536,262144,1048576", help="bomb sizes in characters")
    parser.add_argument("--repeat", type=int, default=1, help="sync rounds (best of)")
    parser.add_argument("--skip-sync", action="store_true", help="time the bombs alone only")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A throw-away key: settings refuse to start without one outside DEBUG (and DEBUG would
    # slow the ORM down with query logging).
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
    import django

    django.setup()
    from django.conf import settings

    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    bench_shapes(sizes, budget=settings.GLACIER_RENDER_BUDGET_SECONDS)
    if not args.skip_sync:
        corpus = Path(args.corpus)
        bench_sync(corpus if corpus.is_dir() else None, sizes, args.repeat)


if __name__ == "__main__":
    main()
