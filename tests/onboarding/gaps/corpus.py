"""Loading a corpus folder (../shared/corpus/<name> or a test fixture tree) into Documents.

Shared by the corpus tests and bench/gaps.py. Last-change times come from the
corpus's recorded git history when there is one, else from the files.
"""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from kb.models import Document, DocumentLink, Project
from kb.services.document_links import FileEntry, document_links_refresh, repository_files_sync
from kb.services.documents import DocumentInput, documents_upsert


def _find_shared_corpus() -> Path:
    """../shared/corpus beside the checkout (or beside the folder of worktrees); GLACIER_SHARED_CORPUS wins."""
    if os.environ.get("GLACIER_SHARED_CORPUS"):
        return Path(os.environ["GLACIER_SHARED_CORPUS"])
    repo_root = Path(__file__).resolve().parents[3]
    for base in (repo_root.parent, repo_root.parent.parent):
        if (base / "shared" / "corpus").is_dir():
            return base / "shared" / "corpus"
    return repo_root.parent / "shared" / "corpus"


SHARED_CORPUS = _find_shared_corpus()
OWNERS_NAMES = {"OWNERS", "OWNERS_ALIASES", "CODEOWNERS", "MAINTAINERS"}
DOC_SUFFIXES = {".md", ".markdown", ".rst", ".txt", ""}


def corpus_names() -> list[str]:
    if not SHARED_CORPUS.is_dir():
        return []
    return sorted(p.name for p in SHARED_CORPUS.iterdir() if p.is_dir() and p.name != "history")


def history_times(name: str) -> dict[str, datetime]:
    """Newest commit time per path from history/<name>.tsv.gz (C lines start a commit, F lines list paths)."""
    path = SHARED_CORPUS / "history" / f"{name}.tsv.gz"
    times: dict[str, datetime] = {}
    if not path.exists():
        return times
    current = None
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "C":
                current = datetime.fromisoformat(parts[4])
            elif parts[0] == "F" and current is not None:
                times.setdefault(parts[1], current)  # newest first
    return times


def corpus_inputs(root: Path, *, times: dict[str, datetime] | None = None) -> list[DocumentInput]:
    items = []
    for file in sorted(root.rglob("*")):
        if not file.is_file():
            continue
        rel = file.relative_to(root).as_posix()
        if file.name in OWNERS_NAMES:
            kind = Document.Kind.OWNERS
        elif file.suffix.lower() in DOC_SUFFIXES:
            kind = Document.Kind.DOC
        else:
            continue
        try:
            body = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        changed = (times or {}).get(rel) or datetime.fromtimestamp(file.stat().st_mtime, tz=UTC)
        # html="" skips Markdown rendering: detectors read the source, and rendering is most of the load time.
        items.append(
            DocumentInput(
                kind=kind, key=rel, path=rel, title=rel, body=body, last_changed_at=changed, html=""
            )
        )
    return items


def load_corpus(name_or_path: str | Path, *, slug: str | None = None, index: bool = False) -> Project:
    root = Path(name_or_path)
    name = root.name
    if not root.is_absolute() or not root.exists():
        root = SHARED_CORPUS / str(name_or_path)
        name = str(name_or_path)
    slug = slug or name.replace("_", "-").lower()
    project, _ = Project.objects.get_or_create(slug=slug, defaults={"name": name})
    documents_upsert(
        project=project, source="local", items=corpus_inputs(root, times=history_times(name)), index=index
    )
    corpus_links_refresh(project)
    return project


def corpus_links_refresh(project: Project) -> None:
    """Links of a corpus, resolved as a sync would. A corpus holds only the docs of its repository:
    a link to a file of another type (code, images, YAML) cannot be proven broken, so such targets
    are taken to exist."""
    document_links_refresh(project=project)
    assumed = {
        path
        for path in DocumentLink.objects.filter(project=project, status=DocumentLink.Status.BROKEN)
        .exclude(reason__startswith="case differs")
        .exclude(reason="leads outside the repository")
        .values_list("target_path", flat=True)
        if PurePosixPath(path).suffix.lower() not in DOC_SUFFIXES | {".mdx", ".markdown"}
    }
    if assumed:
        repository_files_sync(
            project=project,
            source="local",
            entries=[FileEntry(path, 0, "assumed") for path in sorted(assumed)],
        )
        document_links_refresh(project=project)
