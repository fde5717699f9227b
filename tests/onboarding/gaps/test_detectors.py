"""Each rule on a positive and a negative fixture, through the detection service."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kb.models import Document, RepositoryFile
from kb.services.document_links import document_links_refresh
from kb.services.search_index import index_documents
from onboarding.gaps.placeholders import find_placeholders
from onboarding.models import Gap
from onboarding.services.gaps import gaps_detect
from tests.onboarding.gaps.factories import (
    AreaFactory,
    AreaOwnerFactory,
    DocumentFactory,
    ProjectFactory,
    glacier_page,
    handoff_item_for,
    search_query,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()
GOOD_README = "# Demo\n\n## Installation\n\npip install demo\n\n## Running the tests\n\npytest\n\n## Getting help\n\nSlack.\n\n## Contributing\n\nSee CONTRIBUTING.md.\n"


def run(project, rule):
    result = gaps_detect(project=project, rule_ids=[rule])
    assert rule not in result.skipped_rules, result.skipped_rules
    return list(Gap.objects.filter(project=project, rule_id=rule, state=Gap.State.OPEN))


def doc(project, path, body="# T\n", **kwargs):
    return DocumentFactory(project=project, path=path, body=body, **kwargs)


def complete_repo(project):
    for path in ["README.md", "CONTRIBUTING.md", "CODE_OF_CONDUCT.md", "SECURITY.md", "LICENSE", "GOVERNANCE.md",
                 ".github/ISSUE_TEMPLATE/bug.md", ".github/PULL_REQUEST_TEMPLATE.md"]:  # fmt: skip
        doc(project, path, GOOD_README if path == "README.md" else "# x\n")


# community files -----------------------------------------------------------------------------------


def test_missing_health_files_found_and_located_like_github():
    project = ProjectFactory()
    doc(project, "README.md", "# Demo\n\nHello.\n")
    doc(project, "docs/CONTRIBUTING.md")  # docs/ counts
    doc(project, ".github/code-of-conduct.md")  # case and hyphens do not matter
    doc(project, "src/SECURITY.md")  # not a place GitHub looks
    for rule in ["missing-contributing", "missing-code-of-conduct"]:
        assert run(project, rule) == []
    for rule in ["missing-security-policy", "missing-license", "missing-governance", "missing-issue-template",
                 "missing-pr-template"]:  # fmt: skip
        gaps = run(project, rule)
        assert len(gaps) == 1, rule
        assert gaps[0].suggestion["action"] == "create" and gaps[0].suggestion["outline"]
    assert run(project, "missing-readme") == []


def test_readme_section_satisfies_file_check_like_clomonitor():
    project = ProjectFactory()
    doc(project, "README.md", "# Demo\n\n## Governance\n\nWe vote.\n\n## Security\n\nMail us.\n")
    assert run(project, "missing-governance") == []
    assert run(project, "missing-security-policy") == []
    assert len(run(project, "missing-contributing")) == 1  # no section on contributing


def test_complete_repository_has_no_health_file_gaps():
    project = ProjectFactory()
    complete_repo(project)
    result = gaps_detect(project=project)
    assert not Gap.objects.filter(project=project, rule_id__startswith="missing-").exists(), result


def test_owners_file_satisfies_governance_and_template_dirs_count():
    project = ProjectFactory()
    doc(project, "OWNERS", "approvers: [a]\n", kind=Document.Kind.OWNERS)
    doc(project, "docs/ISSUE_TEMPLATE/feature.md")
    assert run(project, "missing-governance") == []
    assert run(project, "missing-issue-template") == []


def test_newcomer_sections():
    project = ProjectFactory()
    doc(project, "README.md", "# Demo\n\n## Purpose\n\nx\n")
    doc(project, "CONTRIBUTING.md", "# Contributing guidelines\n\nSend PRs.\n")
    gaps = run(project, "newcomer-section-missing")
    topics = sorted(g.evidence["topic"] for g in gaps)
    assert topics == ["help", "install", "test"]
    assert all(g.suggestion["path"] == "CONTRIBUTING.md" for g in gaps)

    other = ProjectFactory()
    doc(other, "README.md", GOOD_README)
    assert run(other, "newcomer-section-missing") == []


# links ------------------------------------------------------------------------------------------------


def test_broken_links_and_anchors():
    project = ProjectFactory()
    doc(project, "docs/guide.md", "# Guide\n\n## Install steps\n\ntext\n")
    body = (
        "# Index\n\n"
        "[ok](guide.md) [ok anchor](guide.md#install-steps) [ok self](#index)\n"
        "[gone](missing.md) [bad anchor](guide.md#installing) [bad self](#nowhere)\n"
        "[external](https://example.org/x.md) [code](../src/main.go) [dir](../docs/)\n"
        "```\n[in code](nothere.md)\n```\n"
        "<!-- [commented](nothere2.md) -->\n"
    )
    doc(project, "docs/index.md", body)
    RepositoryFile.objects.create(project=project, path="src/main.go", size=10)
    document_links_refresh(project=project)
    gaps = run(project, "broken-link")
    assert len(gaps) == 1
    items = sorted((item["line"], item["target"], item["problem"]) for item in gaps[0].evidence["items"])
    assert items == [
        (4, "#nowhere", "no heading or anchor #nowhere in docs/index.md"),
        (4, "guide.md#installing", "no heading or anchor #installing in docs/guide.md"),
        (4, "missing.md", "docs/missing.md does not exist"),
    ]
    assert gaps[0].path == "docs/index.md"


def test_broken_links_read_the_stored_links_with_lines_of_the_original_file():
    """MkDocs anchors and text fragments are valid; images are checked; lines count the front matter."""
    project = ProjectFactory()
    doc(
        project, "docs/guide.md", "# Guide\n\n## Café à emporter\n",
        sections=[{"level": 2, "title": "Café à emporter", "anchor": "café-à-emporter",
                   "anchors": ["café-à-emporter", "cafe-a-emporter"], "line": 3}],
    )  # fmt: skip
    body = "# Index\n\n[mkdocs](guide.md#cafe-a-emporter) [text](guide.md#:~:text=caf)\n\n![gone](img/gone.png)\n"
    doc(project, "docs/index.md", body, metadata={"body_line_offset": 3})
    document_links_refresh(project=project)
    gaps = run(project, "broken-link")
    assert [(i["line"], i["target"], i["kind"]) for i in gaps[0].evidence["items"]] == [
        (8, "img/gone.png", "image")
    ]


def test_no_broken_links_in_healthy_docs():
    project = ProjectFactory()
    doc(project, "README.md", "# Demo\n\nSee [the guide](docs/guide.md#usage) and [top](#demo).\n")
    doc(project, "docs/guide.md", "# Guide\n\n## Usage\n")
    document_links_refresh(project=project)
    assert run(project, "broken-link") == []


# placeholders -----------------------------------------------------------------------------------------


def test_placeholders_outside_code_only():
    body = "# Setup\n\nTODO: write this\n\nMore docs coming soon!\n\n```\n# TODO in code\n```\n\nUse `FIXME` markers.\n\nAdd a TODO when unsure.\n<!-- TBD hidden -->\n"
    found = find_placeholders(body)
    assert [(f["line"], f["marker"].lower()) for f in found] == [(3, "todo"), (5, "coming soon")]
    project = ProjectFactory()
    doc(project, "docs/setup.md", body)
    doc(project, "docs/clean.md", "# Clean\n\nAll done.\n")
    doc(project, ".github/ISSUE_TEMPLATE/bug.md", "TODO: describe the bug\n")
    doc(project, "sig-x/meeting-notes-2019.md", "* TODO: follow up\n")
    gaps = run(project, "placeholder-text")
    assert [g.path for g in gaps] == ["docs/setup.md"]


# stale docs -------------------------------------------------------------------------------------------


def test_stale_doc_when_its_directory_kept_changing():
    project = ProjectFactory()
    old = NOW - timedelta(days=500)
    doc(project, "net/design.md", last_changed_at=old)
    for n in range(3):
        doc(project, f"net/change-{n}.md", last_changed_at=NOW - timedelta(days=10 + n))
    doc(project, "quiet/design.md", last_changed_at=old)  # old, but its area is quiet too
    doc(project, "quiet/other.md", last_changed_at=old - timedelta(days=3))
    doc(project, "fresh/design.md", last_changed_at=NOW - timedelta(days=5))
    for n in range(3):
        doc(project, f"fresh/change-{n}.md", last_changed_at=NOW - timedelta(days=1))
    gaps = run(project, "stale-doc")
    assert [g.path for g in gaps] == ["net/design.md"]
    assert gaps[0].evidence["area"] == "net" and len(gaps[0].evidence["changed_files"]) == 3


def test_stale_doc_uses_git_commits_of_a_local_checkout(tmp_path, settings):
    import subprocess

    repo = tmp_path / "repo"
    (repo / "net").mkdir(parents=True)
    env = {"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@x",
           "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}  # fmt: skip

    def commit(path, text, when):
        (repo / path).write_text(text)
        subprocess.run(["git", "-C", str(repo), "add", path], check=True, env=env)
        date = when.isoformat()
        subprocess.run(["git", "-C", str(repo), "commit", "-qm", path], check=True,
                       env={**env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})  # fmt: skip

    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    commit("net/README.md", "# Net\n", NOW - timedelta(days=600))
    for n in range(4):
        commit("net/code.go", f"package net // {n}\n", NOW - timedelta(days=30 * (n + 1)))
    project = ProjectFactory(repository=str(repo))
    doc(project, "net/README.md", "# Net\n", last_changed_at=NOW - timedelta(days=600))
    gaps = run(project, "stale-doc")
    assert len(gaps) == 1 and gaps[0].evidence["commits_since"] == 4


# recurring questions ----------------------------------------------------------------------------------


def issue(project, number, title, body="", labels=()):
    return DocumentFactory(project=project, kind=Document.Kind.ISSUE, source=Document.Source.GITHUB, path="",
                           key=f"issue/{number}", title=title, body=body, url=f"https://github.com/o/r/issues/{number}",
                           metadata={"labels": list(labels), "state": "closed"})  # fmt: skip


def test_recurring_questions_found_when_no_doc_answers(memory_search, settings):
    settings.GLACIER_GAP_ANSWER_MIN_SCORE = 6
    project = ProjectFactory()
    issue(project, 1, "How do I configure the proxy timeout?", "proxy timeout keeps failing")
    issue(project, 2, "Proxy timeout configuration", "where is the proxy timeout set", labels=["question"])
    issue(project, 3, "Can I change the proxy timeout?", "proxy timeout")
    issue(project, 4, "Crash on start", "stack trace")  # a bug, not a question
    issue(project, 5, "How do I rotate certificates?", "certificates rotate")  # asked once only
    docs = [doc(project, "docs/install.md", "# Install\n\nRun make.\n")]
    index_documents([d.pk for d in docs])
    gaps = run(project, "recurring-question")
    assert len(gaps) == 1
    keys = sorted(i["key"] for i in gaps[0].evidence["issues"])
    assert keys == ["issue/1", "issue/2", "issue/3"]
    assert "proxy" in gaps[0].evidence["query"] and "timeout" in gaps[0].evidence["query"]

    # A page answering it makes the gap go away on the next run.
    answer = doc(
        project,
        "docs/proxy.md",
        "# Proxy timeout\n\nSet the proxy timeout with --proxy-timeout. Proxy timeout defaults to 30s.\n",
    )
    index_documents([answer.pk])
    assert run(project, "recurring-question") == []
    assert Gap.objects.get(pk=gaps[0].pk).state == Gap.State.RESOLVED


def test_recurring_questions_skipped_without_search(settings):
    from kb.search import reset_search_backends

    settings.GLACIER_SEARCH_BACKENDS = {"default": {"BACKEND": "kb.search.backends.does_not_exist"}}
    reset_search_backends()
    project = ProjectFactory()
    issue(project, 1, "How do I configure the proxy timeout?")
    issue(project, 2, "How to configure proxy timeout?")
    result = gaps_detect(project=project, rule_ids=["recurring-question"])
    assert "recurring-question" in result.skipped_rules
    assert not Gap.objects.filter(project=project).exists()


# people, handoffs, glaciers ---------------------------------------------------------------------------


def test_knowledge_silo():
    project = ProjectFactory()
    silo = AreaFactory(project=project, path="pkg/scheduler", bus_factor=1)
    AreaOwnerFactory(area=silo)
    documented = AreaFactory(project=project, path="pkg/api", bus_factor=1)
    doc(project, "pkg/api/README.md")
    with_glacier = AreaFactory(project=project, path="pkg/net", bus_factor=1)
    glacier_page(project, signature="pkg/net")
    AreaFactory(project=project, path="pkg/shared", bus_factor=3)
    gaps = run(project, "knowledge-silo")
    assert [g.area_id for g in gaps] == [silo.pk]
    assert gaps[0].suggestion["path"] == "pkg/scheduler/README.md"
    assert documented.pk and with_glacier.pk


def test_stalled_handoffs():
    project = ProjectFactory()
    overdue = handoff_item_for(project, due_date=(NOW - timedelta(days=3)).date())
    handoff_item_for(project, due_date=(NOW + timedelta(days=3)).date())
    handoff_item_for(project, due_date=(NOW - timedelta(days=3)).date(), done_at=NOW)
    gaps = run(project, "stalled-handoff")
    assert len(gaps) == 1 and gaps[0].evidence["days_overdue"] == 3 and overdue.title in gaps[0].title


def test_glacier_pages_past_review():
    project = ProjectFactory()
    glacier_page(project, signature="net", review_by=(NOW - timedelta(days=1)).date(), title="Networking")
    glacier_page(project, signature="api", review_by=(NOW + timedelta(days=10)).date(), title="API")
    glacier_page(project, signature="ui", review_by=None, title="UI")
    gaps = run(project, "glacier-review-overdue")
    assert len(gaps) == 1 and "Networking" in gaps[0].title


def test_search_demand_counts_normalised_weak_queries():
    project = ProjectFactory()
    for text in ["How to upgrade?", "how to  UPGRADE", "How to upgrade"]:
        search_query(project, text, result_count=0)
    for _ in range(3):
        search_query(project, "install", result_count=5, top_score=12.0)  # well served
    search_query(project, "rare thing", result_count=0)
    for _ in range(3):  # weak, but answered since
        search_query(project, "metrics", result_count=0, when=NOW - timedelta(days=2))
    search_query(project, "metrics", result_count=4, top_score=9.0)
    for _ in range(3):  # too old
        search_query(project, "ancient", result_count=0, when=NOW - timedelta(days=90))
    gaps = run(project, "unmet-search-demand")
    assert [g.evidence["query"] for g in gaps] == ["how to upgrade"]
    assert gaps[0].evidence["searches"] == 3 and gaps[0].evidence["zero_results"] == 3


# OWNERS hygiene ----------------------------------------------------------------------------------------


def owners(project, path, body, age_days=10):
    return doc(project, path, body, kind=Document.Kind.OWNERS, last_changed_at=NOW - timedelta(days=age_days))


def test_owners_hygiene_rules():
    project = ProjectFactory()
    owners(project, "OWNERS_ALIASES", "aliases:\n  net-leads:\n    - carol\n    - dave\n")
    owners(
        project,
        "OWNERS",
        "approvers:\n  - alice\n  - bob\nreviewers:\n  - carol\n  - dave\n  - erin\nemeritus_approvers:\n  - zed\n",
    )
    owners(project, "solo/OWNERS", "approvers:\n  - alice\nreviewers:\n  - alice\n")
    owners(
        project,
        "net/OWNERS",
        "approvers:\n  - net-leads\n  - zed\nreviewers:\n  - carol\n  - frank\n  - gina\n",
    )
    owners(project, "thin/OWNERS", "approvers:\n  - a1\n  - a2\n  - a3\nreviewers:\n  - r1\n", age_days=400)
    owners(project, "gone/OWNERS", "approvers:\n  - gone-leads\n")  # an alias OWNERS_ALIASES no longer has
    owners(project, "island/OWNERS", "options:\n  no_parent_owners: true\nreviewers: [x]\n")
    doc(project, "island/sub/README.md")
    doc(project, "net/README.md")
    doc(project, "solo/README.md")

    assert [g.path for g in run(project, "owners-single-person")] == ["solo/OWNERS"]
    assert [g.path for g in run(project, "owners-few-reviewers")] == ["thin/OWNERS"]
    assert [g.path for g in run(project, "owners-stale-file")] == ["thin/OWNERS"]
    emeritus = run(project, "owners-emeritus-approver")
    assert [g.path for g in emeritus] == ["net/OWNERS"]
    assert emeritus[0].evidence["people"] == [{"login": "zed", "emeritus_in": "OWNERS"}]
    uncovered = run(project, "owners-uncovered-directory")
    assert [g.evidence["directory"] for g in uncovered] == ["island"]
    assert uncovered[0].evidence["subdirectories_uncovered"] == ["island/sub"]


def test_codeowners_coverage_is_the_importers_answer():
    """ "docs/*" owns the files in docs/, not docs/sub/ (GitHub's rule, and the people import's)."""
    project = ProjectFactory()
    owners(project, "island/OWNERS", "approvers: [a]\n")  # the project uses OWNERS files
    owners(project, ".github/CODEOWNERS", "docs/* @writer\n/api/ @api\n")
    owners(project, "src/CODEOWNERS", "* @nobody\n")  # not one of GitHub's three places: ignored
    for path in ("docs/README.md", "docs/sub/README.md", "api/v1/README.md", "pkg/README.md",
                 "charts/testdata/README.md"):  # fmt: skip
        doc(project, path)
    uncovered = run(project, "owners-uncovered-directory")
    assert sorted(g.evidence["directory"] for g in uncovered) == ["charts", "docs/sub", "pkg", "src"]
    charts = next(g for g in uncovered if g.evidence["directory"] == "charts")
    assert charts.evidence["subdirectories_uncovered"] == []  # testdata/ is not asked for an OWNERS file


def test_owners_rules_quiet_without_owners_and_on_healthy_files():
    project = ProjectFactory()
    doc(project, "pkg/README.md")
    assert run(project, "owners-uncovered-directory") == []
    owners(project, "OWNERS", "approvers: [a, b]\nreviewers: [c, d, e]\n")
    owners(project, "broken/OWNERS", "approvers: [unclosed\n")  # the importer reports it; no crash here
    for rule in ["owners-uncovered-directory", "owners-single-person", "owners-few-reviewers", "owners-stale-file",
                 "owners-emeritus-approver"]:  # fmt: skip
        assert run(project, rule) == [], rule


def test_a_page_matching_only_the_generic_words_does_not_answer(memory_search, settings):
    settings.GLACIER_GAP_ANSWER_MIN_SCORE = 1
    project = ProjectFactory()
    issue(project, 1, "How do I change the proxy timeout?", "change proxy timeout")
    issue(project, 2, "Can I change the proxy timeout?", "proxy timeout change")
    generic = doc(
        project, "docs/config.md", "# Changing configuration\n\nChange settings. Change more settings.\n"
    )
    index_documents([generic.pk])
    gaps = run(project, "recurring-question")
    assert len(gaps) == 1 and gaps[0].evidence["coverage"] < 0.6


def test_answer_threshold_is_per_backend(settings):
    from onboarding.gaps.questions import answer_threshold

    settings.GLACIER_GAP_ANSWER_MIN_SCORE = {"kb.search.backends.whoosh": 50.0, "default": 1.0}
    settings.GLACIER_SEARCH_BACKENDS = {"default": {"BACKEND": "kb.search.backends.whoosh"}}
    assert answer_threshold() == 50.0
    settings.GLACIER_SEARCH_BACKENDS = {"default": {"BACKEND": "tests.onboarding.gaps.memory_backend"}}
    assert answer_threshold() == 1.0
    settings.GLACIER_GAP_ANSWER_MIN_SCORE = 7
    assert answer_threshold() == 7.0


def test_stalled_handoff_gaps_are_for_the_projects_maintainers_only():
    from django.contrib.auth.models import AnonymousUser

    from kb.models import ProjectMembership
    from onboarding.gap_selectors import gaps_visible_to
    from tests.kb.factories import UserFactory

    project = ProjectFactory()
    handoff_item_for(
        project, title="Rotate the quixotic signing key", due_date=(NOW - timedelta(days=3)).date()
    )
    [gap] = run(project, "stalled-handoff")
    assert gap.audience == Gap.Audience.MAINTAINERS
    maintainer, member, other = UserFactory(), UserFactory(), UserFactory()
    ProjectMembership.objects.create(project=project, user=maintainer, role=ProjectMembership.Role.MAINTAINER)
    ProjectMembership.objects.create(project=project, user=member)
    ProjectMembership.objects.create(
        project=ProjectFactory(), user=other, role=ProjectMembership.Role.MAINTAINER
    )
    assert list(gaps_visible_to(maintainer)) == [gap]
    for reader in (AnonymousUser(), member, other):
        assert not gaps_visible_to(reader).exists()


def test_search_demand_ignores_insiders_and_uses_the_backends_score_scale(settings):
    from kb.models import ProjectMembership
    from kb.search import get_search_backend
    from tests.kb.factories import UserFactory

    project = ProjectFactory()
    maintainer, staff, outsider = UserFactory(), UserFactory(is_staff=True), UserFactory()
    ProjectMembership.objects.create(project=project, user=maintainer, role=ProjectMembership.Role.MAINTAINER)
    for _ in range(3):
        search_query(project, "zanzibar rotation", user=maintainer, result_count=0)
        search_query(project, "staff only musings", user=staff, result_count=0)
        search_query(project, "getting started", user=outsider, result_count=0)
        search_query(project, "release notes", result_count=2, top_score=0.5)
    assert [g.evidence["query"] for g in run(project, "unmet-search-demand")] == [
        "getting started", "release notes"
    ]  # fmt: skip
    # A PostgreSQL-scale score of 0.5 is a good answer there: the threshold is the backend's.
    settings.GLACIER_SEARCH_BACKENDS = {"default": {"BACKEND": "tests.search_double", "WEAK_SCORE": 0.01}}
    from kb.search import reset_search_backends

    reset_search_backends()
    assert get_search_backend().weak_score == 0.01
    assert [g.evidence["query"] for g in run(project, "unmet-search-demand")] == ["getting started"]


def test_a_private_page_neither_answers_nor_is_quoted_by_a_recurring_question_gap(memory_search, settings):
    settings.GLACIER_GAP_ANSWER_MIN_SCORE = 6
    project = ProjectFactory()
    issue(project, 1, "How do I configure the proxy timeout?", "proxy timeout keeps failing")
    issue(project, 2, "Proxy timeout configuration", "where is the proxy timeout set", labels=["question"])
    hidden = doc(
        project,
        "internal/zanzibar-proxy.md",
        "# Proxy timeout\n\nSet the proxy timeout with --proxy-timeout. Proxy timeout defaults to 30s.\n",
        is_private=True,
    )
    index_documents([hidden.pk])
    [gap] = run(project, "recurring-question")
    assert "zanzibar" not in str(gap.evidence) and "zanzibar" not in gap.title
