import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from kb.glaciers.diff import revision_diff
from kb.models import CompactionRun, Document, GlacierPage, GlacierRevision
from kb.services.glaciers import glacier_compact
from tests.kb.glaciers.corpus import NOW, SECRET, add_issue, add_private_note, build_project, comment, issue

pytestmark = pytest.mark.django_db
GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "glaciers" / "example_compaction.txt"


def page_for(project, signature) -> GlacierPage:
    return GlacierPage.objects.get(project=project, topic__signature=signature)


def keyed(text: str) -> str:
    """Page text with database ids replaced by document keys (ids depend on test order)."""
    keys = dict(Document.objects.values_list("pk", "key"))
    return re.sub(r"\bd(\d+)\b", lambda m: f"<{keys[int(m.group(1))]}>", text)


def test_compaction_matches_the_golden_file():
    project = build_project()
    glacier_compact(project=project, now=NOW)
    pages = GlacierPage.objects.filter(project=project).order_by("topic__origin", "topic__signature")
    rendered = "\n".join(
        f"=== {p.topic.origin}:{p.topic.signature} owner={p.owner_login} "
        f"compression={p.compression_ratio} coverage={p.coverage}\n{keyed(p.revisions.get().text)}"
        for p in pages
    )
    if os.environ.get("GLACIER_UPDATE_GOLDEN"):  # regenerate deliberately, then review the diff
        GOLDEN.write_text(rendered)
    assert rendered == GOLDEN.read_text()


def test_every_statement_is_traceable_to_the_item_it_came_from():
    project = build_project()
    glacier_compact(project=project, now=NOW)
    checked = 0
    for page in GlacierPage.objects.filter(project=project):
        content = page.content
        for sentence in content["summary"]:
            source = Document.objects.get(pk=sentence["source"])
            assert sentence["text"] in " ".join(source.body.split()), (sentence, source.key)
            checked += 1
        for entry in content["decisions"]:
            assert " ".join(entry["statement"].split()) in " ".join(
                Document.objects.get(pk=entry["statement_source"]).body.split()
            )
            checked += 1
        for entry in content["faq"]:
            answer = Document.objects.get(pk=entry["answer_source"])
            assert answer.parent_id == entry["source"]
            assert entry["answer"] in " ".join(answer.body.split())
            checked += 1
        # Every statement line of the rendered text carries a reference to its item.
        body = page.revisions.get().text.split("\n## Sources\n")[0]
        for block in body.split("\n## ")[1:]:
            heading, *lines = block.splitlines()
            if heading in ("People who know this", "Related topics"):
                continue
            for line in filter(None, lines):
                assert re.search(r"\[d\d+\]", line), line
                checked += 1
    assert checked >= 10


def test_no_change_recompaction_creates_no_revision():
    project = build_project()
    first = glacier_compact(project=project, now=NOW)
    assert first.revisions_created == GlacierPage.objects.count() > 0
    again = glacier_compact(project=project, now=NOW)
    assert again.skipped and again.revisions_created == 0
    forced = glacier_compact(project=project, now=NOW, force=True)
    assert not forced.skipped and forced.revisions_created == 0
    assert forced.pages_unchanged == GlacierPage.objects.count()
    assert GlacierRevision.objects.count() == first.revisions_created
    assert CompactionRun.objects.filter(project=project).count() == 3


def test_a_new_issue_produces_a_revision_whose_diff_shows_it():
    project = build_project()
    glacier_compact(project=project, now=NOW)
    later = NOW + timedelta(hours=2)
    add_issue(
        project,
        issue(7, "Kubelet restarts containers on memory eviction loop", "The kubelet keeps evicting pods.",
              labels=["sig/node"], created=0),
        comment(105, 7, "Seeing the same on our nodes with the containerd runtime.", author="dave", created=0),
    )  # fmt: skip
    result = glacier_compact(project=project, now=later)
    assert result.revisions_created == 1 and result.pages_updated == 1
    page = page_for(project, "sig-node")
    new, old = page.revisions.order_by("-number")[:2]
    added = [line.text for line in revision_diff(old.text, new.text) if line.op == "add"]
    assert any("Kubelet restarts containers on memory eviction loop" in line for line in added)
    assert page.revision_count == 2 and new.number == 2


def test_near_duplicate_issues_collapse_into_one_with_links_to_all():
    project = build_project()
    glacier_compact(project=project, now=NOW)
    content = page_for(project, "sig-network").content
    first = Document.objects.get(key="issue/5").pk
    repost = Document.objects.get(key="issue/6").pk
    assert content["duplicates"] == [{"kept": first, "collapsed": [repost]}]
    listed = [e["source"] for e in content["year"] + content["surface"] + content["decisions"]]
    assert first in listed and repost not in listed
    assert all(e["duplicates"] == [repost] for e in content["decisions"] if e["source"] == first)


def test_private_note_goes_to_the_restricted_part_only():
    project = build_project()
    note = add_private_note(project)
    glacier_compact(project=project, now=NOW)
    page = page_for(project, "sig-node")
    assert [n["source"] for n in page.restricted["notes"]] == [note.pk]
    assert "staging cluster password" in str(page.restricted)
    for public in (str(page.content), page.revisions.get().text, page.title):
        assert "password" not in public and "vault-unlock" not in public
        assert (
            str(note.pk) not in re.findall(r"\d+", public) or note.pk not in page.revisions.get().source_ids
        )
    assert note.pk not in page.revisions.get().source_ids
    assert SECRET not in "".join(GlacierRevision.objects.values_list("text", flat=True))


def test_layers_by_age():
    project = build_project()
    glacier_compact(project=project, now=NOW)
    content = page_for(project, "sig-node").content
    keys = dict(Document.objects.values_list("pk", "key"))
    assert [keys[e["source"]] for e in content["surface"]] == ["issue/4"]  # 3 days old
    assert "issue/2" in [keys[e["source"]] for e in content["year"]]  # 200 days old
    old = Document.objects.get(key="issue/1").pk  # 500 days old: folded into the summary
    assert old not in [e["source"] for e in content["surface"] + content["year"]]
    assert {Document.objects.get(pk=s["source"]).key for s in content["summary"]} & {"issue/1", "comment/101"}


def test_metrics_and_owner():
    project = build_project()
    glacier_compact(project=project, now=NOW)
    page = page_for(project, "sig-node")
    assert page.owner_login == "alice"  # first approver of the area (through OWNERS_ALIASES)
    assert page.coverage == 1.0
    assert page.compression_ratio > 0
    assert page.newest_source_at.date().isoformat() == "2026-05-29"
    assert page.oldest_source_at < page.newest_source_at
    assert page.review_by == (NOW + timedelta(days=180)).date()


def test_staleness_after_review_date_or_changed_sources():
    project = build_project()
    glacier_compact(project=project, now=NOW)
    page = page_for(project, "sig-node")
    assert page.stale_reasons(today=NOW.date()) == []
    assert page.stale_reasons(today=page.review_by + timedelta(days=1)) == [
        f"review was due {page.review_by.isoformat()}"
    ]
    page.last_reviewed_at = NOW - timedelta(days=10)
    assert page.stale_reasons(today=NOW.date()) == ["sources changed since the last review"]


def test_items_move_between_layers_as_time_passes():
    project = build_project()
    glacier_compact(project=project, now=NOW)
    result = glacier_compact(project=project, now=NOW + timedelta(days=40))
    assert not result.skipped and result.revisions_created >= 1
    content = page_for(project, "sig-node").content
    assert Document.objects.get(key="issue/4").pk in [e["source"] for e in content["year"]]


def test_a_private_note_change_updates_the_restricted_part_without_a_visible_revision():
    project = build_project()
    glacier_compact(project=project, now=NOW)
    page = page_for(project, "sig-node")
    add_private_note(project)
    result = glacier_compact(project=project, now=NOW)
    assert result.revisions_created == 0 and result.restricted_updated == 1
    page.refresh_from_db()
    assert page.revision_count == 1 and "staging cluster password" in str(page.restricted)
    assert "password" not in str(page.content)


def test_empty_and_wordless_projects_compact_cleanly():
    from kb.models import Project
    from kb.services.documents import DocumentInput, documents_upsert

    empty = Project.objects.create(slug="empty", name="Empty")
    assert glacier_compact(project=empty, now=NOW).topics == 0
    odd = Project.objects.create(slug="odd", name="Odd")
    documents_upsert(
        project=odd,
        source="github",
        items=[DocumentInput(kind="issue", key=f"issue/{n}", title=f"#{n} ???", body="") for n in range(3)],
        index=False,
    )
    result = glacier_compact(project=odd, now=NOW)
    assert result.topics == 1 and GlacierPage.objects.get(project=odd).topic.signature == "unsorted"


def test_pages_needing_review_for_the_weekly_report():
    from kb.glaciers.selectors import glacier_pages_needing_review

    project = build_project()
    glacier_compact(project=project, now=NOW)
    assert glacier_pages_needing_review(project=project, today=NOW.date()) == []
    node = page_for(project, "sig-node")
    later = node.review_by + timedelta(days=1)
    due = glacier_pages_needing_review(project=project, owner_login="alice", today=later)
    assert {entry["page"].topic.signature for entry in due} == {"sig-node", "contributors", ""}
    assert due[0]["reasons"] == [f"review was due {node.review_by.isoformat()}"]
    assert glacier_pages_needing_review(project=project, owner_login="nobody", today=later) == []
