"""Community health files, and the sections a newcomer looks for in README and CONTRIBUTING.

Files are looked for where GitHub's community profile looks: the repository
root, docs/ and .github/. As CLOMonitor does, a README section on the subject
(`## Governance`, `## Security`...) also satisfies a file check.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from onboarding.gaps.base import DetectionContext, Finding, Rule, Suggestion, register_rule, rule

HEALTH_DIRS = ("", "docs", ".github")


def normalise_name(filename: str) -> str:
    """'code-of-conduct.md' -> 'CODE_OF_CONDUCT'; extensions and case do not matter."""
    stem = filename.split(".", 1)[0] if not filename.startswith(".") else filename
    return stem.upper().replace("-", "_").replace(" ", "_")


@dataclass(frozen=True)
class HealthFile:
    rule_id: str
    label: str
    names: tuple[str, ...]  # normalised names that satisfy the check
    severity: str
    create_path: str
    outline: tuple[str, ...]
    readme_section: str | None  # regex on README headings that also satisfies it
    why: str
    template_dir: str | None = None  # a directory of templates (ISSUE_TEMPLATE/) also satisfies it


HEALTH_FILES = [
    HealthFile(
        "missing-readme", "README", ("README",), "high", "README.md",
        ("# <Project name>", "One paragraph: what it is and who it is for", "## Installation",
         "## Usage", "## Contributing (link to CONTRIBUTING.md)", "## License"),
        None,
        "The README is the first page every visitor reads; without it nobody knows what the project "
        "is, how to install it or where to start.",
    ),
    HealthFile(
        "missing-contributing", "CONTRIBUTING guide", ("CONTRIBUTING",), "high", "CONTRIBUTING.md",
        ("# Contributing", "## Setting up a development environment", "## Running the tests",
         "## Submitting a pull request", "## Getting help"),
        r"contribut",
        "Newcomers need to know how changes are proposed, reviewed and merged before they invest "
        "time in a first contribution.",
    ),
    HealthFile(
        "missing-code-of-conduct", "code of conduct", ("CODE_OF_CONDUCT", "CONDUCT"), "medium",
        "CODE_OF_CONDUCT.md",
        ("# Code of conduct", "Adopt an existing code (e.g. the Contributor Covenant or the CNCF code)",
         "## Reporting", "Who receives reports and how they are handled"),
        r"conduct",
        "A code of conduct tells newcomers the community is safe to join and how problems are handled.",
    ),
    HealthFile(
        "missing-security-policy", "security policy", ("SECURITY",), "medium", "SECURITY.md",
        ("# Security policy", "## Supported versions", "## Reporting a vulnerability",
         "Private contact address or form, expected response time"),
        r"security|vulnerabilit",
        "Without a published way to report vulnerabilities privately, reporters open public issues "
        "and users are exposed before a fix exists.",
    ),
    HealthFile(
        "missing-license", "licence", ("LICENSE", "LICENCE", "COPYING"), "high", "LICENSE",
        ("The full text of the chosen open-source licence",),
        r"licen[cs]e",
        "Without a licence nobody may legally use, change or redistribute the code, and many "
        "companies forbid their staff from contributing.",
    ),
    HealthFile(
        "missing-governance", "governance or maintainers file",
        ("GOVERNANCE", "MAINTAINERS", "OWNERS", "CODEOWNERS"), "medium", "GOVERNANCE.md",
        ("# Governance", "## Roles (contributor, reviewer, approver, maintainer)",
         "## How decisions are made", "## How to become a maintainer", "## Current maintainers"),
        r"governance|maintainers|owners",
        "Newcomers and users need to know who decides, how decisions are made and how one grows into "
        "a maintainer; a missing governance file concentrates knowledge in a few heads.",
    ),
    HealthFile(
        "missing-issue-template", "issue template", ("ISSUE_TEMPLATE",), "low",
        ".github/ISSUE_TEMPLATE/bug_report.md",
        ("---", "name: Bug report", "about: Report something that does not work", "---",
         "## What happened", "## What you expected", "## How to reproduce", "## Environment (versions)"),
        None,
        "Templates make reports complete on the first try, which saves maintainers a round-trip and "
        "shows newcomers what a good report looks like.",
        template_dir="ISSUE_TEMPLATE",
    ),
    HealthFile(
        "missing-pr-template", "pull-request template", ("PULL_REQUEST_TEMPLATE",), "low",
        ".github/PULL_REQUEST_TEMPLATE.md",
        ("## What this PR does / why we need it", "## Which issue(s) it fixes", "## How it was tested",
         "## Checklist (tests, docs, changelog)"),
        None,
        "A pull-request template reminds contributors of tests, docs and linked issues, so reviews "
        "start from a complete description.",
        template_dir="PULL_REQUEST_TEMPLATE",
    ),
]  # fmt: skip


def _present_names(ctx: DetectionContext) -> dict[str, str]:
    """Normalised names of files in the root, docs/ and .github/ -> the path found."""
    found: dict[str, str] = {}
    candidates = set(ctx.paths)
    if ctx.local_repo is not None:
        for sub in HEALTH_DIRS:
            folder = ctx.local_repo / sub if sub else ctx.local_repo
            if folder.is_dir():
                for entry in folder.iterdir():
                    candidates.add(f"{sub}/{entry.name}" if sub else entry.name)
    for path in sorted(candidates):
        parts = path.split("/")
        if len(parts) == 1 or (len(parts) == 2 and parts[0] in HEALTH_DIRS[1:]):
            found.setdefault(normalise_name(parts[-1]), path)
        # Template directories: .github/ISSUE_TEMPLATE/<any file>.
        if len(parts) >= 2 and parts[-2].upper() in ("ISSUE_TEMPLATE", "PULL_REQUEST_TEMPLATE"):
            if parts[0] in HEALTH_DIRS[1:] or len(parts) == 2:
                found.setdefault(parts[-2].upper(), path)
    return found


def _readme(ctx: DetectionContext):
    for path in sorted(ctx.paths):
        if "/" not in path and normalise_name(path) == "README":
            return ctx.by_path[path]
    return None


def _detector(spec: HealthFile):
    def detect(ctx: DetectionContext):
        if not ctx.repo_files:
            return  # nothing ingested from a repository: no basis to say a file is missing
        present = _present_names(ctx)
        if any(name in present for name in spec.names):
            return
        readme = _readme(ctx)
        if spec.readme_section and readme is not None:
            section = next((h for h in readme.headings if re.search(spec.readme_section, h, re.I)), None)
            if section:
                return
        looked = [posixpath.join(d, n) if d else n for d in HEALTH_DIRS for n in (spec.names[0] + ".md",)]
        yield Finding(
            key=spec.rule_id,
            title=f"No {spec.label}",
            evidence={
                "summary": f"No {spec.label} in the repository root, docs/ or .github/"
                + (" and no README section on it." if spec.readme_section else "."),
                "looked_in": looked,
                "names": list(spec.names),
            },
            suggestion=Suggestion("create", spec.create_path, spec.outline),
            path=spec.create_path,
        )

    return detect


for _spec in HEALTH_FILES:
    register_rule(
        Rule(
            id=_spec.rule_id,
            title=f"Missing {_spec.label}",
            severity=_spec.severity,
            family="community_files",
            why=_spec.why,
            how=(
                f"Create {_spec.create_path} (the root, docs/ or .github/ all count)"
                + (", or add a section on the subject to the README" if _spec.readme_section else "")
                + ". Start from the outline in the gap and adapt it to how the project really works."
            ),
            detect=_detector(_spec),
        )
    )


NEWCOMER_TOPICS = [
    ("install", "how to install or build", r"install|build|getting started|get started|quick ?start|set ?up|development|developing|prerequisite|compil|running|usage",
     ("## Building from source", "Prerequisites (language, tools, versions)", "Commands to clone and build")),
    ("test", "how to run the tests", r"\btest",
     ("## Running the tests", "The command for unit tests", "How to run a single test", "Integration / e2e tests, if any")),
    ("help", "where to get help", r"help|support|communicat|contact|community|slack|mailing|chat|discuss|question",
     ("## Getting help", "Chat channel or forum", "Mailing list or discussion board", "Community meetings")),
    ("contribute", "how to contribute", r"contribut|pull request|submit|patch",
     ("## Contributing", "Find an issue (good first issue label)", "Fork, branch, commit conventions", "Open a pull request and what review looks like")),
]  # fmt: skip


@rule(
    id="newcomer-section-missing",
    title="README/CONTRIBUTING lacks a newcomer section",
    severity="medium",
    why=(
        "A newcomer reads the README and CONTRIBUTING first. If neither says how to build, how to "
        "test, where to ask for help or how to propose a change, most give up before their first "
        "contribution or ask maintainers the same questions again and again."
    ),
    how=(
        "Add the missing section to CONTRIBUTING.md (or to the README when there is no CONTRIBUTING), "
        "with a heading that names the subject, and the exact commands or links a newcomer needs."
    ),
)
def newcomer_sections(ctx: DetectionContext):
    root_docs = {normalise_name(p): ctx.by_path[p] for p in ctx.paths if "/" not in p}
    readme, contributing = root_docs.get("README"), root_docs.get("CONTRIBUTING")
    if readme is None and contributing is None:
        return  # the missing-readme / missing-contributing rules already say so
    headings = [h for doc in (readme, contributing) if doc is not None for h in doc.headings]
    target = contributing or readme
    for topic, label, pattern, outline in NEWCOMER_TOPICS:
        if any(re.search(pattern, heading, re.I) for heading in headings):
            continue
        yield Finding(
            key=f"section:{topic}",
            title=f"{target.path} does not say {label}",
            evidence={
                "summary": f"No heading in {' or '.join(d.path for d in (readme, contributing) if d)} about {label}.",
                "headings_seen": headings[:40],
                "topic": topic,
            },
            suggestion=Suggestion("edit", target.path, outline),
            path=target.path,
            severity="high" if topic in ("install", "contribute") else "medium",
        )
