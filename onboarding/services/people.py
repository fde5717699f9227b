"""Importing people, roles and areas from a project's ownership files.

`people_import` reads every Document that kb.ownership calls an ownership file (OWNERS,
OWNERS_ALIASES, CODEOWNERS in its three locations, MAINTAINERS in its forms, the role
sections of OWNERS.md and GOVERNANCE.md; never one under a vendored or test tree), works out
the state those files describe, and brings the database to exactly that state:

- one Maintainer per person (matched case-insensitively by GitHub login, else e-mail),
  linked to a Django user with the same username or e-mail when one exists;
- a ProjectRole per person on the ladder, in kb.ownership's vocabulary: approvers of the
  root OWNERS (file-wide or ".*") and of the CODEOWNERS "*" rule are maintainers, other
  approvers (filters included) approvers, reviewers reviewers; MAINTAINERS, OWNERS.md and
  GOVERNANCE.md give leads, maintainers, approvers, reviewers and members as they say;
  people only listed as emeritus are emeritus; the most senior listing wins;
- an Area per directory holding an OWNERS file (per CODEOWNERS rule naming one folder or
  one file, and per MAINTAINERS area), an Area per OWNERS label, and their owners;
- maintainers mirrored into kb's ProjectMembership (role maintainer) so kb's access
  rules apply to them.

It is idempotent (a second run writes nothing) and handles removals: an ownership
row the files no longer support is deleted, and a person who disappears from every
file falls back to contributor. Rows set by hand or by a handoff (origin other than
"owners") are left alone.
"""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from kb.models import Document, Project, ProjectMembership
from kb.ownership import ParseError, Role, normalise_login, ownership_file_kind
from kb.ownership.codeowners import effective_codeowners, parse_codeowners
from kb.ownership.maintainers import parse_maintainers, parse_role_sections
from kb.ownership.owners import OwnersFile, read_owners_tree
from onboarding.models import Area, AreaOwner, Maintainer, ProjectRole, RoleChange
from onboarding.services.identities import login_from_email, normalise_email

logger = logging.getLogger(__name__)

Ladder = ProjectRole.Ladder
RANK = {role: index for index, role in enumerate(ProjectRole.ORDER)}
IMPORT_ORIGIN = "owners"
_LOGIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


@dataclass
class PersonSpec:
    login: str = ""
    email: str = ""
    name: str = ""
    affiliation: str = ""
    key: str = ""  # the first identifier the person was seen under; stable for the whole import


@dataclass
class AreaSpec:
    kind: str
    path: str
    origin: str
    document_id: int | None = None
    owners: dict[str, str] = field(default_factory=dict)  # person key -> AreaOwner.Role

    def add(self, key: str, role: str) -> None:
        # An active role outranks an emeritus listing of the same person.
        if self.owners.get(key) in {AreaOwner.Role.APPROVER} and role != AreaOwner.Role.APPROVER:
            return
        if self.owners.get(key) == AreaOwner.Role.REVIEWER and role == AreaOwner.Role.EMERITUS:
            return
        self.owners[key] = role


@dataclass
class ImportReport:
    files: int = 0
    people: int = 0
    maintainers_created: int = 0
    areas_created: int = 0
    areas_deleted: int = 0
    ownerships_added: int = 0
    ownerships_removed: int = 0
    roles_changed: int = 0
    users_linked: int = 0
    memberships_changed: int = 0
    errors: list[dict] = field(default_factory=list)  # [{"path", "line", "error"}]

    @property
    def changed(self) -> bool:
        return any(
            (self.maintainers_created, self.areas_created, self.areas_deleted, self.ownerships_added,
             self.ownerships_removed, self.roles_changed, self.users_linked, self.memberships_changed)
        )  # fmt: skip


class _Desired:
    """The state the ownership files describe, before it touches the database."""

    def __init__(self) -> None:
        self.people: dict[str, PersonSpec] = {}
        self.roles: dict[str, str] = {}
        self.areas: dict[tuple[str, str], AreaSpec] = {}
        self._index: dict[str, str] = {}  # "l:<login>" / "e:<email>" -> person key

    def person(
        self, *, login: str = "", email: str = "", name: str = "", affiliation: str = ""
    ) -> str | None:
        login = normalise_login(login)
        if login and not _LOGIN_RE.match(login):
            return None  # teams ("org/team") and odd tokens are not people
        email = email.strip()
        # A noreply address names the login (onboarding.services.identities).
        login = login or login_from_email(email)
        nodes = [
            n
            for n in (f"l:{login.lower()}" if login else "", f"e:{normalise_email(email)}" if email else "")
            if n
        ]
        if not nodes:
            return None
        key = next((self._index[n] for n in nodes if n in self._index), None)
        if key is None:
            key = (login or email).lower()
            self.people[key] = PersonSpec(
                login=login, email=email, name=name.strip(), affiliation=affiliation.strip(), key=key
            )
        known = self.people[key]
        for node in nodes:
            self._index.setdefault(node, key)
        known.login = known.login or login
        known.email = known.email or email
        known.name = known.name or name.strip()
        known.affiliation = known.affiliation or affiliation.strip()
        return key

    def rank(self, key: str, role: str) -> None:
        current = self.roles.get(key)
        if role == Ladder.EMERITUS:
            self.roles.setdefault(key, Ladder.EMERITUS)
        elif current is None or current == Ladder.EMERITUS or RANK[role] > RANK[current]:
            self.roles[key] = role

    def area(self, kind: str, path: str, origin: str, document_id: int | None) -> AreaSpec:
        spec = self.areas.get((kind, path))
        if spec is None:
            spec = self.areas[(kind, path)] = AreaSpec(kind, path, origin, document_id)
        elif spec.document_id is None:
            spec.document_id = document_id
        return spec


def _read_owners(desired: _Desired, directory: str, parsed: OwnersFile, document_id: int | None) -> None:
    """One OWNERS file, aliases already expanded (kb.ownership.owners.read_owners_tree)."""
    is_root = directory == ""
    wide = parsed.whole_directory_rules
    area = desired.area(Area.Kind.DIRECTORY, directory, "owners", document_id)
    labelled: list[tuple[list[str], list]] = []
    for rule in parsed.all_rules:
        whole = rule in wide
        for login in rule.approvers:
            if key := desired.person(login=login):
                if whole:
                    area.add(key, AreaOwner.Role.APPROVER)
                # A filter's approvers approve some files only: approvers, not maintainers.
                desired.rank(key, Ladder.MAINTAINER if is_root and whole else Ladder.APPROVER)
        for login in rule.reviewers:
            if key := desired.person(login=login):
                if whole:
                    area.add(key, AreaOwner.Role.REVIEWER)
                desired.rank(key, Ladder.REVIEWER)
        for login in rule.emeritus_approvers:
            if key := desired.person(login=login):
                if whole:
                    area.add(key, AreaOwner.Role.EMERITUS)
                desired.rank(key, Ladder.EMERITUS)
        if rule.labels:
            labelled.append((rule.labels, [rule.approvers or parsed.approvers, rule.reviewers]))
    for labels, (approvers, reviewers) in labelled:
        if not approvers and not reviewers:
            approvers = [
                login for login, role in _owners_logins(desired, area) if role == AreaOwner.Role.APPROVER
            ]
            reviewers = [
                login for login, role in _owners_logins(desired, area) if role == AreaOwner.Role.REVIEWER
            ]
        for label in labels:
            label_area = desired.area(Area.Kind.LABEL, label, "owners", document_id)
            for login in approvers:
                if key := desired.person(login=login):
                    label_area.add(key, AreaOwner.Role.APPROVER)
            for login in reviewers:
                if key := desired.person(login=login):
                    label_area.add(key, AreaOwner.Role.REVIEWER)


def _owners_logins(desired: _Desired, area: AreaSpec) -> list[tuple[str, str]]:
    return [(desired.people[key].login or key, role) for key, role in area.owners.items()]


def _read_codeowners(desired: _Desired, doc) -> None:
    """CODEOWNERS speaks for the whole repository, wherever of its three places it sits."""
    parsed = parse_codeowners(doc.body, path=doc.path)
    for rule in parsed.rules:
        if rule.area is None:
            continue  # a glob such as "*.md" names no single folder or file
        kind, path = rule.area
        area = desired.area(kind, path, "codeowners", doc.pk)
        # Last match wins: a later rule for the same area replaces the earlier owners.
        area.owners = {k: v for k, v in area.owners.items() if v == AreaOwner.Role.EMERITUS}
        for owner in rule.owners:
            login, email = ("", owner) if "@" in owner[1:] else (owner, "")
            if key := desired.person(login=login, email=email):
                area.add(key, AreaOwner.Role.APPROVER)
                desired.rank(
                    key, Ladder.MAINTAINER if (kind, path) == (Area.Kind.DIRECTORY, "") else Ladder.APPROVER
                )


_ROLE_TO_LADDER = {
    Role.LEAD: Ladder.LEAD, Role.MAINTAINER: Ladder.MAINTAINER, Role.APPROVER: Ladder.APPROVER,
    Role.REVIEWER: Ladder.REVIEWER, Role.MEMBER: Ladder.MEMBER, Role.EMERITUS: Ladder.EMERITUS,
}  # fmt: skip
_ROLE_TO_OWNER_ROLE = {
    Role.LEAD: AreaOwner.Role.APPROVER, Role.MAINTAINER: AreaOwner.Role.APPROVER,
    Role.APPROVER: AreaOwner.Role.APPROVER, Role.REVIEWER: AreaOwner.Role.REVIEWER,
    Role.MEMBER: AreaOwner.Role.REVIEWER, Role.EMERITUS: AreaOwner.Role.EMERITUS,
}  # fmt: skip


def _read_maintainers(desired: _Desired, doc, parse=parse_maintainers) -> None:
    parsed = parse(doc.body, path=doc.path)
    for person in parsed.people:
        key = desired.person(
            login=person.login, email=person.email, name=person.name, affiliation=person.affiliation
        )
        if key is None:
            continue
        desired.rank(key, _ROLE_TO_LADDER[person.role])
        for raw in person.areas:
            area_name = raw.strip()
            if not area_name:
                continue
            if "/" in area_name or "*" in area_name or area_name.endswith("/"):
                path = area_name.strip("/").removesuffix("/*").removesuffix("/**")
                kind, path = Area.Kind.DIRECTORY, ("" if path in {"*", "**"} else path)
            else:
                kind, path = Area.Kind.LABEL, area_name
            desired.area(kind, path, "maintainers", doc.pk).add(key, _ROLE_TO_OWNER_ROLE[person.role])


def _ownership_documents(project: Project) -> dict[str, list]:
    """kind -> the project's ownership Documents of that kind (kb.ownership decides, by path:
    OWNERS.md is stored as "owners" and GOVERNANCE.md as "doc", and both are read)."""
    candidates = Document.objects.filter(
        project=project, kind__in=[Document.Kind.OWNERS, Document.Kind.DOC]
    ).values_list("pk", "path", "key")
    wanted = {pk: kind for pk, path, key in candidates if (kind := ownership_file_kind(path or key))}
    by_kind: dict[str, list] = {}
    documents = Document.objects.filter(pk__in=list(wanted)).only("pk", "path", "key", "body")
    for doc in sorted(documents, key=lambda d: ((d.path or d.key).count("/"), d.path or d.key)):
        doc.path = doc.path or doc.key
        by_kind.setdefault(wanted[doc.pk], []).append(doc)
    # GitHub reads one CODEOWNERS: the first of .github/, the root, docs/.
    codeowners = effective_codeowners([d.path for d in by_kind.get("codeowners", [])])
    by_kind["codeowners"] = [d for d in by_kind.get("codeowners", []) if d.path == codeowners]
    return by_kind


def _error(exc: ParseError) -> dict:
    return {"path": exc.path, "line": exc.line, "error": exc.message}


def _collect(project: Project, report: ImportReport) -> _Desired:
    by_kind = _ownership_documents(project)
    report.files = sum(len(docs) for docs in by_kind.values())
    desired = _Desired()
    for doc in by_kind.get("maintainers", []):
        _read_guarded(report, lambda doc=doc: _read_maintainers(desired, doc))
    for doc in by_kind.get("governance", []):
        _read_guarded(report, lambda doc=doc: _read_maintainers(desired, doc, parse=parse_role_sections))
    owners_documents = by_kind.get("owners", []) + by_kind.get("owners_aliases", [])
    tree = read_owners_tree([(doc.path, doc.body) for doc in owners_documents])
    report.errors += [_error(exc) for exc in tree.errors]
    document_ids = {posixpath.dirname(doc.path): doc.pk for doc in by_kind.get("owners", [])}
    for directory, parsed in tree.files.items():
        _skip_unresolved_aliases(parsed, tree.unresolved_aliases.get(directory, set()))
        _read_owners(desired, directory, parsed, document_ids.get(directory))
    for doc in by_kind.get("codeowners", []):
        _read_guarded(report, lambda doc=doc: _read_codeowners(desired, doc))
    return desired


def _read_guarded(report: ImportReport, read) -> None:
    try:
        read()
    except ParseError as exc:
        report.errors.append(_error(exc))


def _skip_unresolved_aliases(parsed: OwnersFile, unresolved: set[str]) -> None:
    """ "sig-gone-leads" that OWNERS_ALIASES no longer defines names a group, not a person."""
    if not unresolved:
        return
    for holder in (parsed, *parsed.filters):
        for key in ("approvers", "reviewers", "emeritus_approvers"):
            setattr(holder, key, [name for name in getattr(holder, key) if name not in unresolved])


def _match_maintainers(desired: _Desired, report: ImportReport) -> dict[str, Maintainer]:
    """Person key -> Maintainer, creating the missing ones in bulk."""
    logins = {p.login.lower() for p in desired.people.values() if p.login}
    emails = {p.email.lower() for p in desired.people.values() if p.email}
    by_login: dict[str, Maintainer] = {}
    by_email: dict[str, Maintainer] = {}
    if logins or emails:
        found = Maintainer.objects.annotate(
            login_lower=Lower("github_login"), email_lower=Lower("email")
        ).filter(Q(login_lower__in=logins) | Q(email_lower__in=emails))
        for maintainer in found:
            if maintainer.github_login:
                by_login.setdefault(maintainer.github_login.lower(), maintainer)
            if maintainer.email:
                by_email.setdefault(maintainer.email.lower(), maintainer)
    result: dict[str, Maintainer] = {}
    to_create: list[Maintainer] = []
    to_update: dict[int, Maintainer] = {}
    for key, spec in desired.people.items():
        maintainer = (by_login.get(spec.login.lower()) if spec.login else None) or (
            by_email.get(spec.email.lower()) if spec.email else None
        )
        if maintainer is None:
            maintainer = Maintainer(
                github_login=spec.login,
                email=spec.email,
                display_name=spec.name,
                affiliation=spec.affiliation,
            )
            to_create.append(maintainer)
            if spec.email:
                by_email[spec.email.lower()] = maintainer
        else:
            changed = False
            for attr, value in (("github_login", spec.login), ("email", spec.email),
                                ("display_name", spec.name), ("affiliation", spec.affiliation)):  # fmt: skip
                if value and not getattr(maintainer, attr):
                    setattr(maintainer, attr, value)
                    changed = True
            if changed and maintainer.pk:
                to_update[maintainer.pk] = maintainer
        result[key] = maintainer
    if to_create:
        Maintainer.objects.bulk_create(to_create)
        report.maintainers_created = len(to_create)
        if any(m.pk is None for m in to_create):  # backends that do not return ids
            fresh = {m.github_login.lower() or m.email.lower(): m for m in Maintainer.objects.filter(
                Q(github_login__in=[m.github_login for m in to_create if m.github_login])
                | Q(email__in=[m.email for m in to_create if m.email and not m.github_login]))}  # fmt: skip
            result = {k: (fresh.get(k, m) if m.pk is None else m) for k, m in result.items()}
    if to_update:
        Maintainer.objects.bulk_update(
            list(to_update.values()), ["github_login", "email", "display_name", "affiliation"]
        )
    report.people = len(result)
    return result


def _sync_areas(
    project: Project, desired: _Desired, people: dict[str, Maintainer], report: ImportReport
) -> None:
    existing = {(a.kind, a.path): a for a in Area.objects.filter(project=project)}
    to_create, to_update = [], []
    for (kind, path), spec in desired.areas.items():
        area = existing.get((kind, path))
        if area is None:
            to_create.append(
                Area(
                    project=project,
                    kind=kind,
                    path=path,
                    origin=spec.origin,
                    owners_document_id=spec.document_id,
                )
            )
        elif area.owners_document_id != spec.document_id or (
            area.origin != spec.origin and area.origin != "manual"
        ):
            area.owners_document_id = spec.document_id
            area.origin = spec.origin if area.origin != "manual" else area.origin
            to_update.append(area)
    if to_create:
        Area.objects.bulk_create(to_create)
        report.areas_created = len(to_create)
    if to_update:
        Area.objects.bulk_update(to_update, ["owners_document", "origin"])
    stale = [a.pk for key, a in existing.items() if key not in desired.areas and a.origin != "manual"]
    if stale:
        Area.objects.filter(pk__in=stale).delete()
        report.areas_deleted = len(stale)
    area_ids = {
        (k, p): pk for k, p, pk in Area.objects.filter(project=project).values_list("kind", "path", "pk")
    }
    wanted = {
        (area_ids[key], people[person].pk, role)
        for key, spec in desired.areas.items()
        for person, role in spec.owners.items()
    }
    current = {
        (row.area_id, row.maintainer_id, row.role): row.pk
        for row in AreaOwner.objects.filter(area__project=project, origin=IMPORT_ORIGIN).only(
            "pk", "area_id", "maintainer_id", "role"
        )
    }
    others = set(
        AreaOwner.objects.filter(area__project=project)
        .exclude(origin=IMPORT_ORIGIN)
        .values_list("area_id", "maintainer_id", "role")
    )
    removed = [pk for triple, pk in current.items() if triple not in wanted]
    if removed:
        AreaOwner.objects.filter(pk__in=removed).delete()
        report.ownerships_removed = len(removed)
    added = [
        AreaOwner(area_id=a, maintainer_id=m, role=r, origin=IMPORT_ORIGIN)
        for a, m, r in sorted(wanted - set(current) - others)
    ]
    if added:
        AreaOwner.objects.bulk_create(added)
        report.ownerships_added = len(added)


def _sync_roles(
    project: Project, desired: _Desired, people: dict[str, Maintainer], report: ImportReport
) -> list[tuple[Maintainer, str, str]]:
    """Bring imported ProjectRoles to the files' ladder; returns (maintainer, old, new) moves."""
    wanted = {people[key].pk: role for key, role in desired.roles.items()}
    current = {
        r.maintainer_id: r for r in ProjectRole.objects.filter(project=project).select_related("maintainer")
    }
    moves: list[tuple[Maintainer, str, str]] = []
    to_create, to_update = [], []
    maintainers_by_pk = {m.pk: m for m in people.values()}
    for maintainer_pk, role in wanted.items():
        existing = current.get(maintainer_pk)
        if existing is None:
            to_create.append(
                ProjectRole(project=project, maintainer_id=maintainer_pk, role=role, origin=IMPORT_ORIGIN)
            )
            moves.append((maintainers_by_pk[maintainer_pk], "", role))
        elif existing.origin == IMPORT_ORIGIN and existing.role != role:
            moves.append((existing.maintainer, existing.role, role))
            existing.role = role
            to_update.append(existing)
    for maintainer_pk, existing in current.items():
        if (
            maintainer_pk not in wanted
            and existing.origin == IMPORT_ORIGIN
            and existing.role != Ladder.CONTRIBUTOR
        ):
            moves.append((existing.maintainer, existing.role, Ladder.CONTRIBUTOR))
            existing.role = Ladder.CONTRIBUTOR
            to_update.append(existing)
    if to_create:
        ProjectRole.objects.bulk_create(to_create)
    if to_update:
        ProjectRole.objects.bulk_update(to_update, ["role"])
    if moves:
        RoleChange.objects.bulk_create(
            RoleChange(
                project=project, maintainer=m, from_role=old, to_role=new, reason="ownership files import"
            )
            for m, old, new in moves
        )
    report.roles_changed = len(moves)
    return moves


def maintainers_link_users(*, maintainers: list[Maintainer] | None = None) -> int:
    """Link unlinked Maintainers to the Django user with the same username (login) or e-mail."""
    User = get_user_model()
    candidates = [
        m
        for m in (maintainers if maintainers is not None else Maintainer.objects.filter(user__isnull=True))
        if m.user_id is None
    ]
    if not candidates:
        return 0
    logins = {m.github_login.lower(): m for m in candidates if m.github_login}
    emails = {m.email.lower(): m for m in candidates if m.email}
    taken = set(Maintainer.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    users = User.objects.annotate(username_lower=Lower("username"), email_lower=Lower("email")).filter(
        Q(username_lower__in=list(logins)) | Q(email_lower__in=list(emails))
    )
    linked = []
    for user in users.exclude(pk__in=taken).order_by("pk"):
        maintainer = logins.get(user.username.lower()) or (
            emails.get(user.email.lower()) if user.email else None
        )
        if maintainer is not None and maintainer.user_id is None and user.pk not in taken:
            maintainer.user_id = user.pk
            taken.add(user.pk)
            linked.append(maintainer)
    if linked:
        Maintainer.objects.bulk_update(linked, ["user"])
    return len(linked)


def memberships_mirror(*, project: Project, demoted: set[int] = frozenset()) -> int:
    """Give every linked project maintainer a kb maintainer membership; demote the maintainers in
    `demoted` (Maintainer pks that just left the maintainer rung) to plain members."""
    changed = 0
    maintainer_users = set(
        ProjectRole.objects.filter(
            project=project, role__in=[Ladder.LEAD, Ladder.MAINTAINER], maintainer__user__isnull=False
        ).values_list("maintainer__user_id", flat=True)
    )
    memberships = {m.user_id: m for m in ProjectMembership.objects.filter(project=project)}
    new = [ProjectMembership(project=project, user_id=u, role=ProjectMembership.Role.MAINTAINER)
           for u in sorted(maintainer_users - set(memberships))]  # fmt: skip
    promote = [
        m
        for u, m in memberships.items()
        if u in maintainer_users and m.role != ProjectMembership.Role.MAINTAINER
    ]
    demoted_users = (
        set(Maintainer.objects.filter(pk__in=demoted, user__isnull=False).values_list("user_id", flat=True))
        - maintainer_users
    )
    demote = [
        m
        for u, m in memberships.items()
        if u in demoted_users and m.role == ProjectMembership.Role.MAINTAINER
    ]
    if new:
        ProjectMembership.objects.bulk_create(new, ignore_conflicts=True)
    for membership in promote:
        membership.role = ProjectMembership.Role.MAINTAINER
    for membership in demote:
        membership.role = ProjectMembership.Role.MEMBER
    if promote or demote:
        ProjectMembership.objects.bulk_update(promote + demote, ["role"])
    changed = len(new) + len(promote) + len(demote)
    return changed


@transaction.atomic
def people_import(*, project: Project) -> ImportReport:
    """Bring Maintainers, ProjectRoles, Areas and AreaOwners in line with the project's
    ownership files (see the module docstring). Broken files are reported, not fatal:
    what they said before stays until they parse again."""
    report = ImportReport()
    desired = _collect(project, report)
    broken = {e["path"] for e in report.errors}
    if broken:
        # Keep the areas and ownerships of files that failed to parse rather than dropping them.
        for area in Area.objects.filter(project=project, owners_document__path__in=broken):
            desired.areas.setdefault(
                (area.kind, area.path), AreaSpec(area.kind, area.path, area.origin, area.owners_document_id)
            )
            for owner in area.ownerships.filter(origin=IMPORT_ORIGIN).select_related("maintainer"):
                key = desired.person(login=owner.maintainer.github_login, email=owner.maintainer.email)
                if key:
                    desired.areas[(area.kind, area.path)].add(key, owner.role)
                    desired.rank(
                        key,
                        ProjectRole.objects.filter(project=project, maintainer=owner.maintainer)
                        .values_list("role", flat=True)
                        .first()
                        or Ladder.CONTRIBUTOR,
                    )
    people = _match_maintainers(desired, report)
    _sync_areas(project, desired, people, report)
    moves = _sync_roles(project, desired, people, report)
    report.users_linked = maintainers_link_users(maintainers=list(people.values()))
    maintainer_rungs = {Ladder.LEAD, Ladder.MAINTAINER}
    demoted = {m.pk for m, old, new in moves if old in maintainer_rungs and new not in maintainer_rungs}
    report.memberships_changed = memberships_mirror(project=project, demoted=demoted)
    return report
