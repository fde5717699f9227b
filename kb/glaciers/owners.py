"""OWNERS areas as compaction needs them: directory, approvers, reviewers, declared labels.

Reads the Kubernetes-style OWNERS / OWNERS_ALIASES YAML leniently: a file that does not
parse simply contributes no owners (the people helper's parsers report such errors).
"""

from __future__ import annotations

import yaml

from kb.glaciers.topics import OwnersArea
from kb.yaml_safe import load_yaml


def owners_areas(files: list[tuple[str, str]]) -> dict[str, OwnersArea]:
    """{directory: OwnersArea} from (path, text) pairs of OWNERS and OWNERS_ALIASES files."""
    aliases: dict[str, list[str]] = {}
    owners_files = []
    for path, text in sorted(files):
        name = path.rsplit("/", 1)[-1]
        data = _load(text)
        if name == "OWNERS_ALIASES":
            for alias, members in (data.get("aliases") or {}).items():
                if isinstance(members, list):
                    aliases[str(alias)] = [str(m) for m in members if isinstance(m, str | int)]
        elif name == "OWNERS":
            owners_files.append((path, data))
    areas = {}
    for path, data in owners_files:
        directory = path.rsplit("/", 1)[0] if "/" in path else ""
        areas[directory] = OwnersArea(
            path=directory,
            approvers=_expand(data.get("approvers"), aliases),
            reviewers=_expand(data.get("reviewers"), aliases),
            labels=[str(label) for label in data.get("labels") or [] if isinstance(label, str)],
        )
    return areas


def _load(text: str) -> dict:
    try:
        data = load_yaml(text)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _expand(names, aliases: dict[str, list[str]]) -> list[str]:
    people: list[str] = []
    for name in names if isinstance(names, list) else []:
        if not isinstance(name, str):
            continue
        for login in aliases.get(name, [name]):
            if login not in people:
                people.append(login)
    return people
