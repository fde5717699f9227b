"""The detectors on real documentation trees: the gaps a reader of these corpora can verify by hand.

kubernetes__cloud-provider ships under tests/fixtures/gaps/ so these tests run
without ../shared; the larger corpora are checked when ../shared/corpus/ is present.
"""

from pathlib import Path

import pytest

from onboarding.models import Gap
from onboarding.services.gaps import gaps_detect
from tests.onboarding.gaps.corpus import SHARED_CORPUS, corpus_names, load_corpus

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "gaps"


def detect(name_or_path):
    project = load_corpus(name_or_path)
    result = gaps_detect(project=project)
    gaps = list(Gap.objects.filter(project=project, state=Gap.State.OPEN))
    return result, gaps


def by_rule(gaps, rule):
    return [g for g in gaps if g.rule_id == rule]


def check_cloud_provider(gaps):
    rules = {g.rule_id for g in gaps}
    # Truly missing: no SECURITY file anywhere and no README section on it; a PR template but no issue template.
    assert {"missing-security-policy", "missing-issue-template"} <= rules
    # Present (code-of-conduct.md in the root, OWNERS as governance, LICENSE, .github/PULL_REQUEST_TEMPLATE.md).
    assert not rules & {"missing-readme", "missing-contributing", "missing-code-of-conduct", "missing-license",
                        "missing-governance", "missing-pr-template"}  # fmt: skip
    # README and CONTRIBUTING say nothing about building, testing or getting help.
    assert sorted(g.evidence["topic"] for g in by_rule(gaps, "newcomer-section-missing")) == [
        "help",
        "install",
        "test",
    ]
    # andrewsykim is emeritus in the root OWNERS but still approves in the controllers' OWNERS files.
    emeritus = sorted(g.path for g in by_rule(gaps, "owners-emeritus-approver"))
    assert emeritus == [
        "controllers/nodelifecycle/OWNERS",
        "controllers/route/OWNERS",
        "controllers/service/OWNERS",
    ]
    assert all(
        p["login"] == "andrewsykim"
        for g in by_rule(gaps, "owners-emeritus-approver")
        for p in g.evidence["people"]
    )
    assert by_rule(gaps, "broken-link") == [] and by_rule(gaps, "placeholder-text") == []


def test_shipped_cloud_provider_tree():
    _, gaps = detect(FIXTURES / "kubernetes__cloud-provider")
    check_cloud_provider(gaps)


def test_shared_corpora_known_gaps():
    names = corpus_names()
    if "kubernetes__cloud-provider" in names:
        _, gaps = detect("kubernetes__cloud-provider")
        check_cloud_provider(gaps)
        # With the real history, OWNERS files untouched since 2019-2024 are flagged.
        assert len(by_rule(gaps, "owners-stale-file")) >= 4

    if "kubernetes-sigs__cloud-provider-azure" in names:
        _, gaps = detect("kubernetes-sigs__cloud-provider-azure")
        assert not [g for g in gaps if g.rule_id.startswith("missing-")]  # every health file is there
        broken = by_rule(gaps, "broken-link")
        assert [g.path for g in broken] == ["helm/cloud-provider-azure/README.md"]
        assert {i["target"] for i in broken[0].evidence["items"]} == {"../health-probe-proxy/README.md"}
        single = by_rule(gaps, "owners-single-person")
        assert [(g.path, g.evidence["person"]) for g in single] == [
            ("pkg/provider/servicegateway/OWNERS", "david-kow")
        ]

    if "kubernetes__community" in names:
        _, gaps = detect("kubernetes__community")
        rules = {g.rule_id for g in gaps}
        assert "missing-issue-template" in rules  # .github/ holds only OWNERS and the PR template
        assert not rules & {"missing-security-policy", "missing-license", "missing-governance",
                            "missing-code-of-conduct", "missing-contributing", "missing-readme"}  # fmt: skip
        broken = {g.path: {i["target"] for i in g.evidence["items"]} for g in by_rule(gaps, "broken-link")}
        assert "CHARTER.md" in broken["sig-cloud-provider/README.md"]  # the file is charter.md
        assert "#language" in broken["contributors/guide/style-guide.md"]
        assert (
            "#swag-t-shirts" in broken["events/events-team/best-practices.md"]
        )  # GitHub's slug: swag--t-shirts
        placeholders = {g.path for g in by_rule(gaps, "placeholder-text")}
        assert {"sig-cli/migrated-from-wiki/contributor-guide-building-your-kubernetes-tool.md",
                "contributors/devel/sig-scheduling/scheduler_framework_plugins.md"} <= placeholders  # fmt: skip
        assert not any("meeting-notes" in p for p in placeholders)  # meeting notes are records, not docs
        emeritus = {g.path for g in by_rule(gaps, "owners-emeritus-approver")}
        assert "contributors/devel/OWNERS" in emeritus
        single = {g.path for g in by_rule(gaps, "owners-single-person")}
        assert {"hack/OWNERS", "contributors/guide/OWNERS"} <= single
        assert not any(
            p.startswith("archive/") for p in single | emeritus
        )  # archived groups are not maintained
        stale = {g.path for g in by_rule(gaps, "stale-doc")}
        assert not any("annual-report" in p for p in stale)  # dated records do not go stale
    assert SHARED_CORPUS.name == "corpus"
