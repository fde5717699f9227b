#!/usr/bin/env python
"""Benchmark: people import and risk figures.

1. ../shared/corpus/kubernetes__community and kubernetes__enhancements: build each real
   git repository with make_git_repo.py, sync it with the local source (`project_sync`,
   the onboarding receivers held back so that each step is timed here), then time
   `people_import` and `project_risk_compute` (which reads `git log` once).
   Baseline, same run: a bare `git log --name-only` read of the same repository, and a
   bare Counter pass over the parsed commits.
   Figures check: the bus factor computed independently inside this script from
   `git log` (by author name, by e-mail, and with its own identity merging: .mailmap
   through %aN/%aE, noreply logins, unambiguous full names, co-authors, bots left out)
   beside Glacier's figure; merged identities and bots excluded.
   Ladder check: the roles read independently inside this script from the repository's
   maintainer files (OWNERS with its filters, OWNERS_ALIASES, role sections of OWNERS.md /
   GOVERNANCE.md / MAINTAINERS; vendored and test trees left out) against the ProjectRoles
   Glacier stored; matches and every mismatch are printed. Target: exact match.
2. A generated history: 200,000 commits by 2,000 people over 500 areas (OWNERS files
   for 500 directories), counted in memory through the same counting function and
   stored with the same bulk writes. Baseline: a bare Counter pass (per person and per
   top-level directory) over the same commits.

Wall time, peak memory (tracemalloc peak for the counting phases, process max RSS)
and ratios against the baselines. Runs on a throwaway SQLite database.

    python bench/people.py [--corpus ../shared/corpus] [--commits 200000] [--people 2000] [--areas 500]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TMP = Path(tempfile.mkdtemp(prefix="glacier-bench-people-"))
os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"
os.environ["GLACIER_VAR_DIR"] = str(TMP / "var")
os.environ["GLACIER_INDEX_DIR"] = str(TMP / "index")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A throw-away key: settings refuse to start without one outside DEBUG (and DEBUG would
# slow the ORM down with query logging).
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import yaml  # noqa: E402
from django.core.management import call_command  # noqa: E402

from kb.models import Document, Project  # noqa: E402
from kb.services.documents import DocumentInput, documents_upsert  # noqa: E402
from kb.services.sync import project_sync  # noqa: E402
from kb.signals import sync_finished  # noqa: E402
from kb.sources.git import Commit, iter_commits  # noqa: E402
from onboarding.models import Area, Contribution, ProjectRisk, ProjectRole  # noqa: E402
from onboarding.services.people import people_import  # noqa: E402
from onboarding.services.risk import ContributionCounter, project_risk_compute  # noqa: E402


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label, fn, *, trace=False):
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    extra = f", traced peak {peak:.1f} MiB" if peak is not None else ""
    print(f"  {label:<52} {elapsed:8.3f} s{extra}")
    return result, elapsed, peak


def sync_replayed_repository(project: Project) -> tuple[int, int]:
    """A local sync of the replayed repository, without the onboarding receivers (the bench
    runs and times people_import and project_risk_compute itself)."""
    receivers = ["onboarding.people_refresh", "onboarding.gaps_after_sync"]
    saved = [r for r in sync_finished.receivers if r[0][0] in receivers]
    for uid in receivers:
        sync_finished.disconnect(dispatch_uid=uid)
    try:
        run = project_sync(project=project)
    finally:
        sync_finished.receivers.extend(saved)
        sync_finished.sender_receivers_cache.clear()
    if run.status != "succeeded":
        print(f"  sync {run.status}: {run.errors[:3]}")
    kinds = Counter(Document.objects.filter(project=project).values_list("kind", flat=True))
    return kinds[Document.Kind.OWNERS], kinds[Document.Kind.DOC]


# The bench's own reading of maintainer files, written from the formats' documentation and
# sharing no code with kb.ownership: the oracle for the ladder check.
BENCH_NOT_THE_PROJECT = {"testdata", "vendor", "third_party", "node_modules", "fixtures", "examples"}
BENCH_LOGIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
BENCH_ALIAS_LIKE_RE = re.compile(r"-(leads|approvers|reviewers|maintainers|owners|admins|chairs)$", re.I)
BENCH_ROLE_HEADINGS = [("emeritus", re.compile(r"emeritus|alumni|former|retired", re.I)),
                       ("lead", re.compile(r"\bleads?\b|\bchairs?\b", re.I)),
                       ("reviewer", re.compile(r"reviewer", re.I)), ("approver", re.compile(r"approver", re.I)),
                       ("maintainer", re.compile(r"maintainer", re.I))]  # fmt: skip
BENCH_ACTIVE = ["member", "reviewer", "approver", "maintainer", "lead"]


def independent_ladder(repo: Path) -> tuple[dict[str, str], Counter]:
    """{login or e-mail (lowercased): role} from the files as the formats define them:
    root OWNERS approvers (file-wide or ".*") are maintainers, other approvers (any filter,
    any folder) approvers, reviewers reviewers, emeritus_approvers emeritus; the senior
    active listing wins, emeritus only when nothing active is listed."""
    listed = subprocess.run(["git", "-C", str(repo), "ls-files"], check=True, capture_output=True,
                            text=True).stdout.splitlines()  # fmt: skip
    files = sorted((p for p in listed if not BENCH_NOT_THE_PROJECT & set(p.split("/")[:-1])),
                   key=lambda p: (p.count("/"), p))  # fmt: skip
    read: Counter = Counter()
    aliases: dict[str, list[str]] = {}
    for path in files:
        if path.rsplit("/", 1)[-1] == "OWNERS_ALIASES":
            read["OWNERS_ALIASES"] += 1
            for name, members in (
                (yaml.safe_load((repo / path).read_text()) or {}).get("aliases") or {}
            ).items():
                aliases.setdefault(name.lower(), [str(m) for m in members or []])
    roles: dict[str, set[str]] = {}

    def add(name: str, role: str) -> None:
        for person in aliases.get(name.lower(), [name]):
            if aliases and BENCH_ALIAS_LIKE_RE.search(person) and person.lower() not in aliases:
                continue  # an alias nobody defines any more names a group, not a person
            if BENCH_LOGIN_RE.match(person) or "@" in person:
                roles.setdefault(person.lower(), set()).add(role)

    for path in files:
        name = path.rsplit("/", 1)[-1]
        if name == "OWNERS":
            read["OWNERS"] += 1
            data = yaml.safe_load((repo / path).read_text()) or {}
            rules = [(None, data), *((data.get("filters") or {}).items())]
            for pattern, rule in rules:
                rule = rule or {}
                whole = pattern in (None, ".*", "^.*$")
                for login in (rule.get("approvers") or []) + (rule.get("owners") or []):
                    add(str(login), "maintainer" if "/" not in path and whole else "approver")
                for login in rule.get("reviewers") or []:
                    add(str(login), "reviewer")
                for login in rule.get("emeritus_approvers") or []:
                    add(str(login), "emeritus")
        elif name.upper() in {"OWNERS.MD", "GOVERNANCE.MD", "MAINTAINERS.MD", "MAINTAINERS"}:
            read[name.upper()] += 1
            role, fenced = None, False
            for line in (repo / path).read_text().splitlines():
                fenced = fenced != line.startswith("```")
                if fenced:
                    continue
                if line.startswith("#"):
                    role = next((r for r, words in BENCH_ROLE_HEADINGS if words.search(line)), None)
                    role = None if re.search(r"becom|how to|process|responsib", line, re.I) else role
                elif role and re.match(r"\s*[-*] ", line):
                    login = re.search(r"github\.com/([A-Za-z0-9-]+)|\(@([A-Za-z0-9-]+)\)", line)
                    email = re.search(r"<([^<>@\s]+@[^<>\s]+)>", line)
                    if login or email:
                        add(login[1] or login[2] if login else email[1], role)
    ladder = {}
    for person, listed_roles in roles.items():
        active = [r for r in listed_roles if r != "emeritus"]
        ladder[person] = max(active, key=BENCH_ACTIVE.index) if active else "emeritus"
    return ladder, read


def ladder_check(project: Project, repo: Path) -> None:
    expected, read = independent_ladder(repo)
    stored = {(r.maintainer.github_login or r.maintainer.email).lower(): r.role
              for r in ProjectRole.objects.filter(project=project).select_related("maintainer")}  # fmt: skip
    matches = sum(1 for person, role in expected.items() if stored.get(person) == role)
    wrong = sorted((p, stored[p], role) for p, role in expected.items() if p in stored and stored[p] != role)
    missing = sorted(p for p in expected if p not in stored)
    extra = sorted(p for p in stored if p not in expected)
    by_role = Counter(expected.values())
    print(f"  ladder check: files read independently {dict(read)}; "
          f"{len(expected)} people ({', '.join(f'{r} {n}' for r, n in sorted(by_role.items()))})")  # fmt: skip
    print(f"  ladder check: {matches} of {len(expected)} match; {len(wrong)} with another role, "
          f"{len(missing)} missing from Glacier, {len(extra)} only in Glacier"
          f" -> {'EXACT MATCH' if matches == len(expected) and not extra else 'MISMATCH'}")  # fmt: skip
    for person, glacier_role, file_role in wrong[:10]:
        print(f"    {person}: Glacier {glacier_role}, files {file_role}")
    for person in missing[:10]:
        print(f"    {person}: files {expected[person]}, not in Glacier")
    for person in extra[:10]:
        print(f"    {person}: Glacier {stored[person]}, in no file")


def chaoss_bus_factor(counts) -> int | None:
    """Independent of onboarding.services.risk: fewest people whose counts reach half the total."""
    ordered = sorted((c for c in counts if c), reverse=True)
    half, running = sum(ordered) / 2, 0
    for rank, count in enumerate(ordered, start=1):
        running += count
        if running >= half:
            return rank
    return None


BENCH_BOT_RE = re.compile(
    r"\[bot\]|(^|[-_. ])(ro)?bots?$|^(dependabot|renovate|github-actions|codecov|mergify)$", re.I
)
BENCH_NOREPLY_RE = re.compile(r"^(?:\d+\+)?([^@+]+)@users\.noreply\.github\.com$")


def independent_figures(repo: Path) -> dict:
    """Bus factor from `git log` alone, three ways, with a merge written for this bench."""
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "--no-merges",
         "--format=%aN%x1f%aE%x1f%(trailers:key=Co-authored-by,valueonly,separator=%x1d)"],
        check=True, capture_output=True, text=True, errors="replace",
    ).stdout  # fmt: skip
    commits = []
    for line in out.splitlines():
        if "\x1f" not in line:
            continue
        name, email, trailers = (line.split("\x1f") + [""])[:3]
        co = [m.groups() for m in re.finditer(r"\s*(.*?)\s*<([^<>]*)>", trailers)]
        commits.append([(name.strip(), email.strip().lower())] + [(n, e.strip().lower()) for n, e in co])
    by_name = Counter(authors[0][0] for authors in commits)
    by_email = Counter(authors[0][1] for authors in commits)
    contacts = {c for authors in commits for c in authors}
    parent: dict[str, str] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    def is_bot(name, email):
        local = email.split("@")[0]
        login = (BENCH_NOREPLY_RE.match(email) or [None, ""])[1]
        return (
            any(BENCH_BOT_RE.search(x) for x in (name.lower(), local, login) if x)
            or email == "noreply@github.com"
        )

    def full_name(name):
        words = name.casefold().split()
        return " ".join(words) if len(words) >= 2 and " ".join(words) != "your name" else ""

    for _name, email in contacts:
        node = "e:" + email
        find(node)
        if m := BENCH_NOREPLY_RE.match(email):
            union(node, "l:" + m[1])
    logins_by_name: dict[str, set] = {}
    for name, email in contacts:
        if full_name(name) and not is_bot(name, email) and (m := BENCH_NOREPLY_RE.match(email)):
            logins_by_name.setdefault(full_name(name), set()).add(m[1])
    for name, email in contacts:
        key = full_name(name)
        if key and not is_bot(name, email) and len(logins_by_name.get(key, ())) <= 1:
            union("e:" + email, "n:" + key)
    merged: Counter = Counter()
    bots: set[str] = set()
    for authors in commits:
        people = set()
        for name, email in authors:
            if is_bot(name, email):
                bots.add(find("e:" + email))
            else:
                people.add(find("e:" + email))
        for person in people:
            merged[person] += 1
    return {
        "commits": len(commits),
        "by_name": (chaoss_bus_factor(by_name.values()), len(by_name)),
        "by_email": (chaoss_bus_factor(by_email.values()), len(by_email)),
        "merged": (chaoss_bus_factor(merged.values()), len(merged)),
        "bots": len(bots),
        "contacts": len(contacts),
    }


def bench_corpus(corpus_root: Path, name: str = "kubernetes__community") -> None:
    print(f"\n== {name} (real files and real git history)")
    repo = TMP / name
    _, build_s, _ = timed("build git repo (make_git_repo.py, setup only)", lambda: subprocess.run(
        [sys.executable, str(corpus_root / "make_git_repo.py"), name, str(repo)], check=True, capture_output=True))  # fmt: skip
    # Approved as `manage.py kb sync PATH` approves it: the operator running the bench is trusted.
    project = Project.objects.create(
        slug=name.replace("_", "-"), name=name, repository=str(repo), repository_approved=str(repo)
    )
    (n_owners, n_docs), _, _ = timed(
        "local sync of the replayed repository (setup only)", lambda: sync_replayed_repository(project)
    )
    print(f"  {n_owners} owners documents, {n_docs} docs")

    def bare_git_log():
        proc = subprocess.run(["git", "-C", str(repo), "log", "--no-merges", "--name-only", "--format=%H%x1f%an%x1f%ae%x1f%aI"],
                              check=True, capture_output=True)  # fmt: skip
        return len(proc.stdout)

    _, git_s, _ = timed("baseline: bare `git log --name-only` read", bare_git_log)
    commits, parse_s, _ = timed(
        "baseline: kb.sources.git.iter_commits (parse)", lambda: list(iter_commits(repo))
    )

    def bare_counter():
        people = Counter(c.author_email for c in commits)
        return people

    _, counter_s, _ = timed("baseline: bare Counter over authors", bare_counter)
    report, import_s, _ = timed(
        "people_import (parse OWNERS, aliases, write)", lambda: people_import(project=project)
    )
    _, reimport_s, _ = timed("people_import again (no change)", lambda: people_import(project=project))
    ladder_check(project, repo)
    risk, risk_s, risk_peak = timed(
        "project_risk_compute (git log + count + store)",
        lambda: project_risk_compute(project=project),
        trace=False,
    )
    _, _, risk_peak = timed(
        "project_risk_compute again, traced for memory",
        lambda: project_risk_compute(project=project),
        trace=True,
    )
    stored = ProjectRisk.objects.get(project=project)
    print(f"  -> {report.files} files, {report.people} people, {report.areas_created} areas; "
          f"{risk.commits} commits by {risk.contributors} people; project bus factor {stored.bus_factor}, "
          f"elephant factor {stored.elephant_factor}, {risk.silos} silos of {risk.areas} areas; errors {report.errors}")  # fmt: skip
    independent, independent_s, _ = timed("independent bus factor from `git log` (bench's own merge)",
                                          lambda: independent_figures(repo))  # fmt: skip
    contributions = list(Contribution.objects.filter(project=project))
    multi = sum(1 for c in contributions if len({a for a in c.aliases if "@" in a[1:]}) > 1)
    linked = sum(1 for c in contributions if c.maintainer_id and not c.is_bot)
    print(f"  bus factor, independent from git log: by name {independent['by_name'][0]} ({independent['by_name'][1]} names), "
          f"by e-mail {independent['by_email'][0]} ({independent['by_email'][1]} addresses), "
          f"merged {independent['merged'][0]} ({independent['merged'][1]} people, {independent['bots']} bots left out)")  # fmt: skip
    verdict = "equal" if independent["merged"][0] == stored.bus_factor else "DIFFERENT"
    print(f"  bus factor, Glacier: {stored.bus_factor} over {stored.contributors} people "
          f"-> {verdict} to the independent merged figure")  # fmt: skip
    print(f"  identities: {risk.contacts} contacts merged into {risk.identities} identities "
          f"({multi} people with more than one e-mail); bots excluded {len(risk.bots)}: {', '.join(risk.bots[:8]) or '-'}; "
          f"{linked} of {len(contributions)} contributor records linked to a person in the ownership files")  # fmt: skip
    print(
        f"  organisations (elephant factor {stored.elephant_factor}): "
        + ", ".join(f"{o['name']} {o['count']}" for o in stored.top_affiliations[:6])
    )
    print(f"  ratio risk compute / bare git log read      {risk_s / git_s:6.2f}x")
    print(f"  ratio risk compute / (git log parse)        {risk_s / parse_s:6.2f}x")
    print(f"  ratio re-import / import                    {reimport_s / import_s:6.2f}x")
    print(f"  (bare Counter pass {counter_s * 1000:.1f} ms; repo build {build_s:.1f} s)")


def generated_commits(n_commits: int, n_people: int, n_areas: int, seed: int = 7) -> list[Commit]:
    rng = random.Random(seed)
    # A few very active people, a long tail (Zipf-like weights), as in real projects.
    weights = [1 / (rank + 1) ** 1.1 for rank in range(n_people)]
    authors = rng.choices(range(n_people), weights=weights, k=n_commits)
    area_weights = [1 / (rank + 1) ** 0.8 for rank in range(n_areas)]
    areas = rng.choices(range(n_areas), weights=area_weights, k=n_commits * 2)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    commits = []
    for index, author in enumerate(authors):
        first, second = areas[2 * index], areas[2 * index + 1]
        paths = [f"area-{first:03d}/src/file{index % 7}.go"]
        if index % 3 == 0:
            paths.append(f"area-{second:03d}/docs/notes{index % 5}.md")
        commits.append(Commit(f"{index:040x}", f"Person {author}", f"person{author}@org{author % 40}.com",
                              start + timedelta(minutes=index), tuple(paths)))  # fmt: skip
    return commits


def bench_generated(n_commits: int, n_people: int, n_areas: int) -> None:
    print(f"\n== generated: {n_commits:,} commits by {n_people:,} people over {n_areas} areas")
    commits, gen_s, _ = timed(
        "generate commits in memory (setup only)", lambda: generated_commits(n_commits, n_people, n_areas)
    )
    project = Project.objects.create(slug="generated", name="Generated")
    rng = random.Random(11)
    owners = [DocumentInput(kind=Document.Kind.OWNERS, key=f"area-{a:03d}/OWNERS", path=f"area-{a:03d}/OWNERS", title="OWNERS",
                            body="approvers:\n" + "".join(f"  - person{p}\n" for p in rng.sample(range(n_people), 2))
                                 + "reviewers:\n" + "".join(f"  - person{p}\n" for p in rng.sample(range(n_people), 3))
                                 + f"labels:\n  - area/a{a:03d}\n")
              for a in range(n_areas)]  # fmt: skip
    owners.append(
        DocumentInput(
            kind=Document.Kind.OWNERS,
            key="OWNERS",
            path="OWNERS",
            title="OWNERS",
            body="approvers:\n  - person0\n  - person1\n",
        )
    )
    documents_upsert(project=project, source=Document.Source.LOCAL, items=owners, index=False)
    report, import_s, _ = timed(
        f"people_import ({len(owners)} OWNERS files)", lambda: people_import(project=project)
    )
    _, reimport_s, _ = timed("people_import again (no change)", lambda: people_import(project=project))

    def bare_counter():
        people: Counter = Counter()
        per_area: dict[str, Counter] = {}
        for commit in commits:
            people[commit.author_email] += 1
            for top in {p.split("/", 1)[0] for p in commit.paths}:
                per_area.setdefault(top, Counter())[commit.author_email] += 1
        return people, per_area

    _, bare_s, bare_peak = timed("baseline: bare Counter pass (person, top dir)", bare_counter)
    _, _, bare_peak = timed("baseline again, traced for memory", bare_counter, trace=True)
    area_paths = list(Area.objects.filter(project=project, kind="directory").values_list("path", flat=True))

    def count_only():
        counter = ContributionCounter(area_paths=area_paths)
        counter.add_commits(commits)
        return counter

    _, count_s, _ = timed("ContributionCounter pass (same counting as sync)", count_only)
    _, _, count_peak = timed("ContributionCounter again, traced for memory", count_only, trace=True)
    risk, risk_s, _ = timed(
        "project_risk_compute (count + figures + bulk store)",
        lambda: project_risk_compute(project=project, commits=commits),
    )
    _, rerisk_s, _ = timed(
        "project_risk_compute again (upserts)", lambda: project_risk_compute(project=project, commits=commits)
    )
    stored = ProjectRisk.objects.get(project=project)
    silo_areas = Area.objects.filter(project=project, is_silo=True).count()
    print(f"  -> {report.people} people imported, {report.areas_created} areas; project bus factor {stored.bus_factor}, "
          f"elephant factor {stored.elephant_factor}, {risk.contributors} contributors, {silo_areas} silo areas")  # fmt: skip
    print(
        f"  ratio counting / bare Counter               {count_s / bare_s:6.2f}x  (memory {count_peak:.1f} / {bare_peak:.1f} MiB = {count_peak / bare_peak:.2f}x)"
    )
    print(f"  ratio full risk compute / bare Counter      {risk_s / bare_s:6.2f}x")
    print(f"  throughput                                  {n_commits / risk_s:,.0f} commits/s")
    print(f"  (commit list built in {gen_s:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_corpus = next((c for c in (ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus") if c.is_dir()),
                          ROOT.parent / "shared" / "corpus")  # fmt: skip
    parser.add_argument("--corpus", default=os.environ.get("GLACIER_CORPUS_DIR", str(default_corpus)))
    parser.add_argument("--projects", default="kubernetes__community,kubernetes__enhancements")
    parser.add_argument("--commits", type=int, default=200_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--areas", type=int, default=500)
    args = parser.parse_args()
    print(f"Glacier people benchmark — temp dir {TMP}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    corpus = Path(args.corpus)
    for name in args.projects.split(","):
        if (corpus / name).is_dir():
            bench_corpus(corpus, name)
        else:
            print(f"(no corpus {name} at {corpus}; skipping it)")
    bench_generated(args.commits, args.people, args.areas)
    print(f"\nTotal wall time {time.perf_counter() - started:.1f} s; process peak RSS {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
