"""Small builders for onboarding tests: projects with ownership files, git repos in tmp dirs."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model

from kb.models import Document, Project, ProjectMembership
from kb.services.documents import DocumentInput, documents_upsert


def make_project(slug="demo", **kwargs) -> Project:
    """A project set up as staff would: a repository given here counts as approved."""
    kwargs.setdefault("repository_approved", kwargs.get("repository", ""))
    return Project.objects.create(slug=slug, name=kwargs.pop("name", slug.title()), **kwargs)


def make_user(username, *, email="", maintainer_of=None, member_of=None):
    # No password: hashing one costs ~0.3 s and tests log in with force_login.
    user = get_user_model().objects.create_user(username=username, email=email, password=None)
    if maintainer_of is not None:
        ProjectMembership.objects.create(
            project=maintainer_of, user=user, role=ProjectMembership.Role.MAINTAINER
        )
    if member_of is not None:
        ProjectMembership.objects.create(project=member_of, user=user, role=ProjectMembership.Role.MEMBER)
    return user


def put_files(project: Project, files: dict[str, str], *, kind=Document.Kind.OWNERS) -> None:
    documents_upsert(
        project=project,
        source=Document.Source.LOCAL,
        items=[
            DocumentInput(kind=kind, key=path, path=path, title=path, body=body)
            for path, body in files.items()
        ],
        index=False,
    )


def put_github(project: Project, items: list[DocumentInput]) -> None:
    documents_upsert(project=project, source=Document.Source.GITHUB, items=items, index=False)


def git_repo(root: Path, commits: list[tuple]) -> Path:
    """A real git repository: commits as (author name, author email, [paths touched]) or
    (name, email, paths, message), oldest first."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for index, (name, email, paths, *message) in enumerate(commits):
        for path in paths:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a", encoding="utf-8") as fh:
                fh.write(f"change {index}\n")
        when = (start + timedelta(days=index)).isoformat()
        env = {**os.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": when,
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": when}  # fmt: skip
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True, env=env)
        subprocess.run(
            ["git", "-C", str(root), "commit", "-q", "-m", message[0] if message else f"commit {index}"],
            check=True,
            env=env,
        )
    return root
