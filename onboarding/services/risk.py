"""Risk figures: bus factor, elephant factor and knowledge silos, per project and per area.

Definitions (CHAOSS):
- bus factor: the smallest number of people who together account for at least 50% of
  the contributions;
- elephant factor: the same over organisations (affiliations). People whose
  organisation is unknown (no declared affiliation and a generic e-mail domain such as
  gmail.com or users.noreply.github.com) are left out of the elephant factor rather
  than counted as one giant "unknown" organisation.

Contributions are commits from git history (one pass over `git log`), plus issue
comments and issue closes from GitHub Documents when they were ingested. An area's
contributions are the commits touching a path under it (counted once per commit) and,
for label areas, the comments and closes on issues carrying that label.

A knowledge silo is an area with bus factor 1 and little documentation (at most
SILO_MAX_DOCS docs under it) and no glacier page.

Counting is a single pass with dict counters (`ContributionCounter`), so 200,000
commits over 500 areas take seconds; writes are bulk.
"""

from __future__ import annotations

import logging
import posixpath
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import connections, router, transaction
from django.utils import timezone

from kb.models import Document, GlacierPage, Project
from kb.services.repository_policy import repository_local_dir
from kb.sources.git import Commit, GitError, is_git_repository, iter_commits
from onboarding.models import Area, Contribution, Maintainer, ProjectRisk

logger = logging.getLogger(__name__)

SILO_MAX_DOCS = 1
TOP_N = 10
GENERIC_EMAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com users.noreply.github.com noreply.github.com github.com hotmail.com
    outlook.com live.com msn.com yahoo.com yahoo.co.uk yahoo.co.jp ymail.com icloud.com me.com mac.com
    aol.com protonmail.com proton.me pm.me gmx.de gmx.net gmx.com web.de mail.ru yandex.ru yandex.com
    qq.com 163.com 126.com foxmail.com sina.com hey.com fastmail.com zoho.com posteo.de example.com
    localhost localhost.localdomain""".split()
)


def bus_factor(counts: Iterable[int], *, share: float = 0.5) -> int | None:
    """Smallest number of contributors covering `share` of all contributions; None if none."""
    ordered = sorted((c for c in counts if c > 0), reverse=True)
    total = sum(ordered)
    if total == 0:
        return None
    running = 0
    for index, count in enumerate(ordered, start=1):
        running += count
        if running >= total * share:
            return index
    return len(ordered)


elephant_factor = bus_factor  # same arithmetic, applied to organisations


def affiliation_from_email(email: str) -> str:
    """ "jane@corp.example.com" -> "example.com"-style organisation; "" for generic or bot domains."""
    if "@" not in email:
        return ""
    domain = email.rsplit("@", 1)[1].strip().lower().rstrip(".")
    if not domain or domain in GENERIC_EMAIL_DOMAINS or domain.endswith(".local") or "." not in domain:
        return ""
    parts = domain.split(".")
    # Keep the registrable part: corp.example.com -> example.com, but keep example.co.uk whole.
    if len(parts) >= 3 and len(parts[-2]) <= 3 and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def identity_for(name: str, email: str, login: str = "") -> str:
    """One key per person: the GitHub login when known (also from noreply addresses), else e-mail."""
    if login:
        return login.lower()
    email = email.strip().lower()
    if email.endswith("@users.noreply.github.com"):
        local = email.split("@", 1)[0]
        return local.split("+", 1)[-1]
    return email or name.strip().lower()


@dataclass
class PersonFacts:
    name: str = ""
    email: str = ""
    commits: int = 0
    comments: int = 0
    closes: int = 0
    last_at: datetime | None = None

    @property
    def total(self) -> int:
        return self.commits + self.comments + self.closes


@dataclass
class ContributionCounter:
    """Single-pass counting of contributions per person, per directory area and per label area."""

    area_paths: Iterable[str] = ()
    label_areas: Iterable[str] = ()
    email_to_login: dict[str, str] = field(default_factory=dict)
    people: dict[str, PersonFacts] = field(default_factory=dict)
    per_area: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    per_label: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    commits: int = 0

    def __post_init__(self) -> None:
        self._areas = set(self.area_paths)
        self._labels = set(self.label_areas)
        self._dir_cache: dict[str, tuple[str, ...]] = {}
        self._identity_cache: dict[tuple[str, str], str] = {}

    def _areas_of_dir(self, directory: str) -> tuple[str, ...]:
        cached = self._dir_cache.get(directory)
        if cached is None:
            parent = posixpath.dirname(directory) if directory else None
            own = (directory,) if directory in self._areas else ()
            cached = own + (self._areas_of_dir(parent) if parent is not None else ())
            self._dir_cache[directory] = cached
        return cached

    def _person(self, key: str, name: str, email: str, when: datetime | None) -> PersonFacts:
        facts = self.people.get(key)
        if facts is None:
            facts = self.people[key] = PersonFacts(name=name, email=email)
        elif email and not facts.email:
            facts.email = email
        if when is not None and (facts.last_at is None or when > facts.last_at):
            facts.last_at = when
        return facts

    def add_commit(self, commit: Commit) -> None:
        cache_key = (commit.author_name, commit.author_email)
        key = self._identity_cache.get(cache_key)
        if key is None:
            email = commit.author_email.lower()
            key = self._identity_cache[cache_key] = identity_for(
                commit.author_name, email, self.email_to_login.get(email, "")
            )
        self._person(key, commit.author_name, commit.author_email.lower(), commit.authored_at).commits += 1
        self.commits += 1
        areas_of_dir = self._areas_of_dir
        if len(commit.paths) == 1:
            touched = areas_of_dir(posixpath.dirname(commit.paths[0]))
        else:
            touched = {area for path in commit.paths for area in areas_of_dir(posixpath.dirname(path))}
        per_area = self.per_area
        for area in touched:
            per_area[area][key] += 1

    def add_commits(self, commits: Iterable[Commit]) -> None:
        for commit in commits:
            self.add_commit(commit)

    def add_github(
        self, login: str, *, kind: str, labels: Iterable[str] = (), when: datetime | None = None
    ) -> None:
        key = identity_for("", "", login)
        facts = self._person(key, login, "", when)
        if kind == "comment":
            facts.comments += 1
        else:
            facts.closes += 1
        for label in labels:
            if label in self._labels:
                self.per_label[label][key] += 1

    def totals(self) -> dict[str, int]:
        return {key: facts.total for key, facts in self.people.items()}


def project_repository_dir(project: Project) -> Path | None:
    """The local git checkout holding the project's history, if there is one it may read.

    Asked of the repository policy: a local path only when approved or under an allowed
    root, else the project's own clone, never a clone named after someone else's project.
    """
    candidate = repository_local_dir(project)
    try:
        return candidate if candidate is not None and is_git_repository(candidate) else None
    except OSError:
        return None


def _github_activity(project: Project) -> Iterator[tuple[str, str, list[str], datetime | None]]:
    """(login, "comment"|"close", labels of the issue, when) from ingested GitHub Documents."""
    issue_labels: dict[int, list[str]] = {}
    issues = Document.objects.filter(
        project=project, kind__in=[Document.Kind.ISSUE, Document.Kind.PULL_REQUEST]
    )
    for pk, metadata, changed in issues.values_list("pk", "metadata", "last_changed_at").iterator(
        chunk_size=2000
    ):
        metadata = metadata or {}
        labels = [_label_name(x) for x in metadata.get("labels") or []]
        issue_labels[pk] = labels
        closer = metadata.get("closed_by")
        if isinstance(closer, dict):
            closer = closer.get("login")
        if closer:
            yield str(closer), "close", labels, changed
    comments = Document.objects.filter(project=project, kind=Document.Kind.COMMENT)
    for parent_id, metadata, changed in comments.values_list(
        "parent_id", "metadata", "last_changed_at"
    ).iterator(chunk_size=2000):
        author = (metadata or {}).get("author")
        if isinstance(author, dict):
            author = author.get("login")
        if author:
            yield str(author), "comment", issue_labels.get(parent_id, []), changed


def _label_name(label) -> str:
    return str(label.get("name", "")) if isinstance(label, dict) else str(label)


def _ranked(counter: dict[str, int], names: dict[str, str] | None = None) -> list[dict]:
    names = names or {}
    top = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_N]
    return [{"name": names.get(key) or key, "key": key, "count": count} for key, count in top]


def _docs_per_area(project: Project, area_paths: set[str]) -> Counter:
    counter: Counter = Counter()
    cache: dict[str, tuple[str, ...]] = {}

    def areas_of(directory: str) -> tuple[str, ...]:
        if directory not in cache:
            own = (directory,) if directory in area_paths else ()
            cache[directory] = own + (areas_of(posixpath.dirname(directory)) if directory else ())
        return cache[directory]

    for path in (
        Document.objects.filter(project=project, kind=Document.Kind.DOC)
        .values_list("path", flat=True)
        .iterator(chunk_size=5000)
    ):
        for area in areas_of(posixpath.dirname(path or "")):
            counter[area] += 1
    return counter


def _glaciers_per_area(project: Project, directories: set[str], labels: set[str]) -> tuple[Counter, Counter]:
    """Glacier pages whose topic was derived from (or lies under) a directory area, or from a label."""
    by_dir: Counter = Counter()
    by_label: Counter = Counter()
    for signature, origin in GlacierPage.objects.filter(project=project).values_list(
        "topic__signature", "topic__origin"
    ):
        signature = (signature or "").strip("/")
        if origin == "label" or signature in labels:
            by_label[signature] += 1
        if origin != "label":
            directory = signature
            seen = set()
            while True:
                if directory in directories and directory not in seen:
                    by_dir[directory] += 1
                    seen.add(directory)
                if not directory:
                    break
                directory = posixpath.dirname(directory)
    return by_dir, by_label


AREA_RISK_FIELDS = ["doc_count", "glacier_count", "contributions", "bus_factor", "elephant_factor",
                    "top_contributors", "is_silo", "computed_at"]  # fmt: skip


def rows_update(model, objs: list, fields: list[str]) -> None:
    """UPDATE ... WHERE pk = %s through executemany: Django's bulk_update builds a CASE per
    field and row, which costs seconds for a few thousand rows; this is one prepared statement."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table),
        ", ".join(f"{quote(column.column)} = %s" for column in columns),
        quote(model._meta.pk.column),
    )
    params = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@dataclass
class RiskReport:
    commits: int = 0
    contributors: int = 0
    bus_factor: int | None = None
    elephant_factor: int | None = None
    areas: int = 0
    silos: int = 0
    git_error: str = ""


def project_risk_compute(*, project: Project, commits: Iterable[Commit] | None = None) -> RiskReport:
    """Recompute the project's and every area's risk figures.

    `commits` defaults to the project's own git history (see project_repository_dir);
    tests and the benchmark pass their own.
    """
    report = RiskReport()
    areas = list(Area.objects.filter(project=project))
    directories = {a.path for a in areas if a.kind == Area.Kind.DIRECTORY}
    labels = {a.path for a in areas if a.kind == Area.Kind.LABEL}
    maintainers = list(Maintainer.objects.filter(roles__project=project).distinct())
    email_to_login = {m.email.lower(): m.github_login for m in maintainers if m.email and m.github_login}
    counter = ContributionCounter(area_paths=directories, label_areas=labels, email_to_login=email_to_login)
    if commits is None:
        repo = project_repository_dir(project)
        if repo is not None:
            try:
                counter.add_commits(iter_commits(repo))
            except GitError as exc:
                report.git_error = str(exc)
                logger.warning("risk: cannot read git history of %s: %s", project.slug, exc)
    else:
        counter.add_commits(commits)
    for login, kind, issue_labels, when in _github_activity(project):
        counter.add_github(login, kind=kind, labels=issue_labels, when=when)
    _store(project, counter, areas, maintainers, report)
    return report


@transaction.atomic
def _store(
    project,
    counter: ContributionCounter,
    areas: list[Area],
    maintainers: list[Maintainer],
    report: RiskReport,
) -> None:
    now = timezone.now()
    totals = counter.totals()
    by_login = {m.github_login.lower(): m for m in maintainers if m.github_login}
    by_email = {m.email.lower(): m for m in maintainers if m.email}
    affiliations: dict[str, str] = {}
    maintainer_of: dict[str, Maintainer] = {}
    for key, facts in counter.people.items():
        maintainer = by_login.get(key) or by_email.get(facts.email)
        if maintainer is not None:
            maintainer_of[key] = maintainer
        affiliations[key] = (
            maintainer.affiliation if maintainer and maintainer.affiliation else ""
        ) or affiliation_from_email(facts.email)
    names = {key: (maintainer_of[key].display_name if key in maintainer_of and maintainer_of[key].display_name else facts.name) or key
             for key, facts in counter.people.items()}  # fmt: skip

    def org_counts(person_counts: dict[str, int]) -> Counter:
        orgs: Counter = Counter()
        for key, count in person_counts.items():
            if affiliations.get(key):
                orgs[affiliations[key]] += count
        return orgs

    doc_counts = _docs_per_area(
        project, directories := {a.path for a in areas if a.kind == Area.Kind.DIRECTORY}
    )
    glacier_dirs, glacier_labels = _glaciers_per_area(
        project, directories, {a.path for a in areas if a.kind == Area.Kind.LABEL}
    )
    silos = 0
    before = {
        area.pk: tuple(getattr(area, f) for f in AREA_RISK_FIELDS if f != "computed_at") for area in areas
    }
    for area in areas:
        if area.kind == Area.Kind.DIRECTORY:
            people = counter.per_area.get(area.path, Counter())
            area.doc_count = doc_counts.get(area.path, 0)
            area.glacier_count = glacier_dirs.get(area.path, 0)
        else:
            people = counter.per_label.get(area.path, Counter())
            area.doc_count = 0
            area.glacier_count = glacier_labels.get(area.path, 0)
        area.contributions = sum(people.values())
        area.bus_factor = bus_factor(people.values())
        area.elephant_factor = elephant_factor(org_counts(people).values())
        area.top_contributors = _ranked(people, names)
        area.is_silo = area.bus_factor == 1 and area.doc_count <= SILO_MAX_DOCS and area.glacier_count == 0
        area.computed_at = now
        silos += area.is_silo
    changed = [
        a
        for a in areas
        if tuple(getattr(a, f) for f in AREA_RISK_FIELDS if f != "computed_at") != before[a.pk]
    ]
    rows_update(Area, changed, AREA_RISK_FIELDS)
    orgs = org_counts(totals)
    report.commits = counter.commits
    report.contributors = len(totals)
    report.bus_factor = bus_factor(totals.values())
    report.elephant_factor = elephant_factor(orgs.values())
    report.areas = len(areas)
    report.silos = silos
    ProjectRisk.objects.update_or_create(
        project=project,
        defaults={
            "bus_factor": report.bus_factor,
            "elephant_factor": report.elephant_factor,
            "contributions": sum(totals.values()),
            "contributors": report.contributors,
            "commits": counter.commits,
            "top_contributors": _ranked(totals, names),
            "top_affiliations": _ranked(orgs),
            "silo_count": silos,
            "computed_at": now,
        },
    )
    rows = [
        Contribution(
            project=project, identity=key[:254], name=(names[key] or "")[:200], email=facts.email[:254],
            maintainer=maintainer_of.get(key), affiliation=affiliations.get(key, "")[:200], commits=facts.commits,
            comments=facts.comments, closes=facts.closes, last_contributed_at=facts.last_at,
        )
        for key, facts in counter.people.items()
    ]  # fmt: skip
    Contribution.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["project", "identity"],
        update_fields=[
            "name",
            "email",
            "maintainer",
            "affiliation",
            "commits",
            "comments",
            "closes",
            "last_contributed_at",
        ],
    )
    stale = set(Contribution.objects.filter(project=project).values_list("identity", flat=True)) - {
        r.identity for r in rows
    }
    for start in range(0, len(stale), 500):
        Contribution.objects.filter(project=project, identity__in=sorted(stale)[start : start + 500]).delete()
