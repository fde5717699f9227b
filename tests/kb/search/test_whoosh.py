"""Whoosh-specific behaviour: one writer at a time across processes, old layouts, damaged files."""

import multiprocessing
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, Schema

from kb.search.backends.base import IndexEntry, SearchUnavailable
from kb.search.backends.whoosh import INDEX_NAME, WhooshSearchBackend, snippet


def _write_many(index_dir: str, start: int, count: int) -> None:
    backend = WhooshSearchBackend({"INDEX_DIR": index_dir})
    for n in range(start, start + count):
        backend.index(
            [IndexEntry(uid=f"doc:{n}", project="p", kind="doc", title=f"T{n}", body=f"crossproc {n}")]
        )


def test_writers_in_separate_processes_queue_instead_of_failing(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_many, args=(str(tmp_path), base, 15)) for base in (0, 100, 200)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    backend = WhooshSearchBackend({"INDEX_DIR": str(tmp_path)})
    assert backend.search("crossproc", access=None, page_size=100).count == 45


def test_an_index_with_an_old_layout_reports_and_is_rebuilt(tmp_path):
    whoosh_index.create_in(tmp_path, Schema(uid=ID(unique=True, stored=True)), indexname=INDEX_NAME)
    backend = WhooshSearchBackend({"INDEX_DIR": str(tmp_path)})
    status = backend.status()
    assert status["ok"] is False and "kb reindex" in status["error"]
    backend.rebuild([IndexEntry(uid="doc:1", project="p", kind="doc", title="Fresh", body="rebuilt body")])
    assert backend.status() == {
        "ok": True, "backend": "whoosh", "exists": True, "documents": 1, "path": str(tmp_path)
    }  # fmt: skip
    assert backend.search("rebuilt", access=None).count == 1


def test_empty_index_directory_answers_empty_results(tmp_path):
    backend = WhooshSearchBackend({"INDEX_DIR": str(tmp_path / "never-written")})
    assert backend.search("anything", access=None).count == 0
    assert backend.status()["documents"] == 0


def test_snippet_marks_word_forms_and_escapes():
    text = "Intro. A <b>reviewer</b> reviews; reviewing & approving follow."
    result = snippet(text, ["review"])
    assert result.count("<mark>") == 3 and "&lt;b&gt;" in result and "&amp;" in result
    assert snippet("", ["x"]) == ""
    assert snippet("no match here", ["zzz"]) == "no match here"


def _truncate_a_segment(index_dir) -> None:
    segment = next(p for p in Path(index_dir).iterdir() if p.suffix == ".seg")
    with open(segment, "r+b") as handle:
        handle.truncate(segment.stat().st_size // 2)


def test_a_truncated_segment_makes_the_index_unavailable_not_a_crash(tmp_path):
    backend = WhooshSearchBackend({"INDEX_DIR": str(tmp_path)})
    backend.index(
        [IndexEntry(uid=f"doc:{n}", project="p", kind="doc", title=f"T{n}", body="words") for n in range(5)]
    )
    _truncate_a_segment(tmp_path)
    fresh = WhooshSearchBackend({"INDEX_DIR": str(tmp_path)})
    with pytest.raises(SearchUnavailable, match="kb reindex"):
        fresh.search("words", access=None)
    with pytest.raises(SearchUnavailable):
        fresh.stamps("p")
    assert fresh.status()["ok"] is False


def test_an_old_layout_is_unavailable_for_search(tmp_path):
    whoosh_index.create_in(tmp_path, Schema(uid=ID(unique=True, stored=True)), indexname=INDEX_NAME)
    with pytest.raises(SearchUnavailable, match="old layout"):
        WhooshSearchBackend({"INDEX_DIR": str(tmp_path)}).search("anything", access=None)
