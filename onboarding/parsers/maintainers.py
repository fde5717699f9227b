"""MAINTAINERS files in the shapes projects actually use:

- Markdown tables (columns found by their header: name, GitHub/login/handle,
  e-mail, affiliation/company/organization, area/scope/component, role/status);
- Markdown lists ("- Jane Doe (@jane), Acme", "* [Jane Doe](https://github.com/jane)");
- plain "Name <email> (@login)" lines;
- Linux-style blocks: a subsystem title, then "M: Name <email>" and "F: path/" lines;
- Kubernetes-style YAML (approvers / reviewers / emeritus_approvers / maintainers lists).

Headings set the role of the people under them: "Emeritus"/"Alumni"/"Former" make
them emeritus, "Reviewers" reviewers, "Approvers"/"Committers" approvers, anything
else maintainers. A file with text but no recognisable person, a table row with the
wrong number of cells, or an unclosed "<email" is a ParseError with the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from kb.yaml_safe import load_yaml
from onboarding.parsers import ParseError, normalise_login

ROLE_MAINTAINER, ROLE_APPROVER, ROLE_REVIEWER, ROLE_EMERITUS = (
    "maintainer",
    "approver",
    "reviewer",
    "emeritus",
)

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_GITHUB_URL = re.compile(
    r"https?://(?:www\.)?github\.com/(?P<login>[A-Za-z0-9][A-Za-z0-9-]*)/?(?=[)\s>\]|,]|$)"
)
_AT_LOGIN = re.compile(r"(?<![\w.@/])@(?P<login>[A-Za-z0-9][A-Za-z0-9-]{0,38})(?![\w@.-]*\.[A-Za-z]{2,}\b)")
_MD_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]*)\)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?P<text>.+)$")
_HEADING = re.compile(r"^\s{0,3}(?:#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_TAGGED = re.compile(r"^(?P<tag>[A-Z]):\s*(?P<value>.*)$")
_PLAIN_NAME = re.compile(r"^[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){0,4}$")


@dataclass
class Person:
    name: str = ""
    email: str = ""
    login: str = ""
    affiliation: str = ""
    role: str = ROLE_MAINTAINER
    areas: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def identity(self) -> str:
        return (self.login or self.email or self.name).lower()


@dataclass
class MaintainersFile:
    path: str
    people: list[Person] = field(default_factory=list)


def _role_from_heading(text: str, default: str = ROLE_MAINTAINER) -> str:
    lowered = text.lower()
    if any(word in lowered for word in ("emeritus", "alumni", "former", "past ", "inactive", "retired")):
        return ROLE_EMERITUS
    if "reviewer" in lowered:
        return ROLE_REVIEWER
    if "approver" in lowered or "committer" in lowered:
        return ROLE_APPROVER
    return default


def _clean(text: str) -> str:
    text = _MD_LINK.sub(lambda m: m["text"], text)
    return re.sub(r"[*_`]+", "", text).strip(" \t-–—:,;|")


def person_from_text(text: str, *, path: str, line: int, role: str = ROLE_MAINTAINER) -> Person | None:
    """One person from free text, or None when the text names nobody."""
    if "<" in text and ">" not in text.split("<", 1)[1]:
        raise ParseError(f"unclosed '<' in {text.strip()!r} (expected 'Name <email>')", path=path, line=line)
    person = Person(role=role, line=line)
    email_match = re.search(r"<\s*(?:mailto:)?([^<>\s]+)\s*>", text) or _EMAIL.search(text)
    if email_match:
        email = email_match.group(1) if email_match.re is not _EMAIL else email_match.group(0)
        if not _EMAIL.fullmatch(email):
            raise ParseError(f"{email!r} is not an e-mail address", path=path, line=line)
        person.email = email
    url_match = _GITHUB_URL.search(text)
    at_match = _AT_LOGIN.search(_EMAIL.sub(" ", text))
    if url_match:
        person.login = url_match["login"]
    elif at_match:
        person.login = at_match["login"]
    link = _MD_LINK.search(text)
    rest = text
    if link and not link["text"].lstrip().startswith("@"):
        person.name = _clean(link["text"])
        rest = text[: link.start()] + " " + text[link.end() :]
    rest = re.sub(r"<[^<>]*>", " ", rest)
    rest = _EMAIL.sub(" ", rest)
    rest = _GITHUB_URL.sub(" ", rest)
    rest = _MD_LINK.sub(lambda m: " " if m["text"].lstrip().startswith("@") else m["text"], rest)
    rest = _AT_LOGIN.sub(" ", rest)
    rest = re.sub(r"\(\s*\)|\[\s*\]", " ", rest)
    parenthesised = [_clean(p) for p in re.findall(r"\(([^()]*)\)", rest) if _clean(p)]
    rest = re.sub(r"\([^()]*\)", " ", rest)
    parts = [_clean(p) for p in re.split(r"\s[-–—|]\s|,|;", rest) if _clean(p)]
    if not person.name and parts:
        person.name = parts.pop(0)
    extras = parts + parenthesised
    if extras:
        person.affiliation = extras[0]
    person.name = " ".join(person.name.split())
    if not (person.email or person.login):
        if not _PLAIN_NAME.match(person.name or ""):
            return None
    return person


def _split_row(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", body)]


_COLUMNS = {
    "login": ("github", "login", "handle", "username", "user"),
    "email": ("email", "e-mail", "mail", "contact"),
    "affiliation": ("affiliation", "company", "organization", "organisation", "employer", "org"),
    "areas": ("area", "scope", "component", "responsib", "focus", "subsystem"),
    "role": ("role", "status", "position"),
    "name": ("name", "maintainer", "person", "who"),
}


def _table_columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        label = _clean(cell).lower()
        for column, words in _COLUMNS.items():
            if column not in columns and any(word in label for word in words):
                columns[column] = index
                break
    return columns


def _person_from_row(
    cells: list[str], columns: dict[str, int], *, path: str, line: int, role: str
) -> Person | None:
    def cell(column: str) -> str:
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    name_cell = cell("name")
    person = person_from_text(name_cell, path=path, line=line, role=role) if name_cell else None
    person = person or Person(role=role, line=line, name=_clean(name_cell))
    login_cell = cell("login")
    if login_cell:
        found = person_from_text(login_cell, path=path, line=line)
        login = found.login if found and found.login else _clean(login_cell)
        if login and " " not in login:
            person.login = normalise_login(login)
    email_cell = cell("email")
    if email_cell:
        found = _EMAIL.search(email_cell)
        if found:
            person.email = found.group(0)
    if cell("affiliation"):
        person.affiliation = _clean(cell("affiliation"))
    if cell("areas"):
        person.areas = [a for a in (_clean(x) for x in re.split(r",|;|<br\s*/?>", cell("areas"))) if a]
    if cell("role"):
        person.role = _role_from_heading(cell("role"), role)
    if not (person.name or person.login or person.email):
        return None
    return person


def _parse_yaml(text: str, path: str) -> MaintainersFile | None:
    try:
        data = load_yaml(text)
    except yaml.YAMLError:
        return None
    keys = {"approvers": ROLE_APPROVER, "maintainers": ROLE_MAINTAINER, "reviewers": ROLE_REVIEWER,
            "emeritus_approvers": ROLE_EMERITUS, "emeritus": ROLE_EMERITUS}  # fmt: skip
    if not isinstance(data, dict) or not set(data) & set(keys):
        return None
    result = MaintainersFile(path=path)
    lines = text.splitlines()
    for key, role in keys.items():
        for entry in data.get(key) or []:
            if not isinstance(entry, str):
                raise ParseError(f"'{key}' entries must be names", path=path, line=None)
            number = next((i for i, ln in enumerate(lines, 1) if entry in ln), 0)
            person = person_from_text(entry, path=path, line=number, role=role)
            if person is None:
                person = Person(login=normalise_login(entry), role=role, line=number)
            result.people.append(person)
    return result


def parse_maintainers(text: str, *, path: str = "MAINTAINERS") -> MaintainersFile:
    yaml_result = _parse_yaml(text, path) if re.search(r"^[a-z_]+:\s*$", text, re.M) else None
    if yaml_result is not None:
        return _deduplicate(yaml_result)
    result = MaintainersFile(path=path)
    lines = text.splitlines()
    role = ROLE_MAINTAINER
    section = ""
    table_columns: dict[str, int] | None = None
    table_width = 0
    in_code = False
    linux_block: list[Person] = []
    for index, raw in enumerate(lines):
        number = index + 1
        line = raw.rstrip()
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        if in_code or not line.strip() or line.strip().startswith("<!--"):
            table_columns = None if not line.strip() else table_columns
            linux_block = [] if not line.strip() else linux_block
            continue
        heading = _HEADING.match(line)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if (
            not heading
            and _SETEXT.match(following)
            and not line.lstrip().startswith("|")
            and not _LIST_ITEM.match(line)
        ):
            heading = re.match(r"(?P<text>.+)", line.strip())
        if heading:
            section = _clean(heading["text"])
            role = _role_from_heading(section)
            table_columns = None
            continue
        if _SETEXT.match(line):
            continue
        if line.lstrip().startswith("|"):
            cells = _split_row(line)
            if all(re.fullmatch(r":?-{2,}:?", c.replace(" ", "")) for c in cells if c):
                continue
            if table_columns is None:
                table_columns = _table_columns(cells)
                table_width = len(cells)
                if not table_columns:
                    raise ParseError(
                        "table header names no known column (name, GitHub, e-mail…)", path=path, line=number
                    )
                continue
            if len(cells) != table_width:
                raise ParseError(
                    f"table row has {len(cells)} cells but the header has {table_width}",
                    path=path,
                    line=number,
                )
            person = _person_from_row(cells, table_columns, path=path, line=number, role=role)
            if person:
                if (
                    section
                    and not person.areas
                    and role == ROLE_MAINTAINER
                    and "maintainer" not in section.lower()
                ):
                    person.areas = [section]
                result.people.append(person)
            continue
        tagged = _TAGGED.match(line)
        if tagged:
            tag, value = tagged["tag"], tagged["value"].strip()
            if tag in {"M", "R"}:
                person = person_from_text(
                    value, path=path, line=number, role=ROLE_MAINTAINER if tag == "M" else ROLE_REVIEWER
                )
                if person is None or not (person.email or person.login):
                    raise ParseError(
                        f"'{tag}:' needs 'Name <email>', found {value!r}", path=path, line=number
                    )
                if section:
                    person.areas.append(section)
                result.people.append(person)
                linux_block.append(person)
            elif tag == "F":
                for person in linux_block:
                    person.areas.append(value)
            continue
        item = _LIST_ITEM.match(line)
        text = item["text"] if item else line.strip()
        person = person_from_text(text, path=path, line=number, role=role)
        if person and (item or person.email or person.login):
            if section and role == ROLE_MAINTAINER and "maintainer" not in section.lower() and item:
                person.areas.append(section)
            result.people.append(person)
        elif not item:
            # A paragraph line: it may title a Linux-style block that follows.
            section = _clean(line)
            linux_block = []
    if not result.people and text_has_content(text):
        raise ParseError(
            "no maintainers found (expected a table, a list or 'Name <email>' lines)", path=path, line=1
        )
    return _deduplicate(result)


def text_has_content(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in text.splitlines())


def _deduplicate(result: MaintainersFile) -> MaintainersFile:
    """One entry per person; an active role beats an emeritus listing, areas are merged."""
    merged: dict[str, Person] = {}
    for person in result.people:
        key = person.identity
        if not key:
            continue
        if key not in merged:
            merged[key] = person
            continue
        kept = merged[key]
        kept.areas += [a for a in person.areas if a not in kept.areas]
        kept.email = kept.email or person.email
        kept.login = kept.login or person.login
        kept.affiliation = kept.affiliation or person.affiliation
        if kept.role == ROLE_EMERITUS and person.role != ROLE_EMERITUS:
            kept.role = person.role
    result.people = list(merged.values())
    return result
