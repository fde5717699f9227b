"""Handoff notes: parsing, saving, importing a directory, and the import command."""

import datetime as dt
import os

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from kb.models import Document
from kb.services.handoff_notes import (
    HandoffNoteError,
    NoteInput,
    handoff_note_parse,
    handoff_note_save,
    handoff_notes_import,
)

from .conftest import NOTE

pytestmark = pytest.mark.django_db


def test_parse_reads_front_matter():
    parsed = handoff_note_parse(NOTE)
    assert parsed.title == "Release signing duty"
    assert (parsed.area, parsed.successor, parsed.date) == ("release", "sam", dt.date(2024, 5, 1))
    assert parsed.is_private
    assert parsed.body.startswith("The release signing key")


@pytest.mark.parametrize(
    "text, line, field",
    [
        ("---\ntitle: ok\narea: [unclosed\n---\nbody\n", 3, "body"),
        ("---\ntitle: ok\n\ndate: next tuesday\n---\nbody\n", 4, "date"),
        ("---\nprivate: maybe\n---\nbody\n", 2, "is_private"),
        ("---\nsuccessor:\n  - a\n  - b\n---\nbody\n", 2, "successor"),
    ],
)
def test_parse_errors_name_the_line(text, line, field):
    with pytest.raises(HandoffNoteError) as caught:
        handoff_note_parse(text)
    assert caught.value.line == line and caught.value.field == field
    assert str(caught.value).startswith(f"line {line}:")


def test_save_makes_a_private_note_readable_by_the_successor(people):
    note, warnings = handoff_note_save(
        project=people.project, author=people.author, note=NoteInput(text=NOTE)
    )
    assert not warnings
    assert note.kind == "handoff_note" and note.source == "notes" and note.is_private
    assert list(note.readers.all()) == [people.successor]
    assert note.created_by == people.author
    assert note.metadata == {"area": "release", "successor": "sam", "successor_user_id": people.successor.pk,
                             "date": "2024-05-01"}  # fmt: skip
    assert "<strong>June</strong>" in note.html


def test_only_maintainers_write_notes(people):
    with pytest.raises(PermissionDenied):
        handoff_note_save(project=people.project, author=people.contributor, note=NoteInput(text="hi"))
    with pytest.raises(PermissionDenied):
        handoff_note_save(project=people.project, author=people.other_maintainer, note=NoteInput(text="hi"))


def test_unknown_successor_is_a_field_error(people):
    with pytest.raises(HandoffNoteError) as caught:
        handoff_note_save(
            project=people.project, author=people.author, note=NoteInput(text="x", successor="nobody")
        )
    assert caught.value.field == "successor"
    assert not Document.objects.filter(kind="handoff_note").exists()


def test_successor_by_github_login_through_onboarding(people):
    from onboarding.models import Maintainer

    Maintainer.objects.create(user=people.successor, github_login="sam-on-github")
    note, _ = handoff_note_save(
        project=people.project, author=people.author, note=NoteInput(text="Keys.", successor="@sam-on-github")
    )
    assert list(note.readers.all()) == [people.successor]


@pytest.mark.django_db(transaction=True)
def test_changing_the_successor_swaps_the_reader_and_reindexes(people, monkeypatch):
    from kb.services import search_index

    indexed = []
    monkeypatch.setattr(search_index, "index_documents", lambda ids: indexed.extend(ids))
    note, _ = handoff_note_save(project=people.project, author=people.author, note=NoteInput(text=NOTE))
    assert indexed == [note.pk]  # written after commit, with the successor already a reader
    indexed.clear()

    handoff_note_save(
        project=people.project,
        author=people.maintainer,
        key=note.key,
        note=NoteInput(text=NOTE, successor="carl"),
    )

    note.refresh_from_db()
    assert list(note.readers.all()) == [people.contributor]
    assert note.created_by == people.author  # the author stays the author
    assert indexed == [note.pk], "the search entry is rewritten with the new reader's token"


def write_notes(directory):
    (directory / "team").mkdir(parents=True)
    (directory / "release.md").write_text(NOTE)
    (directory / "team" / "triage.md").write_text("# Triage rota\n\nMondays: ada.\n")
    (directory / "ci.md").write_text("---\nsuccessor: ghost-user\n---\n# CI secrets\n\nAsk infra.\n")
    (directory / "broken.md").write_text("---\ntitle: Broken\narea: [oops\n---\nLost?\n")
    (directory / "latin.md").write_bytes("caf\xe9".encode("latin-1"))
    (directory / "logo.png").write_bytes(b"\x89PNG\x00")


def test_import_keeps_every_good_note_and_reports_each_bad_file(people, tmp_path):
    write_notes(tmp_path)

    report = handoff_notes_import(project=people.project, directory=tmp_path, author=people.author)

    assert sorted(report.imported) == ["ci.md", "release.md", "team/triage.md"]
    errors = {e["path"]: e for e in report.errors}
    assert errors.keys() == {"broken.md", "latin.md"}
    assert errors["broken.md"]["line"] == 3 and "line 3" in errors["broken.md"]["error"]
    assert "UTF-8" in errors["latin.md"]["error"]
    assert report.warnings == [{"path": "ci.md", "warning": report.warnings[0]["warning"]}]
    assert "ghost-user" in report.warnings[0]["warning"]
    notes = Document.objects.filter(project=people.project, kind="handoff_note")
    assert set(notes.values_list("key", flat=True)) == {"note/ci", "note/release", "note/team/triage"}
    assert all(note.is_private for note in notes)
    assert notes.get(key="note/team/triage").title == "Triage rota"

    again = handoff_notes_import(project=people.project, directory=tmp_path, author=people.author)
    assert len(again.imported) == 3 and notes.count() == 3


def test_import_command_names_file_and_line_and_keeps_the_rest(people, tmp_path, capsys):
    write_notes(tmp_path)

    with pytest.raises(CommandError, match="2 file"):
        call_command("kb", "import_notes", str(tmp_path), "--project", "widgets", "--author", "ada")

    err = capsys.readouterr().err
    assert f"{tmp_path / 'broken.md'}: line 3: invalid YAML front matter" in err
    assert Document.objects.filter(project=people.project, kind="handoff_note").count() == 3
    assert Document.objects.get(key="note/release").created_by == people.author


def test_import_command_rejects_unknown_project_and_author(people, tmp_path):
    with pytest.raises(CommandError, match="No project"):
        call_command("kb", "import_notes", str(tmp_path), "--project", "nope")
    with pytest.raises(CommandError, match="No user"):
        call_command("kb", "import_notes", str(tmp_path), "--project", "widgets", "--author", "nobody")


def test_import_never_follows_a_symbolic_link(people, tmp_path, capsys):
    notes, outside = tmp_path / "notes", tmp_path / "outside"
    (notes / "team").mkdir(parents=True)
    (outside / "more").mkdir(parents=True)
    (notes / "team" / "triage.md").write_text("# Triage rota\n\nMondays: ada.\n")
    (outside / "secret.md").write_text("# Secret\n\nDB_PASSWORD=hunter2\n")
    (outside / "more" / "inner.md").write_text("# Inner\n\nDB_PASSWORD=hunter2\n")
    os.symlink("/etc/passwd", notes / "passwd.txt")
    os.symlink(outside / "secret.md", notes / "secret.md")
    os.symlink(outside / "more", notes / "more")
    os.symlink(notes / "team" / "triage.md", notes / "alias.md")

    call_command("kb", "import_notes", str(notes), "--project", "widgets")

    keys = set(
        Document.objects.filter(project=people.project, kind="handoff_note").values_list("key", flat=True)
    )
    assert keys == {"note/team/triage"}
    assert not Document.objects.filter(body__contains="hunter2").exists()
    assert not Document.objects.filter(body__contains="root:").exists()
    err = capsys.readouterr().err
    assert f"{notes / 'passwd.txt'}: skipped: symbolic link (points outside the tree" in err
    assert f"{notes / 'secret.md'}: skipped: symbolic link (points outside the tree" in err
    assert f"{notes / 'alias.md'}: skipped: symbolic link (points inside the tree" in err
    assert "inner.md" not in err  # a linked directory is not entered at all
    report = handoff_notes_import(project=people.project, directory=notes)
    assert sorted(skip["path"] for skip in report.skipped) == ["alias.md", "passwd.txt", "secret.md"]


@pytest.mark.parametrize(
    "body, message",
    [
        ("[" * 60_000 + "x" + "]" * 60_000, "too much Markdown markup"),
        (
            "---\n"
            + "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{chr(98 + n)}: &{chr(98 + n)} [" + ", ".join([f"*{chr(97 + n)}"] * 9) + "]\n"
                for n in range(8)
            )
            + "---\nbody\n",
            "aliases expand",
        ),
        ("---\n" + "[" * 10_000 + "\n---\nbody\n", "nested deeper"),
    ],
    ids=["markup", "billion-laughs", "deep-front-matter"],
)
def test_bomb_notes_are_a_400_with_the_reason(people, body, message):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {people.token(people.maintainer)}")
    response = api.post("/api/handoff-notes/", {"project": "widgets", "body": body}, format="json")
    assert response.status_code == 400, response.content
    assert message in str(response.json()), response.json()
