"""Shared by the ownership tests: fixture paths and how a fixture is parsed and shown."""

import dataclasses
import json
from pathlib import Path

from kb.ownership import ownership_file_kind
from kb.ownership.codeowners import parse_codeowners
from kb.ownership.maintainers import parse_maintainers, parse_role_sections
from kb.ownership.owners import parse_owners, parse_owners_aliases

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ownership"
GOLDEN = FIXTURES / "golden"
READERS = {
    "owners": parse_owners,
    "owners_aliases": parse_owners_aliases,
    "codeowners": parse_codeowners,
    "maintainers": parse_maintainers,
    "governance": parse_role_sections,
}


def real_name(fixture: Path) -> str:
    """Fixtures are named "<where it comes from>.<the file's real name>"."""
    return fixture.name.split(".", 1)[1]


def parse_fixture(fixture: Path):
    name = real_name(fixture)
    return READERS[ownership_file_kind(name)](fixture.read_text(encoding="utf-8"), path=fixture.name)


def as_json(parsed) -> str:
    def default(value):
        if dataclasses.is_dataclass(value):
            return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        raise TypeError(value)

    return json.dumps(parsed, default=default, indent=2, sort_keys=True) + "\n"
