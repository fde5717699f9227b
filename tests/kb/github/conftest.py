from datetime import UTC, datetime, timedelta

import pytest

from kb.models import Project
from tests.github_stub import GitHubStub, StubRepo

T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def github_stub(settings):
    """A GitHub API stand-in on 127.0.0.1 with tiny retry delays and a one-second client timeout."""
    with GitHubStub() as stub:
        settings.GITHUB_API_URL = stub.base_url
        settings.GITHUB_TOKEN = "test-token"
        settings.GITHUB_TIMEOUT = 1
        settings.GITHUB_RETRY_ATTEMPTS = 4
        settings.GITHUB_RETRY_BACKOFF = 0.01
        settings.GITHUB_RETRY_BACKOFF_MAX = 0.05
        settings.GITHUB_RATE_LIMIT_MAX_WAIT = 10
        yield stub


@pytest.fixture
def project(db):
    return Project.objects.create(slug="widgets", name="Widgets", github_repo="acme/widgets")


def seed(
    repo: StubRepo, *, issues: int, comments_per_issue: int = 0, start: datetime = T0, first_number: int = 1
):
    """Issues (every fifth one a pull request) with comments, all with distinct update times."""
    moment = start
    for offset in range(issues):
        number = first_number + offset
        moment += timedelta(minutes=1)
        repo.add_issue(
            number,
            f"Widget problem {number}",
            body=f"The widget number {number} breaks when **flux** is enabled.",
            updated_at=moment,
            labels=("bug",) if number % 2 else ("docs", "help wanted"),
            user=f"user{number % 7}",
            assignees=("alice",) if number % 3 == 0 else (),
            state="closed" if number % 4 == 0 else "open",
            closed_at=moment if number % 4 == 0 else None,
            pull_request=number % 5 == 0,
        )
        for _ in range(comments_per_issue):
            moment += timedelta(seconds=30)
            repo.add_comment(number, f"I can reproduce widget {number}.", updated_at=moment, user="bob")
    return moment
