"""The canary: marker words planted in every kind of private content must never reach a reader
who may not see it, on any surface, on either search backend.

Private content: a private handoff note (body, title and area), a private project's
document and name, a handoff checklist item (title and details), a succession plan's notes,
a project turned private after it was indexed, and a maintainer's own searches. Readers:
an anonymous visitor and the maintainer of another project. Surfaces: every page and API
endpoint the URLconf answers GET on (enumerated, so new pages are covered), search hits,
snippets, facets and "did you mean" (for a misspelling of each marker), glacier pages, gaps,
and the weekly report e-mail. A staff reader must see the markers (positive control: the
plants took and the surfaces do show private content to those allowed to read it).
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from kb.models import Document, GlacierPage, Project
from kb.services.documents import DocumentInput, documents_upsert
from kb.services.glaciers import glacier_compact
from kb.services.handoff_notes import NoteInput, handoff_note_save
from kb.services.projects import project_update
from kb.services.search import search_run
from onboarding.gaps import RULES
from onboarding.models import (
    Enrolment,
    Gap,
    HandoffChecklist,
    HandoffItem,
    Maintainer,
    OnboardingPath,
    OnboardingStep,
    SuccessionPlan,
)
from onboarding.services.gaps import gaps_detect
from onboarding.services.paths import enrolment_create, onboarding_paths_draft
from onboarding.services.people import people_import
from onboarding.services.reports import ReportBuilder, report_render, report_subscribe
from onboarding.services.succession import (
    handoff_checklist_create,
    handoff_item_add,
    succession_plans_refresh,
)
from tests.onboarding.helpers import make_project, make_user, put_files
from tests.search_backends import each_search_backend  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("each_search_backend")]

MARKERS = {
    "note body": "vorpalnotebody",
    "note title": "galumphingtitle",
    "note area": "brilligarea",
    "private document": "frumiousdocument",
    "private project name": "bandersnatchproject",
    "checklist item": "jabberwockitem",
    "checklist item details": "tulgeydetails",
    "plan notes": "tumtumplan",
    "turned private": "slithytoves",
    "maintainer query": "mimsyborogove",
}
# Only its author (a maintainer) ever typed it, and it finds nothing: no one else can be shown it.
NOT_SHOWN_EVEN_TO_STAFF = {"maintainer query"}
# URL names answered only to POST, or that need a secret token rather than an id.
SKIPPED_URL_NAMES = {"logout", "api-token", "github", "report-unsubscribe", "gap-action"}


def misspelt(word: str) -> str:
    """One letter dropped from the middle: within every backend's "did you mean" reach."""
    middle = len(word) // 2
    return word[:middle] + word[middle + 1 :]


@pytest.fixture
def world(tmp_path):
    now = timezone.now()
    open_project = make_project("open", name="Open Project")
    lead = make_user("lead", email="lead@example.org", maintainer_of=open_project)
    make_user("alice", maintainer_of=open_project)
    make_user("bob", member_of=open_project)
    put_files(
        open_project,
        {"OWNERS": "approvers:\n  - lead\n  - alice\nreviewers:\n  - bob\n",
         "docs/OWNERS": "approvers:\n  - alice\nlabels:\n  - sig/docs\n"},
    )  # fmt: skip
    documents_upsert(
        project=open_project,
        source=Document.Source.LOCAL,
        items=[
            DocumentInput(kind="doc", key="README.md", path="README.md", title="Open Project",
                          body="# Open Project\n\nHow to build, test and release the open project."),
            DocumentInput(kind="doc", key="docs/release.md", path="docs/release.md", title="Releasing",
                          body="# Releasing\n\nTag the release, publish the notes, announce it."),
        ],
    )  # fmt: skip
    # A private handoff note; its area names no public topic.
    handoff_note_save(
        project=open_project,
        author=lead,
        note=NoteInput(
            text=f"The {MARKERS['note body']} rotation key lives in the vault.",
            title=f"Handoff {MARKERS['note title']}",
            area=f"sig-{MARKERS['note area']}",
            is_private=True,
        ),
        require_successor=False,
    )
    # A private project with a document.
    hidden = make_project("hidden", name=f"Hidden {MARKERS['private project name']}", visibility="private")
    make_user("insider", maintainer_of=hidden)
    documents_upsert(
        project=hidden,
        source=Document.Source.LOCAL,
        items=[DocumentInput(kind="doc", key="plan.md", path="plan.md", title="Roadmap",
                             body=f"The {MARKERS['private document']} launch plan.")],
    )  # fmt: skip
    # A project made private after it was indexed.
    turning = make_project("turning", name="Turning")
    documents_upsert(
        project=turning,
        source=Document.Source.LOCAL,
        items=[DocumentInput(kind="doc", key="notes.md", path="notes.md", title="Meeting notes",
                             body=f"We discussed the {MARKERS['turned private']} migration.")],
    )  # fmt: skip
    assert search_run(user=AnonymousUser(), query=MARKERS["turned private"]).count == 1  # it was public
    glacier_compact(project=turning)
    project_update(project=turning, visibility=Project.Visibility.PRIVATE)

    # Succession: plan notes and an overdue checklist item.
    people_import(project=open_project)
    succession_plans_refresh(project=open_project)
    onboarding_paths_draft(project=open_project)
    plan = SuccessionPlan.objects.get(project=open_project, maintainer__github_login="alice")
    SuccessionPlan.objects.filter(pk=plan.pk).update(notes=f"Alice leaves in March; {MARKERS['plan notes']}.")
    checklist = handoff_checklist_create(plan=plan, successor=Maintainer.objects.get(github_login="bob"))
    handoff_item_add(
        checklist=checklist,
        title=f"Hand over the {MARKERS['checklist item']} credentials",
        details=f"Ask {MARKERS['checklist item details']} first.",
        due_date=(now - timedelta(days=20)).date(),
    )
    # A maintainer's own searches, answered with nothing three times.
    for _ in range(3):
        search_run(user=lead, query=f"{MARKERS['maintainer query']} rotation", project=open_project)

    glacier_compact(project=open_project)
    for project in (open_project, hidden, turning):
        gaps_detect(project=project)

    # Readers: the maintainer of another project (subscribed to the open project's report and
    # enrolled in its onboarding path), and a newcomer.
    elsewhere = make_project("elsewhere", name="Elsewhere")
    other = make_user("other", email="other@example.org", maintainer_of=elsewhere)
    report_subscribe(user=other, project=open_project)
    report_subscribe(user=other, project=hidden)
    newcomer_path = OnboardingPath.objects.get(project=open_project, track="newcomer")
    enrolment_create(path=newcomer_path, user=other)
    newcomer = make_user("newcomer", email="newcomer@example.org")
    enrolment_create(path=newcomer_path, user=newcomer)
    staff = make_user("staff")
    staff.is_staff = staff.is_superuser = True
    staff.save(update_fields=["is_staff", "is_superuser"])
    assert Gap.objects.filter(rule_id="stalled-handoff").exists()
    return {"other": other, "newcomer": newcomer, "staff": staff, "lead": lead}


def _named_urls(resolver=None, namespace=""):
    """(name, [(format string, [parameter names])]) of every named URL, namespaces included."""
    resolver = resolver or get_resolver()
    for key in resolver.reverse_dict:
        if isinstance(key, str):
            for possibilities, _pattern, _defaults, _converters in resolver.reverse_dict.getlist(key):
                yield f"{namespace}{key}", possibilities
    for name, (_prefix, sub) in resolver.namespace_dict.items():
        yield from _named_urls(sub, f"{namespace}{name}:")


# The model whose ids fill an integer parameter, by the path segment before it.
ID_SOURCES = {
    "documents": Document, "handoff-notes": Document, "glaciers": GlacierPage, "gaps": Gap,
    "people": Maintainer, "maintainers": Maintainer, "plans": SuccessionPlan, "succession-plans": SuccessionPlan,
    "handoff-checklists": HandoffChecklist, "handoff-items": HandoffItem, "onboarding": OnboardingPath,
    "onboarding-paths": OnboardingPath, "steps": OnboardingStep, "enrolments": Enrolment, "preview": None,
}  # fmt: skip


def _ids_for(segment: str) -> list[int]:
    model = ID_SOURCES.get(segment, "unknown")
    if model is None:  # user ids (report previews)
        return list(get_user_model().objects.values_list("pk", flat=True))
    if model == "unknown":  # a new page: try the ids of everything private planted here
        return sorted(
            {pk for m in set(ID_SOURCES.values()) - {None} for pk in m.objects.values_list("pk", flat=True)}
        )
    return list(model.objects.values_list("pk", flat=True))


def every_get_url() -> list[str]:
    """Each page and API endpoint with every plausible value of its parameters."""
    slugs = list(Project.objects.values_list("slug", flat=True))
    urls = set()
    for name, possibilities in _named_urls():
        if name.startswith("admin:") or name.rsplit(":", 1)[-1] in SKIPPED_URL_NAMES:
            continue
        for format_string, params in possibilities:
            if {"format", "uidb64", "token"} & set(params):
                continue
            choices = []
            for param in params:
                before = format_string.split(f"%({param})s", 1)[0].rstrip("/").rsplit("/", 1)[-1]
                if param == "slug":
                    choices.append(slugs)
                elif param == "rule_id":
                    choices.append(list(RULES))
                else:
                    choices.append(_ids_for(before))
            for combination in itertools.product(*choices):
                urls.add("/" + format_string % dict(zip(params, combination, strict=True)))
    return sorted(urls)


def search_urls() -> list[str]:
    """The search page echoes what was typed, so it is only asked the misspellings (whose
    "did you mean" could leak the marker); the API does not echo, so it gets both."""
    urls = []
    for word in MARKERS.values():
        for scope in ("", "&project=open", "&project=hidden", "&project=turning"):
            urls += [f"/search/?q={misspelt(word)}{scope}", f"/api/search/?q={misspelt(word)}{scope}"]
            urls.append(f"/api/search/?q={word}{scope}")
    return urls


def seen_by(client: Client, urls: list[str]) -> dict[str, str]:
    """Marker -> the first URL whose answer contains it."""
    found = {}
    for url in urls:
        body = client.get(url).content.decode("utf-8", "replace").lower()
        for label, word in MARKERS.items():
            if label not in found and word in body:
                found[label] = url
    return found


def test_no_private_marker_reaches_an_anonymous_reader_or_another_projects_maintainer(world):
    urls = every_get_url() + search_urls()
    assert len(urls) > 100  # the enumeration found the pages
    staff = Client(raise_request_exception=False)
    staff.force_login(world["staff"])
    shown_to_staff = seen_by(staff, urls)
    assert set(shown_to_staff) == set(MARKERS) - NOT_SHOWN_EVEN_TO_STAFF, shown_to_staff

    anonymous = Client(raise_request_exception=False)
    assert seen_by(anonymous, urls) == {}
    other = Client(raise_request_exception=False)
    other.force_login(world["other"])
    assert seen_by(other, urls) == {}


def test_search_hits_snippets_facets_and_suggestions_show_no_marker(world):
    staff_suggestions = set()
    for reader in (AnonymousUser(), world["other"], world["newcomer"]):
        for word in MARKERS.values():
            for text in (word, misspelt(word)):
                results = search_run(user=reader, query=text)
                shown = " ".join(
                    [results.suggestion or "", *map(str, results.facets.values())]
                    + [f"{h.title} {h.path} {h.url} {h.project} {h.highlights}" for h in results.hits]
                ).lower()
                assert word not in shown, (reader, text, shown[:500])
                assert results.facets["project"].keys() <= {"open"}, (text, results.facets)
    for label in ("note body", "private document", "turned private"):
        suggestion = search_run(user=world["staff"], query=misspelt(MARKERS[label])).suggestion or ""
        staff_suggestions.add(MARKERS[label] in suggestion)
    assert staff_suggestions == {True}  # the misspellings are within reach of "did you mean"


def test_glaciers_and_gaps_hold_no_marker_outside_their_restricted_parts(world):
    for page in GlacierPage.objects.filter(project__slug="open"):
        public = f"{page.title} {page.topic.slug} {page.topic.title} {page.content}".lower()
        for revision in page.revisions.all():
            public += f" {revision.title} {revision.content} {revision.text}".lower()
        for word in MARKERS.values():
            assert word not in public, (page.title, word)
    public_gaps = " ".join(
        f"{g.title} {g.evidence} {g.suggestion}" for g in Gap.objects.filter(audience=Gap.Audience.PUBLIC)
    ).lower()
    for word in MARKERS.values():
        assert word not in public_gaps, word


def test_the_weekly_report_email_shows_no_marker(world):
    builder = ReportBuilder()
    for recipient in (world["other"], world["newcomer"]):
        report = builder.build(recipient)
        assert not report.is_empty  # the subscription and the enrolment put something in it
        subject, text, html = report_render(report)
        body = f"{subject} {text} {html}".lower()
        for word in MARKERS.values():
            assert word not in body, (recipient, word)
    lead_subject, lead_text, _ = report_render(builder.build(world["lead"]))
    assert MARKERS["checklist item"] in lead_text.lower()  # maintainers get their own business
