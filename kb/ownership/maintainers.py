"""MAINTAINERS files in the shapes projects actually use, and the role sections of OWNERS.md
and GOVERNANCE.md.

`parse_maintainers` (MAINTAINERS, .md, .markdown, .rst, .txt) reads:
- Kubernetes-style YAML (approvers / reviewers / emeritus_approvers / maintainers lists);
- Linux-style blocks: a subsystem title, then "M: Name <email>", "R: Name <email>" and
  "F: path/" lines (the format is line-based, so it is read line by line);
- everything else as Markdown, through kb.rendering.markdown_tokens: tables (columns found
  by their header: name, GitHub/login/handle, e-mail, affiliation/company, area/scope,
  role/status), list items and plain "Name <email> (@login)" lines. Headings give the role
  of the people under them; a heading naming no role makes them maintainers of that area.

`parse_role_sections` (OWNERS.md, GOVERNANCE.md) reads the same Markdown shapes, but only
under headings that name a role ("## Maintainers", "## Emeritus Maintainers", "Reviewers",
"Leads", "Chairs"), and only entries that identify someone by e-mail or GitHub login:
`* Nic Cope <negz@upbound.io> ([negz](https://github.com/negz))` gives name, e-mail and login.
Prose elsewhere in such documents names nobody.

Headings map to the shared vocabulary (kb.ownership.Role). A MAINTAINERS file with text but
no recognisable person, a table whose header names no known column, an unclosed "<email" or
an "M:" line without an address is a ParseError with the line.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

import yaml

from kb.ownership import ParseError, Role, normalise_login, senior_role
from kb.rendering import RenderError, markdown_tokens
from kb.yaml_safe import load_yaml

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_GITHUB_URL = re.compile(
    r"https?://(?:www\.)?github\.com/(?P<login>[A-Za-z0-9][A-Za-z0-9-]*)/?(?=[)\s>\]|,]|$)"
)
_AT_LOGIN = re.compile(r"(?<![\w.@/])@(?P<login>[A-Za-z0-9][A-Za-z0-9-]{0,38})(?![\w@.-]*\.[A-Za-z]{2,}\b)")
_MD_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]*)\)")
_TAGGED = re.compile(r"^(?P<tag>[A-Z]):\s*(?P<value>.*)$")
_PLAIN_NAME = re.compile(r"^[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){0,4}$")
# A Linux-style file has unindented "M:" or "R:" lines.
_LINUX_PERSON_LINE = re.compile(r"^[MR]:\s", re.M)
# "Name <email> (octo-cat)": a lowercase login-shaped word in parentheses right after the
# address; a capitalised one ("(Acme)") stays an affiliation.
_BARE_LOGIN_AFTER_ADDRESS = re.compile(r">\s*\((?P<login>[a-z0-9][a-z0-9-]{0,38})\)")
_AREAS_TAIL = re.compile(r"[>)]\s*:\s*(?P<areas>[^()<>:]+)$")
# In an extension-less or .txt MAINTAINERS file "#" starts a comment, not a heading.
_COMMENT_LINE = re.compile(r"^#.*$", re.M)
_YAML_KEY_LINE = re.compile(r"^[a-z_]+:\s*$", re.M)

# Heading words -> role, checked in this order ("Emeritus Maintainers" is emeritus).
_HEADING_ROLES = (
    (Role.EMERITUS, re.compile(r"emeritus|alumni|former|\bpast\b|inactive|retired", re.I)),
    (Role.LEAD, re.compile(r"\b(?:tech(?:nical)? )?leads?\b|\bchairs?\b", re.I)),
    (Role.REVIEWER, re.compile(r"reviewer", re.I)),
    (Role.APPROVER, re.compile(r"approver|committer", re.I)),
    (Role.MAINTAINER, re.compile(r"maintainer", re.I)),
    (Role.MEMBER, re.compile(r"\bmembers?\b", re.I)),
)

# Headings about how the ladder works ("## Becoming a maintainer", "Responsibilities") list
# steps and duties, not people.
_PROCESS_HEADING = re.compile(
    r"becom|how to|responsibilit|process|nominat|expectation|dut(?:y|ies)|requirement|criteria|election|privilege",
    re.I,
)


@dataclass
class Person:
    name: str = ""
    email: str = ""
    login: str = ""
    affiliation: str = ""
    role: Role = Role.MAINTAINER
    areas: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def identity(self) -> str:
        return (self.login or self.email or self.name).lower()


@dataclass
class MaintainersFile:
    path: str
    people: list[Person] = field(default_factory=list)


def _role_from_heading(text: str) -> Role | None:
    return next((role for role, words in _HEADING_ROLES if words.search(text)), None)


def _clean(text: str) -> str:
    text = _MD_LINK.sub(lambda m: m["text"], text)
    return re.sub(r"[*_`]+", "", text).strip(" \t-–—:,;|")


def person_from_text(text: str, *, path: str, line: int, role: Role = Role.MAINTAINER) -> Person | None:
    """One person from free text, or None when the text names nobody."""
    if "<" in text and ">" not in text.split("<", 1)[1]:
        raise ParseError(f"unclosed '<' in {text.strip()!r} (expected 'Name <email>')", path=path, line=line)
    person = Person(role=role, line=line)
    # "Name <email> (login): docs, api" - what follows the colon is the person's areas.
    areas_tail = _AREAS_TAIL.search(text)
    if areas_tail:
        person.areas = [area for area in (_clean(a) for a in areas_tail["areas"].split(",")) if area]
        text = text[: areas_tail.start() + 1]
    email_match = re.search(r"<\s*(?:mailto:)?([^<>\s]+)\s*>", text) or _EMAIL.search(text)
    if email_match:
        email = email_match.group(1) if email_match.re is not _EMAIL else email_match.group(0)
        if not _EMAIL.fullmatch(email):
            raise ParseError(f"{email!r} is not an e-mail address", path=path, line=line)
        person.email = email
    url_match = _GITHUB_URL.search(text)
    at_match = _AT_LOGIN.search(_EMAIL.sub(" ", text))
    bare_match = _BARE_LOGIN_AFTER_ADDRESS.search(text)
    if url_match:
        person.login = url_match["login"]
    elif at_match:
        person.login = at_match["login"]
    elif bare_match:
        person.login = bare_match["login"]
        text = text[: bare_match.start() + 1] + text[bare_match.end() :]

    def names_login(link: re.Match) -> bool:
        """ "[@negz](…)" or "[negz](https://github.com/negz)": a login, not a name."""
        label = link["text"].strip()
        return label.startswith("@") or (bool(person.login) and label.lower() == person.login.lower())

    link = next((m for m in _MD_LINK.finditer(text) if not names_login(m)), None)
    rest = text
    if link:
        person.name = _clean(link["text"])
        rest = text[: link.start()] + " " + text[link.end() :]
    rest = _MD_LINK.sub(lambda m: " " if names_login(m) else m["text"], rest)
    rest = re.sub(r"<[^<>]*>", " ", rest)
    rest = _EMAIL.sub(" ", rest)
    rest = _GITHUB_URL.sub(" ", rest)
    rest = _AT_LOGIN.sub(" ", rest)
    rest = re.sub(r"\(\s*\)|\[\s*\]", " ", rest)
    parenthesised = [_clean(p) for p in re.findall(r"\(([^()]*)\)", rest) if _clean(p)]
    rest = re.sub(r"\([^()]*\)", " ", rest)
    parts = [_clean(p) for p in re.split(r"\s[-–—|]\s|,|;", rest) if _clean(p)]
    before_address = _clean(text.split("<", 1)[0]) if "<" in text and not link else ""
    if before_address and parts and parts[0] == before_address:
        person.name = parts.pop(0)
    elif not person.name and parts:
        person.name = parts.pop(0)
    extras = parts + parenthesised
    if extras:
        person.affiliation = extras[0]
    person.name = " ".join(person.name.split()).strip("\"'")
    if not (person.email or person.login):
        if not _PLAIN_NAME.match(person.name or ""):
            return None
    return person


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
    cells: list[str], columns: dict[str, int], *, path: str, line: int, role: Role
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
        person.role = _role_from_heading(cell("role")) or role
    if not (person.name or person.login or person.email):
        return None
    return person


def _parse_yaml(text: str, path: str) -> MaintainersFile | None:
    try:
        data = load_yaml(text)
    except yaml.YAMLError:
        return None
    keys = {"approvers": Role.APPROVER, "maintainers": Role.MAINTAINER, "reviewers": Role.REVIEWER,
            "leads": Role.LEAD, "emeritus_approvers": Role.EMERITUS, "emeritus": Role.EMERITUS}  # fmt: skip
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


def _parse_linux(text: str, path: str) -> MaintainersFile:
    """Subsystem blocks: a title line, then tagged lines; a blank line ends the block."""
    result = MaintainersFile(path=path)
    section, block = "", []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            block = []
            continue
        tagged = _TAGGED.match(line)
        if not tagged:
            section, block = line.strip(), []
            continue
        tag, value = tagged["tag"], tagged["value"].strip()
        if tag in {"M", "R"}:
            role = Role.MAINTAINER if tag == "M" else Role.REVIEWER
            person = person_from_text(value, path=path, line=number, role=role)
            if person is None or not (person.email or person.login):
                raise ParseError(f"'{tag}:' needs 'Name <email>', found {value!r}", path=path, line=number)
            person.areas = [section] if section else []
            result.people.append(person)
            block.append(person)
        elif tag == "F":
            for person in block:
                person.areas.append(value)
    return result


@dataclass
class _Heading:
    level: int
    title: str
    role: Role | None
    about_process: bool = False


class _MarkdownReader:
    """Walks markdown-it tokens: headings set the role, tables/list items/lines name people.

    `role_sections_only`: people count only under a heading that names a role, and only
    when the entry gives an e-mail or a GitHub login (OWNERS.md, GOVERNANCE.md)."""

    def __init__(self, text: str, path: str, *, role_sections_only: bool):
        self.path = path
        self.role_sections_only = role_sections_only
        self.result = MaintainersFile(path=path)
        self.headings: list[_Heading] = []
        try:
            self.tokens = markdown_tokens(text)
        except RenderError as exc:
            raise ParseError(f"cannot read the Markdown: {exc}", path=path, line=1) from exc

    @property
    def role(self) -> Role | None:
        for heading in reversed(self.headings):
            if heading.about_process:
                return None
            if heading.role is not None:
                return heading.role
        return None if self.role_sections_only else Role.MAINTAINER

    @property
    def area(self) -> str:
        """The innermost heading when it names no role: "## Docs" makes its maintainers own docs."""
        if self.role_sections_only or not self.headings or self.headings[-1].role is not None:
            return ""
        return self.headings[-1].title

    def read(self) -> MaintainersFile:
        tokens, index, list_depth = self.tokens, 0, 0
        while index < len(tokens):
            token = tokens[index]
            if token.type in {"bullet_list_open", "ordered_list_open"}:
                list_depth += 1
            elif token.type in {"bullet_list_close", "ordered_list_close"}:
                list_depth -= 1
            elif token.type == "heading_open":
                self._heading(int(token.tag[1]), tokens[index + 1].content)
            elif token.type == "table_open":
                index = self._table(index)
            elif token.type == "inline" and tokens[index - 1].type == "paragraph_open":
                # Role sections list people; their prose paragraphs only mention them.
                if list_depth > 0 or not self.role_sections_only:
                    self._lines(token, in_list=list_depth > 0)
            index += 1
        return self.result

    def _heading(self, level: int, title: str) -> None:
        while self.headings and self.headings[-1].level >= level:
            self.headings.pop()
        about_process = bool(_PROCESS_HEADING.search(title))
        self.headings.append(_Heading(level, _clean(title), _role_from_heading(title), about_process))

    def _add(self, person: Person | None, *, explicit_area: bool = False) -> None:
        if person is None:
            return
        if self.role_sections_only and not (person.email or person.login):
            return
        if self.area and not explicit_area and person.role == Role.MAINTAINER:
            person.areas.append(self.area)
        self.result.people.append(person)

    def _lines(self, inline, *, in_list: bool) -> None:
        role = self.role
        if role is None:
            return
        first = inline.map[0] if inline.map else 0
        for offset, text in enumerate(inline.content.split("\n")):
            person = person_from_text(text, path=self.path, line=first + offset + 1, role=role)
            # Outside lists a bare capitalised phrase is prose, not a person.
            if person is not None and (in_list or person.email or person.login):
                self._add(person)

    def _table(self, index: int) -> int:
        """Read the table starting at tokens[index]; returns the index of its table_close."""
        rows: list[tuple[int, list[str]]] = []
        cells: list[str] = []
        line = 0
        while self.tokens[index].type != "table_close":
            token = self.tokens[index]
            if token.type == "tr_open":
                cells, line = [], (token.map[0] + 1 if token.map else 0)
            elif token.type == "inline":
                cells.append(token.content)
            elif token.type == "tr_close":
                rows.append((line, cells))
            index += 1
        if not rows:
            return index
        header_line, header = rows[0]
        columns = _table_columns(header)
        if not columns:
            raise ParseError(
                "table header names no known column (name, GitHub, e-mail…)", path=self.path, line=header_line
            )
        role = self.role
        for line, cells in rows[1:]:
            person = _person_from_row(cells, columns, path=self.path, line=line, role=role or Role.MAINTAINER)
            role_cell = cells[columns["role"]] if "role" in columns and columns["role"] < len(cells) else ""
            # Under a heading that names no role, only a row's own role column can give one.
            if person is not None and (role is not None or _role_from_heading(role_cell)):
                self._add(person, explicit_area=bool(person.areas))
        return index


def parse_maintainers(text: str, *, path: str = "MAINTAINERS") -> MaintainersFile:
    """People and roles from a MAINTAINERS file in any of its forms (see the module docstring)."""
    if _YAML_KEY_LINE.search(text):
        yaml_result = _parse_yaml(text, path)
        if yaml_result is not None:
            return _deduplicate(yaml_result)
    if _LINUX_PERSON_LINE.search(text):
        result = _parse_linux(text, path)
    else:
        if posixpath.splitext(path)[1].lower() in {"", ".txt"}:
            text = _COMMENT_LINE.sub("", text)  # blanked, not removed: line numbers stay right
        result = _MarkdownReader(text, path, role_sections_only=False).read()
    if not result.people and _has_content(text):
        raise ParseError(
            "no maintainers found (expected a table, a list or 'Name <email>' lines)", path=path, line=1
        )
    return _deduplicate(result)


def parse_role_sections(text: str, *, path: str = "GOVERNANCE.md") -> MaintainersFile:
    """People listed under role headings of an OWNERS.md or GOVERNANCE.md (may be none)."""
    return _deduplicate(_MarkdownReader(text, path, role_sections_only=True).read())


def _has_content(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in text.splitlines())


def _deduplicate(result: MaintainersFile) -> MaintainersFile:
    """One entry per person, with the most senior active role; areas are merged."""
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
        kept.role = senior_role(kept.role, person.role)
    result.people = list(merged.values())
    return result
