"""/api/gaps/ and the portal pages: filters, claim/dismiss, field errors, visibility of private projects."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kb.models import Project, ProjectMembership
from onboarding.gaps import RULES
from onboarding.models import Gap
from tests.onboarding.gaps.factories import GapFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def gaps():
    public = ProjectFactory(slug="open-proj")
    private = ProjectFactory(slug="closed-proj", visibility=Project.Visibility.PRIVATE)
    return {
        "high": GapFactory(project=public, rule_id="missing-readme", severity="high", title="No README"),
        "low": GapFactory(project=public, rule_id="placeholder-text", severity="low", title="TODO in docs"),
        "done": GapFactory(
            project=public, rule_id="broken-link", state=Gap.State.RESOLVED, title="Fixed link"
        ),
        "secret": GapFactory(project=private, rule_id="missing-readme", severity="high", title="Secret gap"),
    }


def titles(response):
    return sorted(item["title"] for item in response.json()["results"])


def test_list_filters_and_private_projects(gaps):
    anonymous = api()
    assert titles(anonymous.get("/api/gaps/")) == ["Fixed link", "No README", "TODO in docs"]
    assert titles(anonymous.get("/api/gaps/?severity=high")) == ["No README"]
    assert titles(anonymous.get("/api/gaps/?rule=placeholder-text")) == ["TODO in docs"]
    assert titles(anonymous.get("/api/gaps/?state=resolved")) == ["Fixed link"]
    assert titles(anonymous.get("/api/gaps/?project=open-proj&state=open")) == ["No README", "TODO in docs"]
    assert anonymous.get("/api/gaps/?project=closed-proj").json()["results"] == []
    assert anonymous.get(f"/api/gaps/{gaps['secret'].pk}/").status_code == 404

    member = MembershipFactory(project=gaps["secret"].project, role=ProjectMembership.Role.MEMBER).user
    assert "Secret gap" in titles(api(member).get("/api/gaps/?severity=high"))
    item = api(member).get(f"/api/gaps/{gaps['secret'].pk}/").json()
    assert item["rule_url"].endswith("/gaps/rules/missing-readme/") and item["project"] == "closed-proj"


def test_bad_filters_are_400_with_field_errors(gaps):
    response = api().get("/api/gaps/?severity=urgent&rule=nope&state=maybe")
    assert response.status_code == 400
    assert set(response.json()) == {"severity", "rule", "state"}


def test_claim_requires_a_token_and_an_open_gap(gaps):
    url = f"/api/gaps/{gaps['low'].pk}/claim/"
    assert api().post(url).status_code in (401, 403)
    newcomer = UserFactory()
    response = api(newcomer).post(url)
    assert response.status_code == 200 and response.json()["state"] == "claimed"
    assert response.json()["claimed_by"] == newcomer.username
    again = api(UserFactory()).post(url)
    assert again.status_code == 400 and "state" in again.json()
    assert api(newcomer).post(f"/api/gaps/{gaps['low'].pk}/release/").json()["state"] == "open"
    assert api(UserFactory()).post(f"/api/gaps/{gaps['secret'].pk}/claim/").status_code == 404


def test_only_maintainers_dismiss_and_a_reason_is_required(gaps):
    url = f"/api/gaps/{gaps['high'].pk}/dismiss/"
    assert api(UserFactory()).post(url, {"reason": "meh"}).status_code == 403
    maintainer = MembershipFactory(project=gaps["high"].project).user
    missing = api(maintainer).post(url, {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    blank = api(maintainer).post(url, {"reason": "   "}, format="json")
    assert blank.status_code == 400 and "reason" in blank.json()
    done = api(maintainer).post(url, {"reason": "README lives on the website"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "dismissed"
    twice = api(maintainer).post(url, {"reason": "again"}, format="json")
    assert twice.status_code == 400 and "state" in twice.json()


def test_gap_board_filters_and_hides_private_projects(client, gaps):
    response = client.get(reverse("onboarding:gap-board"))
    body = response.content.decode()
    assert response.status_code == 200 and "No README" in body and "Secret gap" not in body
    assert body.index("No README") < body.index("TODO in docs")  # high severity first, not alphabetical
    body = client.get(reverse("onboarding:gap-board") + "?severity=low&state=open").content.decode()
    assert "TODO in docs" in body and "No README" not in body
    assert client.get(reverse("onboarding:gap-detail", args=[gaps["secret"].pk])).status_code == 404


def test_every_rule_has_a_page_and_each_gap_links_to_it(client, gaps):
    for rule in RULES.values():
        page = client.get(reverse("onboarding:gap-rule", args=[rule.id]))
        assert page.status_code == 200
        assert escape(rule.why) in page.content.decode() and escape(rule.how) in page.content.decode()
    Gap.objects.filter(pk=gaps["high"].pk).update(
        evidence={"summary": "s", "people": [{"login": "zed"}], "days": 3}
    )
    detail = client.get(reverse("onboarding:gap-detail", args=[gaps["high"].pk])).content.decode()
    assert "<dt>People</dt><dd>zed</dd>" in detail and "<dt>Days</dt><dd>3</dd>" in detail
    assert reverse("onboarding:gap-rule", args=["missing-readme"]) in detail
    assert client.get(reverse("onboarding:gap-rule", args=["no-such-rule"])).status_code == 404


def test_claim_and_dismiss_from_the_portal(client, gaps):
    newcomer = UserFactory()
    client.force_login(newcomer)
    client.post(reverse("onboarding:gap-action", args=[gaps["low"].pk, "claim"]))
    assert Gap.objects.get(pk=gaps["low"].pk).claimed_by == newcomer
    client.post(reverse("onboarding:gap-action", args=[gaps["high"].pk, "dismiss"]), {"reason": "no"})
    assert Gap.objects.get(pk=gaps["high"].pk).state == Gap.State.OPEN  # not a maintainer
    client.force_login(MembershipFactory(project=gaps["high"].project).user)
    client.post(
        reverse("onboarding:gap-action", args=[gaps["high"].pk, "dismiss"]), {"reason": "Website has it"}
    )
    assert Gap.objects.get(pk=gaps["high"].pk).state == Gap.State.DISMISSED


def test_subscribe_to_a_project_from_the_board(client, gaps):
    from onboarding.models import ReportSubscription

    user = UserFactory()
    client.force_login(user)
    url = reverse("onboarding:report-subscription", args=["open-proj"])
    client.post(url)
    assert ReportSubscription.objects.get(user=user).unsubscribed is False
    board = client.get(reverse("onboarding:gap-board") + "?project=open-proj").content.decode()
    assert "Stop weekly updates about this project" in board
    client.post(url, {"action": "unsubscribe"})
    assert ReportSubscription.objects.get(user=user).unsubscribed is True
    # A private project one is not a member of cannot be followed.
    assert client.post(reverse("onboarding:report-subscription", args=["closed-proj"])).status_code == 404


def test_suggested_gaps_for_an_onboarding_path(gaps):
    response = api().get("/api/gaps/suggested/?project=open-proj")
    assert response.status_code == 200
    assert [g["title"] for g in response.json()["results"]] == [
        "TODO in docs"
    ]  # missing-readme is not a first task
    assert api().get("/api/gaps/suggested/?project=closed-proj").status_code == 400
    assert "project" in api().get("/api/gaps/suggested/").json()


def test_broken_link_gap_page_renders_for_every_role(client):
    """Items of a broken-link gap have a target and no text: the page used to 500 on the missing key."""
    project = ProjectFactory(slug="linky")
    gap = GapFactory(
        project=project,
        rule_id="broken-link",
        evidence={
            "summary": "1 relative link(s) lead nowhere.",
            "items": [{"line": 3, "target": "gone.md", "problem": "gone.md does not exist"}],
            "count": 1,
        },
    )
    maintainer = MembershipFactory(project=project).user
    for user in (None, UserFactory(), maintainer):
        if user is not None:
            client.force_login(user)
        response = client.get(f"/gaps/{gap.pk}/")
        assert response.status_code == 200
        assert "line 3: gone.md — gone.md does not exist" in response.content.decode()
