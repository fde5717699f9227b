#!/usr/bin/env python
"""Benchmark for issue [7]: the document model against a judged set.

1. Classification: every file of bench/judged/documents.tsv (opened and judged by hand) is read
   the way a sync reads it (kb.sources.base.document_input, with kep.yaml sidecars) and
   analysed (kb.documents.analysis.analyse). Prints accuracy of genre, lifecycle and language,
   accuracy and recall per genre, and the genre confusion table — separately for the
   development split (kubernetes__community and glacier: the rows the classifier was tuned
   on) and the held-out split (kubernetes__enhancements, cloud-provider, cloud-provider-azure:
   never looked at while tuning), then overall.
2. KEPs: every kep.yaml with a status in ../shared/corpus/kubernetes__enhancements, and whether
   its README's `decision` carries that status.
3. Cost: the analysis time of every document of each corpus, as a share of a first
   `manage.py kb sync` of that corpus replayed as a git repository (with --sync).

    python bench/documents.py [--corpus ../shared/corpus] [--sync] [--errors]
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from kb.documents.analysis import analyse  # noqa: E402
from kb.documents.decisions import normalise_status  # noqa: E402
from kb.documents.genres import GENRES  # noqa: E402
from kb.sources.base import classify_path, decode_file, document_input, read_sidecar, sidecars_for  # noqa: E402

DEVELOPMENT = {"kubernetes__community", "glacier"}
MAX_BYTES = 4 * 1024 * 1024


def read_judged(path: Path) -> list[dict]:
    rows = []
    with path.open(newline="") as handle:
        for row in csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t"):
            if len(row) >= 5:
                rows.append(
                    dict(zip(["corpus", "path", "genre", "lifecycle", "language", "note"], row, strict=False))
                )
    return rows


def tree_root(corpus_dir: Path, corpus: str) -> Path:
    return ROOT if corpus == "glacier" else corpus_dir / corpus


def analyse_file(root: Path, relative: str, *, listed: set[str]):
    if classify_path(relative) is None:
        return None
    decoded = decode_file((root / relative).read_bytes(), max_bytes=MAX_BYTES)
    if decoded.text is None:
        return None
    sidecars = {}
    for name, path in sidecars_for(relative, listed=listed).items():
        data, _problem = read_sidecar(name, decode_file((root / path).read_bytes(), max_bytes=MAX_BYTES).text)
        if data is not None:
            sidecars[name] = data
    item, _warnings = document_input(
        path=relative, text=decoded.text, size=len(decoded.text), sidecars=sidecars
    )
    return analyse(path=item.path, kind=item.kind, body=item.body, metadata=item.metadata)


def listing(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}


def report(name: str, results: list[tuple[dict, object]]) -> None:
    if not results:
        return
    genre_ok = sum(1 for row, got in results if got and got.genre == row["genre"])
    life_ok = sum(1 for row, got in results if got and got.lifecycle == row["lifecycle"])
    lang_ok = sum(1 for row, got in results if got and got.language.split("-")[0] == row["language"])
    total = len(results)
    print(f"\n== {name}: {total} judged files")
    print(f"genre accuracy     {genre_ok / total:6.1%}  ({genre_ok}/{total})")
    print(f"lifecycle accuracy {life_ok / total:6.1%}  ({life_ok}/{total})")
    print(f"language accuracy  {lang_ok / total:6.1%}  ({lang_ok}/{total})")
    per = defaultdict(lambda: [0, 0, 0])  # judged, right, predicted
    confusion: Counter = Counter()
    for row, got in results:
        predicted = got.genre if got else "(not ingested)"
        per[row["genre"]][0] += 1
        per[predicted][2] += 1
        per[row["genre"]][1] += predicted == row["genre"]
        confusion[(row["genre"], predicted)] += 1
    print(f"{'genre':22} {'judged':>6} {'recall':>7} {'precision':>9}")
    for genre in [*GENRES, "(not ingested)"]:
        judged, right, predicted = per.get(genre, (0, 0, 0))
        if judged or predicted:
            recall = f"{right / judged:6.1%}" if judged else "     -"
            precision = f"{right / predicted:8.1%}" if predicted else "       -"
            flag = "  <80%" if judged >= 10 and right / judged < 0.8 else ""
            print(f"{genre:22} {judged:6} {recall:>7} {precision:>9}{flag}")
    print("confusion (judged -> predicted, off-diagonal):")
    for (judged, predicted), count in confusion.most_common():
        if judged != predicted:
            print(f"  {judged:20} -> {predicted:20} {count}")


def keps(corpus_dir: Path) -> None:
    root = corpus_dir / "kubernetes__enhancements"
    if not root.is_dir():
        return
    listed = listing(root)
    total = reached = without_readme = templates = 0
    misses = []
    for kep in sorted(path for path in listed if path.endswith("/kep.yaml")):
        data, _ = read_sidecar("kep.yaml", (root / kep).read_text(errors="replace"))
        if not data or not data.get("status"):
            continue
        folder = kep[: -len("kep.yaml")]
        readme = next((folder + name for name in ("README.md", "README.MD") if folder + name in listed), None)
        if readme is None:
            without_readme += 1  # test data: a kep.yaml with no document to describe
            continue
        got = analyse_file(root, readme, listed=listed)
        if got and got.genre == "template":
            templates += 1  # the KEP template's placeholders are not a status
            continue
        total += 1
        decision = got.decision if got else None
        if (
            decision
            and decision["status_raw"] == str(data["status"])
            and decision["status"] == normalise_status(data["status"])
        ):
            reached += 1
        else:
            misses.append(
                (kep, data.get("status"), decision and decision.get("status_raw"), got and got.genre)
            )
    print(
        f"\n== KEPs: {reached}/{total} kep.yaml statuses reach their README's decision ({reached / max(total, 1):.1%}); "
        f"{without_readme} kep.yaml files have no README beside them (test data) and {templates} describe a "
        "KEP template (placeholders, not a status); neither is counted"
    )
    for miss in misses[:10]:
        print("  miss:", *miss)


def sync_cost(corpus_dir: Path) -> None:
    import subprocess
    import tempfile

    for corpus in ("kubernetes__community", "kubernetes__enhancements"):
        source = corpus_dir / corpus
        if not source.is_dir():
            continue
        work = Path(tempfile.mkdtemp(prefix="glacier-bench-docs-"))
        repo = work / "repo"
        subprocess.run([sys.executable, str(corpus_dir / "make_git_repo.py"), str(source), str(repo)],
                       check=True, capture_output=True)  # fmt: skip
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}", "GLACIER_VAR_DIR": str(work / "var"),
               "GLACIER_INDEX_DIR": str(work / "index"), "GLACIER_LOCAL_REPOSITORY_ROOTS": str(work)}  # fmt: skip
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], check=True, env=env, capture_output=True)
        started = time.perf_counter()
        subprocess.run(
            [*manage, "kb", "sync", str(repo), "--project", "bench", "--no-progress"], check=True, env=env, capture_output=True
        )
        sync_seconds = time.perf_counter() - started
        listed = listing(repo)
        started = time.perf_counter()
        analysed = 0
        for relative in sorted(listed):
            if analyse_file(repo, relative, listed=listed) is not None:
                analysed += 1
        analysis_seconds = time.perf_counter() - started
        print(
            f"\n== cost, {corpus}: first `kb sync` {sync_seconds:.1f}s (whole process); reading and analysing "
            f"{analysed} files alone {analysis_seconds:.1f}s = {analysis_seconds / sync_seconds:.1%} of the sync "
            "(an upper bound: reading and front matter are part of the sync without the analysis)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--judged", type=Path, default=ROOT / "bench" / "judged" / "documents.tsv")
    parser.add_argument(
        "--sync", action="store_true", help="also time a first sync to report the analysis' share"
    )
    parser.add_argument(
        "--errors", choices=["development", "held-out"], help="list misclassified rows of a split"
    )
    args = parser.parse_args()
    rows = read_judged(args.judged)
    listings: dict[str, set[str]] = {}
    results: dict[str, list] = {"development": [], "held-out": []}
    for row in rows:
        root = tree_root(args.corpus, row["corpus"])
        if not (root / row["path"]).is_file():
            continue
        listed = listings.setdefault(row["corpus"], listing(root))
        got = analyse_file(root, row["path"], listed=listed)
        results["development" if row["corpus"] in DEVELOPMENT else "held-out"].append((row, got))
    report("development split (kubernetes__community + glacier; tuned on)", results["development"])
    report(
        "held-out split (enhancements, cloud-provider, cloud-provider-azure; never tuned on)",
        results["held-out"],
    )
    report("all judged files", results["development"] + results["held-out"])
    if args.errors:
        print(f"\n== misclassified, {args.errors} split")
        for row, got in results[args.errors]:
            if not got or got.genre != row["genre"] or got.lifecycle != row["lifecycle"]:
                print(
                    f"  {row['path']}: judged {row['genre']}/{row['lifecycle']}, got "
                    f"{got and got.genre}/{got and got.lifecycle} {got and got.reasons}"
                )
    keps(args.corpus)
    if args.sync:
        sync_cost(args.corpus)


if __name__ == "__main__":
    main()
