"""Kubernetes OWNERS and OWNERS_ALIASES files (https://go.k8s.io/owners).

An OWNERS file is YAML: approvers, reviewers, emeritus_approvers, required_reviewers
and labels as lists of GitHub logins (or alias names), `options: {no_parent_owners: true}`,
and `filters:` mapping a regular expression over file names to the same keys. Some
repositories write `owners:` for the approvers; it is read as approvers. The real
files vary: empty lists written as `reviewers:` (null), trailing comments, mixed-case
logins, a single string where a list is expected. All of these are accepted; anything
that is not a mapping of lists of names is a ParseError with the line.

The YAML is read as a node tree (kb.yaml_safe.compose_yaml: bounded) so that every
error knows its line. `read_owners_tree` reads a repository's OWNERS files with their
aliases expanded: the one view compaction, gaps and the people import share.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

import yaml

from kb.ownership import ParseError, normalise_login, ownership_file_kind
from kb.yaml_safe import compose_yaml

LIST_KEYS = ("approvers", "reviewers", "emeritus_approvers", "required_reviewers", "labels")
# Keys read as another list key.
KEY_SYNONYMS = {"owners": "approvers"}
KNOWN_OPTIONS = {"no_parent_owners", "auto_approve_unowned_subfolders"}
# Filters prow applies to every file of the directory: their people own the whole directory.
WHOLE_DIRECTORY_PATTERNS = {None, ".*", "^.*$"}


@dataclass
class OwnersRule:
    """The people and labels for all files of a directory, or for files matching `pattern`."""

    pattern: str | None = None
    approvers: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    emeritus_approvers: list[str] = field(default_factory=list)
    required_reviewers: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    line: int = 1


@dataclass
class OwnersFile:
    path: str
    approvers: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    emeritus_approvers: list[str] = field(default_factory=list)
    required_reviewers: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    no_parent_owners: bool = False
    filters: list[OwnersRule] = field(default_factory=list)
    # Keys that prow does not know: kept so hygiene checks can report them.
    unknown_keys: list[str] = field(default_factory=list)

    @property
    def all_rules(self) -> list[OwnersRule]:
        """The file-wide rule first, then the filters; a ".*" filter counts as file-wide."""
        base = OwnersRule(
            None,
            self.approvers,
            self.reviewers,
            self.emeritus_approvers,
            self.required_reviewers,
            self.labels,
        )
        return [base, *self.filters]

    def people(self, key: str) -> list[str]:
        """Everyone listed under `key`, file-wide and in every filter, first occurrence wins."""
        seen: dict[str, str] = {}
        for rule in self.all_rules:
            for name in getattr(rule, key):
                seen.setdefault(name.lower(), name)
        return list(seen.values())

    @property
    def whole_directory_rules(self) -> list[OwnersRule]:
        """The rules that apply to every file of the directory (no filter, or a ".*" one)."""
        return [rule for rule in self.all_rules if rule.pattern in WHOLE_DIRECTORY_PATTERNS]

    def whole_directory(self, key: str) -> list[str]:
        """Everyone listed under `key` in the rules that cover the whole directory."""
        seen: dict[str, str] = {}
        for rule in self.whole_directory_rules:
            for name in getattr(rule, key):
                seen.setdefault(name.lower(), name)
        return list(seen.values())

    @property
    def all_labels(self) -> list[str]:
        return self.people("labels")


def _compose(text: str, path: str) -> yaml.Node | None:
    try:
        return compose_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ParseError(f"invalid YAML: {problem}", path=path, line=line) from exc
    except yaml.YAMLError as exc:
        raise ParseError(f"invalid YAML: {exc}", path=path, line=None) from exc


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _mapping(node: yaml.Node, path: str, what: str) -> list[tuple[str, yaml.Node, int]]:
    if not isinstance(node, yaml.MappingNode):
        raise ParseError(f"{what} must be a mapping, not {_describe(node)}", path=path, line=_line(node))
    pairs = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise ParseError(f"{what}: keys must be plain names", path=path, line=_line(key_node))
        pairs.append((str(key_node.value), value_node, _line(key_node)))
    return pairs


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"the value {node.value!r}"


def _names(node: yaml.Node, path: str, key: str) -> list[str]:
    """A list of names; null means empty, a lone string is a one-item list."""
    if _is_null(node):
        return []
    if isinstance(node, yaml.ScalarNode):
        items = [node]
    elif isinstance(node, yaml.SequenceNode):
        items = node.value
    else:
        raise ParseError(f"'{key}' must be a list of names, not a mapping", path=path, line=_line(node))
    names: dict[str, str] = {}
    for item in items:
        if _is_null(item):
            continue
        if not isinstance(item, yaml.ScalarNode) or item.tag != "tag:yaml.org,2002:str":
            raise ParseError(
                f"'{key}' entries must be names, found {_describe(item)}", path=path, line=_line(item)
            )
        name = item.value.strip() if key == "labels" else normalise_login(item.value)
        if not name or any(ch.isspace() for ch in name):
            raise ParseError(
                f"'{key}' entry {item.value!r} is not a single name", path=path, line=_line(item)
            )
        names.setdefault(name.lower(), name)
    return list(names.values())


def _rule(pairs, path: str, *, pattern: str | None, line: int) -> OwnersRule:
    """The list keys of `pairs` as one rule; in a filter any other key is an error."""
    rule = OwnersRule(pattern=pattern, line=line)
    for key, value, key_line in pairs:
        field_name = KEY_SYNONYMS.get(key, key)
        if field_name in LIST_KEYS:
            merged = {name.lower(): name for name in getattr(rule, field_name)}
            for name in _names(value, path, key):
                merged.setdefault(name.lower(), name)
            setattr(rule, field_name, list(merged.values()))
        elif pattern is not None:
            raise ParseError(f"unknown key '{key}' in filter {pattern!r}", path=path, line=key_line)
    return rule


def _is_list_key(key: str) -> bool:
    return KEY_SYNONYMS.get(key, key) in LIST_KEYS


def parse_owners(text: str, *, path: str = "OWNERS") -> OwnersFile:
    root = _compose(text, path)
    result = OwnersFile(path=path)
    if root is None or _is_null(root):
        return result
    pairs = _mapping(root, path, "an OWNERS file")
    base = _rule([pair for pair in pairs if _is_list_key(pair[0])], path, pattern=None, line=1)
    for key in LIST_KEYS:
        setattr(result, key, getattr(base, key))
    for key, value, _key_line in pairs:
        if key == "options":
            if _is_null(value):
                continue
            for option, option_value, option_line in _mapping(value, path, "'options'"):
                if option not in KNOWN_OPTIONS:
                    raise ParseError(f"unknown option '{option}'", path=path, line=option_line)
                if (
                    not isinstance(option_value, yaml.ScalarNode)
                    or option_value.tag != "tag:yaml.org,2002:bool"
                ):
                    raise ParseError(f"option '{option}' must be true or false", path=path, line=option_line)
                if option == "no_parent_owners":
                    result.no_parent_owners = option_value.value.lower() in {"true", "yes", "on"}
        elif key == "filters":
            if _is_null(value):
                continue
            for pattern, rule_node, rule_line in _mapping(value, path, "'filters'"):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ParseError(
                        f"filter {pattern!r} is not a valid regular expression: {exc}",
                        path=path,
                        line=rule_line,
                    ) from exc
                rule_pairs = [] if _is_null(rule_node) else _mapping(rule_node, path, f"filter {pattern!r}")
                result.filters.append(_rule(rule_pairs, path, pattern=pattern, line=rule_line))
        elif not _is_list_key(key):
            result.unknown_keys.append(key)
    return result


def parse_owners_aliases(text: str, *, path: str = "OWNERS_ALIASES") -> dict[str, list[str]]:
    """{alias: [login, ...]} from an OWNERS_ALIASES file."""
    root = _compose(text, path)
    if root is None or _is_null(root):
        return {}
    aliases: dict[str, list[str]] = {}
    for key, value, key_line in _mapping(root, path, "an OWNERS_ALIASES file"):
        if key != "aliases":
            raise ParseError(f"unknown key '{key}' (expected 'aliases')", path=path, line=key_line)
        if _is_null(value):
            continue
        for alias, members, _alias_line in _mapping(value, path, "'aliases'"):
            aliases[alias] = _names(members, path, alias)
    return aliases


def expand_aliases(names: list[str], aliases: dict[str, list[str]]) -> list[str]:
    """Replace alias names by their members (aliases do not nest in prow), deduplicated."""
    lowered = {alias.lower(): members for alias, members in aliases.items()}
    result: dict[str, str] = {}
    for name in names:
        for member in lowered.get(name.lower(), [name]):
            result.setdefault(member.lower(), member)
    return list(result.values())


@dataclass
class OwnersTree:
    """A repository's OWNERS files, by directory ("" for the root), aliases expanded."""

    files: dict[str, OwnersFile] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)
    # Names that look like aliases ("sig-x-leads") but that no OWNERS_ALIASES defines, per directory.
    unresolved_aliases: dict[str, set[str]] = field(default_factory=dict)


_ALIAS_LIKE = re.compile(r"-(?:leads|approvers|reviewers|maintainers|owners|admins|chairs)$", re.I)


def read_owners_tree(files: list[tuple[str, str]]) -> OwnersTree:
    """Parse (path, text) pairs of OWNERS and OWNERS_ALIASES files into one OwnersTree.

    Other files and files under vendored trees are ignored; a broken file is left out and
    its ParseError kept in `errors`. Every people list of every rule comes back with its
    aliases replaced by their members."""
    tree = OwnersTree()
    owners_files = []
    for path, text in sorted(files, key=lambda pair: (pair[0].count("/"), pair[0])):
        kind = ownership_file_kind(path)
        try:
            if kind == "owners_aliases":
                for alias, members in parse_owners_aliases(text, path=path).items():
                    tree.aliases.setdefault(alias, members)
            elif kind == "owners":
                owners_files.append(parse_owners(text, path=path))
        except ParseError as exc:
            tree.errors.append(exc)
    for parsed in owners_files:
        directory = posixpath.dirname(parsed.path.strip("/"))
        unresolved: set[str] = set()
        known_aliases = {alias.lower() for alias in tree.aliases}
        for holder in (parsed, *parsed.filters):
            for key in ("approvers", "reviewers", "emeritus_approvers"):
                names = getattr(holder, key)
                if tree.aliases:
                    unresolved |= {
                        n for n in names if _ALIAS_LIKE.search(n) and n.lower() not in known_aliases
                    }
                setattr(holder, key, expand_aliases(names, tree.aliases))
        tree.files[directory] = parsed
        if unresolved:
            tree.unresolved_aliases[directory] = unresolved
    return tree
