"""Building small, real git repositories in temporary directories for ingest tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ALICE = ("Alice Example", "alice@example.org")
BOB = ("Bob Builder", "bob@example.org")
CAROL = ("Carol Writer", "carol@example.org")


class GitRepo:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._git("init", "-q", "-b", "main")
        self._tick = 0

    def write(self, relative: str, content: str | bytes) -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target

    def remove(self, relative: str) -> None:
        self._git("rm", "-q", relative)

    def commit(
        self, message: str, *, author=ALICE, when: str | None = None, files: dict | None = None
    ) -> str:
        for relative, content in (files or {}).items():
            self.write(relative, content)
        self._git("add", "-A")
        self._tick += 1
        date = when or f"2024-01-{self._tick:02d}T12:00:00+00:00"
        env = {
            "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1], "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": author[0], "GIT_COMMITTER_EMAIL": author[1], "GIT_COMMITTER_DATE": date,
        }  # fmt: skip
        self._git("commit", "-q", "-m", message, env=env)
        return self._git("rev-parse", "HEAD").strip()

    def _git(self, *args: str, env: dict | None = None) -> str:
        full_env = {
            **os.environ,
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_SYSTEM": "/dev/null",
            **(env or {}),
        }
        return subprocess.run(
            ["git", "-C", str(self.path), *args],
            check=True,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=60,
        ).stdout


def docs_repo(path: Path) -> GitRepo:
    """A small docs repository with history by three authors."""
    repo = GitRepo(path)
    repo.commit(
        "Add readme and guide",
        author=ALICE,
        files={
            "README.md": "# Widget Project\n\nWidgets for everyone. See the contributor guide.\n",
            "docs/guide.md": "# Contributor Guide\n\n## Getting started\n\nFork the repository and open a pull request.\n",
            "OWNERS": "approvers:\n  - alice\nreviewers:\n  - bob\n",
        },
    )
    repo.commit(
        "Explain reviews",
        author=BOB,
        files={"docs/reviewing.md": "# Reviewing\n\nReviewers check every pull request for tests.\n"},
    )
    repo.commit(
        "Polish the guide",
        author=CAROL,
        files={
            "docs/guide.md": "# Contributor Guide\n\n## Getting started\n\nFork the repository, then open a pull request.\n"
        },
    )
    return repo
