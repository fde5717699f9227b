"""Risk figures: bus factor, elephant factor and knowledge silos, per project and per area.

Definitions (CHAOSS), over AUTHORED COMMITS only:
- bus factor (contributor absence factor): the smallest number of people whose
  authored commits make up at least 50% of the commits;
- elephant factor: the same over organisations (onboarding.services.affiliations).
  People whose organisation is unknown (free-mail or noreply addresses, nothing
  stated) are left out rather than counted as one giant "unknown" organisation.

People are identities (onboarding.services.identities): a person's names, e-mails,
logins, .mailmap entries and Co-authored-by credits are one person. A co-authored
commit credits each of its authors once. Bots are left out of every figure and listed
apart (ProjectRisk.bots, Contribution.is_bot).

Issue comments and issue closes from GitHub Documents are engagement, a figure of its
own (ProjectRisk.engagement, Contribution.comments/closes): they never move the
commit-based figures. A directory area's figures are the authored commits touching a
path under it (once per commit); a label area has no commits, so its figures are the
engagement on the issues carrying that label.

A knowledge silo is an area with bus factor 1 and little documentation (at most
SILO_MAX_DOCS docs under it) and no glacier page.

Counting is a single pass with dict counters keyed by raw contact
(`ContributionCounter`); identities are resolved once afterwards, so 200,000 commits
over 500 areas take seconds; writes are bulk.
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
from kb.sources import issues as issue_schema
from kb.sources.git import Commit, GitError, check_mailmap, is_git_repository, iter_commits
from onboarding.models import Area, Contribution, Maintainer, ProjectRisk
from onboarding.services.affiliations import AffiliationMap, Organisations
from onboarding.services.identities import Contact, Identity, IdentityResolver

logger = logging.getLogger(__name__)

SILO_MAX_DOCS = 1
TOP_N = 10


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

RawContact = tuple[str, str]  # (name, e-mail) as git wrote it


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
    """Single-pass counting of authored commits and GitHub engagement.

    Counting is keyed by the raw contact (git name and e-mail, GitHub login); `resolve`
    then folds the contacts into identities (onboarding.services.identities), so the
    hot loop does no identity work. A commit credits its author and each
    Co-authored-by co-author once.
    """

    area_paths: Iterable[str] = ()
    label_areas: Iterable[str] = ()
    commits: int = 0

    def __post_init__(self) -> None:
        self._areas = set(self.area_paths)
        self._labels = set(self.label_areas)
        self._dir_cache: dict[str, tuple[str, ...]] = {}
        # Commits by their sole author; co-authored commits by their (author, *co-authors) group.
        self.contact_commits: Counter[RawContact] = Counter()
        self.group_commits: Counter[tuple[RawContact, ...]] = Counter()
        self.contact_last: dict[RawContact, datetime] = {}
        self.co_author_contacts: set[RawContact] = set()
        self.area_contacts: dict[str, Counter[RawContact]] = defaultdict(Counter)
        self.login_comments: Counter[str] = Counter()
        self.login_closes: Counter[str] = Counter()
        self.login_last: dict[str, datetime] = {}
        self.label_logins: dict[str, Counter[str]] = defaultdict(Counter)
        # Filled by resolve(): identity key -> facts / identity, per-area counters by key.
        self.people: dict[str, PersonFacts] = {}
        self.identities: dict[str, Identity] = {}
        self.per_area: dict[str, Counter] = {}
        self.per_label: dict[str, Counter] = {}

    def _areas_of_dir(self, directory: str) -> tuple[str, ...]:
        cached = self._dir_cache.get(directory)
        if cached is None:
            parent = posixpath.dirname(directory) if directory else None
            own = (directory,) if directory in self._areas else ()
            cached = own + (self._areas_of_dir(parent) if parent is not None else ())
            self._dir_cache[directory] = cached
        return cached

    def add_commit(self, commit: Commit) -> None:
        author = (commit.author_name, commit.author_email)
        when = commit.authored_at
        if commit.co_authors:
            # Credited once per person, which only resolve() can tell: count the group.
            key: RawContact | tuple[RawContact, ...] = (author, *sorted(set(commit.co_authors) - {author}))
            self.co_author_contacts.update(key[1:])
            contacts = key
            self.group_commits[key] += 1
        else:
            key, contacts = author, (author,)
            self.contact_commits[author] += 1
        for contact in contacts:
            last = self.contact_last.get(contact)
            if when is not None and (last is None or when > last):
                self.contact_last[contact] = when
        self.commits += 1
        areas_of_dir = self._areas_of_dir
        if len(commit.paths) == 1:
            touched = areas_of_dir(posixpath.dirname(commit.paths[0]))
        else:
            touched = {area for path in commit.paths for area in areas_of_dir(posixpath.dirname(path))}
        area_contacts = self.area_contacts
        for area in touched:
            area_contacts[area][key] += 1

    def add_commits(self, commits: Iterable[Commit]) -> None:
        for commit in commits:
            self.add_commit(commit)

    def add_github(
        self, login: str, *, kind: str, labels: Iterable[str] = (), when: datetime | None = None
    ) -> None:
        login = login.strip()
        (self.login_comments if kind == "comment" else self.login_closes)[login] += 1
        if when is not None and (login not in self.login_last or when > self.login_last[login]):
            self.login_last[login] = when
        for label in labels:
            if label in self._labels:
                self.label_logins[label][login] += 1

    def resolve(
        self, resolver: IdentityResolver | None = None, *, mailmap: dict[RawContact, RawContact] | None = None
    ) -> IdentityResolver:
        """Fold contacts into identities; `resolver` may already hold maintainer-file contacts,
        `mailmap` maps co-author contacts the way the repository's .mailmap does."""
        resolver = resolver or IdentityResolver()
        mailmap = mailmap or {}
        weights: Counter[RawContact] = Counter(self.contact_commits)
        for group, count in self.group_commits.items():
            for raw in group:
                weights[raw] += count
        contact_of: dict[RawContact, Contact] = {}
        for raw, count in weights.items():
            name, email = mailmap.get(raw, raw)
            contact_of[raw] = resolver.observe(name=name, email=email, weight=count)
        login_contact = {
            login: resolver.observe(login=login, weight=0)
            for login in set(self.login_comments) | set(self.login_closes)
        }
        self.people, self.identities = {}, {}

        def facts_for(contact: Contact) -> PersonFacts | None:
            identity = resolver.identity_of(contact)
            if identity is None:
                return None
            facts = self.people.get(identity.key)
            if facts is None:
                self.identities[identity.key] = identity
                facts = self.people[identity.key] = PersonFacts(name=identity.name, email=identity.email)
            return facts

        key_of: dict[RawContact, str] = {}
        for raw, contact in contact_of.items():
            facts = facts_for(contact)
            if facts is None:
                continue
            key_of[raw] = resolver.identity_of(contact).key
            facts.last_at = _later(facts.last_at, self.contact_last.get(raw))
        for raw, count in self.contact_commits.items():
            if raw in key_of:
                self.people[key_of[raw]].commits += count
        group_keys = {group: {key_of[r] for r in group if r in key_of} for group in self.group_commits}
        for group, count in self.group_commits.items():
            for key in group_keys[group]:
                self.people[key].commits += count
        login_key: dict[str, str] = {}
        for login, contact in login_contact.items():
            facts = facts_for(contact)
            if facts is None:
                continue
            login_key[login] = resolver.identity_of(contact).key
            facts.comments += self.login_comments[login]
            facts.closes += self.login_closes[login]
            facts.last_at = _later(facts.last_at, self.login_last.get(login))
        self.per_area = {}
        for area, counter in self.area_contacts.items():
            merged: Counter = Counter()
            for raw, count in counter.items():
                if raw in group_keys:
                    for key in group_keys[raw]:
                        merged[key] += count
                elif raw in key_of:
                    merged[key_of[raw]] += count
            self.per_area[area] = merged
        self.per_label = {}
        for label, counter in self.label_logins.items():
            merged = Counter()
            for login, count in counter.items():
                if login in login_key:
                    merged[login_key[login]] += count
            self.per_label[label] = merged
        return resolver

    def is_bot(self, key: str) -> bool:
        identity = self.identities.get(key)
        return identity is not None and identity.is_bot

    def authored(self) -> dict[str, int]:
        """Commit credits per person, bots left out: what the bus factor is computed over."""
        return {k: f.commits for k, f in self.people.items() if f.commits and not self.is_bot(k)}

    def engagement(self) -> dict[str, int]:
        """Comments and closes per person, bots left out: an engagement figure of its own."""
        return {
            k: f.comments + f.closes
            for k, f in self.people.items()
            if f.comments + f.closes and not self.is_bot(k)
        }


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or (b is not None and b > a):
        return b
    return a


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
        labels = issue_schema.labels(metadata)
        issue_labels[pk] = labels
        closer = issue_schema.closed_by(metadata)
        if closer:
            yield closer, "close", labels, changed
    comments = Document.objects.filter(project=project, kind=Document.Kind.COMMENT)
    for parent_id, metadata, changed in comments.values_list(
        "parent_id", "metadata", "last_changed_at"
    ).iterator(chunk_size=2000):
        author = issue_schema.author(metadata)
        if author:
            yield author, "comment", issue_labels.get(parent_id, []), changed



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
    contacts: int = 0  # distinct git (name, e-mail) pairs and GitHub logins seen
    identities: int = 0  # people and bots they were merged into
    bots: list[str] = field(default_factory=list)
    affiliation_map_errors: list[str] = field(default_factory=list)


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
    counter = ContributionCounter(area_paths=directories, label_areas=labels)
    repo = project_repository_dir(project)
    if commits is None:
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
    # Git applies .mailmap to authors but not to Co-authored-by trailers.
    mailmap = (
        check_mailmap(repo, sorted(counter.co_author_contacts)) if repo and counter.co_author_contacts else {}
    )
    resolver = IdentityResolver()
    maintainer_contacts = [
        (m, resolver.observe(name=m.display_name, email=m.email, login=m.github_login)) for m in maintainers
    ]
    counter.resolve(resolver, mailmap=mailmap)
    maintainer_of: dict[str, Maintainer] = {}
    for maintainer, contact in maintainer_contacts:
        identity = resolver.identity_of(contact)
        if identity is not None and identity.key in counter.people:
            maintainer_of.setdefault(identity.key, maintainer)
    mapping = AffiliationMap.from_repository(repo)
    report.affiliation_map_errors = mapping.errors
    report.contacts = len(
        set(counter.contact_commits) | {raw for group in counter.group_commits for raw in group}
    ) + len(set(counter.login_comments) | set(counter.login_closes))
    _store(project, counter, areas, maintainer_of, Organisations(mapping=mapping), report)
    return report


@transaction.atomic
def _store(
    project,
    counter: ContributionCounter,
    areas: list[Area],
    maintainer_of: dict[str, Maintainer],
    organisations: Organisations,
    report: RiskReport,
) -> None:
    now = timezone.now()
    authored = counter.authored()
    engagement = counter.engagement()
    affiliations: dict[str, str] = {}
    for key, identity in counter.identities.items():
        if identity.is_bot:
            continue
        maintainer = maintainer_of.get(key)
        affiliations[key] = organisations.of(identity, declared=maintainer.affiliation if maintainer else "")
    names = {key: (maintainer_of[key].display_name if key in maintainer_of and maintainer_of[key].display_name else facts.name) or key
             for key, facts in counter.people.items()}  # fmt: skip

    def org_counts(person_counts: dict[str, int]) -> Counter:
        orgs: Counter = Counter()
        for key, count in person_counts.items():
            if affiliations.get(key):
                orgs[affiliations[key]] += count
        return orgs

    def people_only(counter_: Counter) -> Counter:
        return Counter({k: v for k, v in counter_.items() if not counter.is_bot(k)})

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
            # Authored commits under the directory.
            people = people_only(counter.per_area.get(area.path, Counter()))
            area.doc_count = doc_counts.get(area.path, 0)
            area.glacier_count = glacier_dirs.get(area.path, 0)
        elif area.kind == Area.Kind.LABEL:
            # A label has no commits: its figures are engagement (comments, closes) on its issues.
            people = people_only(counter.per_label.get(area.path, Counter()))
            area.doc_count = 0
            area.glacier_count = glacier_labels.get(area.path, 0)
        else:
            # A file named in CODEOWNERS: the counter keeps no per-file commits (yet), so no figures.
            people = Counter()
            area.doc_count = area.glacier_count = 0
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
    orgs = org_counts(authored)
    bots = {k: f.commits + f.comments + f.closes for k, f in counter.people.items() if counter.is_bot(k)}
    report.commits = counter.commits
    report.contributors = len(authored)
    report.identities = len(counter.people)
    report.bots = sorted(bots, key=lambda k: (-bots[k], k))
    report.bus_factor = bus_factor(authored.values())
    report.elephant_factor = elephant_factor(orgs.values())
    report.areas = len(areas)
    report.silos = silos
    ProjectRisk.objects.update_or_create(
        project=project,
        defaults={
            "bus_factor": report.bus_factor,
            "elephant_factor": report.elephant_factor,
            "contributions": sum(authored.values()),
            "contributors": report.contributors,
            "commits": counter.commits,
            "engagement": sum(engagement.values()),
            "engaged_people": len(engagement),
            "top_contributors": _ranked(authored, names),
            "top_affiliations": [{**row, "name": organisations.name(row["key"])} for row in _ranked(orgs)],
            "bots": _ranked(bots, names),
            "silo_count": silos,
            "computed_at": now,
        },
    )
    rows = [
        Contribution(
            project=project, identity=key[:254], name=(names[key] or "")[:200], email=facts.email[:254],
            maintainer=maintainer_of.get(key), affiliation=organisations.name(affiliations[key])[:200] if affiliations.get(key) else "",
            commits=facts.commits, comments=facts.comments, closes=facts.closes, last_contributed_at=facts.last_at,
            is_bot=counter.is_bot(key), aliases=counter.identities[key].aliases[:50],
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
            "is_bot",
            "aliases",
        ],
    )
    stale = set(Contribution.objects.filter(project=project).values_list("identity", flat=True)) - {
        r.identity for r in rows
    }
    for start in range(0, len(stale), 500):
        Contribution.objects.filter(project=project, identity__in=sorted(stale)[start : start + 500]).delete()
