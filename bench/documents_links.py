"""Benchmark: links between documents over every corpus in ../shared/corpus/.

    python bench/documents_links.py [--corpus NAME ...] [--skip-portal]

For each corpus, the tree is synced as a plain folder (the real local sync: read, render,
store, resolve links) on a throw-away SQLite database, then:
  counts      resolved / file / broken / broken-anchor / external links, and the time the link
              refresh of the whole project takes beside the sync it is part of (the baseline);
  agreement   Glacier's broken list against markdown-link-check's (npm, installed here with
              `npm ci`, run offline over the same tree: http(s) links ignored), as precision and
              recall, with every disagreement sorted into the reason it happens;
  portal      every document page rendered, and every in-portal link on it requested: the
              number that does not answer 200 (should be 0).
The corpora hold only the docs of their repositories: a link to code, YAML or an image is
broken in this tree (for both tools) even where the file exists upstream; those are counted
apart ("non-doc target").
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urldefrag, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TMP = tempfile.mkdtemp(prefix="glacier-bench-links-")
os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ["GLACIER_INDEX_DIR"] = f"{TMP}/index"
os.environ["GLACIER_VAR_DIR"] = TMP
os.environ["GLACIER_REPOS_DIR"] = f"{TMP}/repos"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

DOC_SUFFIXES = {".md", ".markdown", ".mdx", ".rst", ".txt", ""}


def install_markdown_link_check() -> Path:
    binary = REPO / "node_modules" / "markdown-link-check"
    if not binary.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=REPO, check=True)
    return binary


def markdown_link_check(root: Path) -> set[tuple[str, str]]:
    """(file, link) of every link markdown-link-check reports dead in the tree ("/x" links as written,
    not as the file:// URL it checked)."""
    root_url = root.resolve().as_uri()
    proc = subprocess.run(
        ["node", str(REPO / "bench" / "markdown_link_check.js"), str(root)],
        capture_output=True, text=True, check=True, cwd=REPO,
    )  # fmt: skip
    dead = set()
    for line in proc.stdout.splitlines():
        item = json.loads(line)
        if "link" in item:
            link = item["link"]
            if link.startswith(root_url + "/"):
                link = link[len(root_url) :]
            dead.add((item["file"], unquote(link).strip()))
    return dead


def _category(link, href: str) -> str:
    """Why a link is broken for one tool and not the other."""
    if link is None:
        return "not read as a link by Glacier (markdown-link-check's extractor differs)"
    if link.status == "broken-anchor":
        if not href.startswith("#"):
            return "anchor in another file (markdown-link-check does not check those)"
        return "same-page anchor (heading slug rules differ)"
    if link.status == "broken":
        if link.reason.startswith("case differs"):
            return "case differs"
        return f"broken: {link.reason.split(':')[0] if ':' in link.reason else 'target missing'}"
    if href.startswith("#"):
        return "same-page anchor Glacier finds (markdown-link-check's slug differs from GitHub's)"
    return f"{link.status} for Glacier ({'folder' if href.rstrip('/') != href else 'path'})"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        url = values.get("href") if tag == "a" else values.get("src") if tag == "img" else None
        if url:
            self.urls.append(url)


def portal_dead_links(project) -> tuple[int, int, int, list[str]]:
    """(pages, in-portal links, dead ones, examples): every document page and what it links to."""
    from django.test import Client

    client = Client()
    answers: dict[str, int] = {}
    pages = links = 0
    dead: list[str] = []
    for pk in project.documents.values_list("pk", flat=True):
        page = f"/documents/{pk}/"
        response = client.get(page)
        pages += 1
        if response.status_code != 200:
            dead.append(f"{page} itself answered {response.status_code}")
            continue
        parser = _Links()
        parser.feed(response.content.decode())
        for url in parser.urls:
            target, _ = urldefrag(url)
            if not target or urlsplit(url).scheme or url.startswith("//"):
                continue
            links += 1
            if target not in answers:
                answers[target] = client.get(target).status_code
            if answers[target] != 200:
                dead.append(f"{page} -> {url} ({answers[target]})")
    return pages, links, len(dead), dead[:5]


def bench_corpus(root: Path, *, portal: bool) -> None:
    from kb.models import DocumentLink
    from kb.services.document_links import document_links_refresh
    from kb.services.sync import sync_target

    name = root.name
    started = time.perf_counter()
    project = sync_target(str(root)).project
    sync_s = time.perf_counter() - started
    started = time.perf_counter()
    document_links_refresh(project=project)
    refresh_s = time.perf_counter() - started
    # Only the fields compared: a row with its source document's body and HTML would cost gigabytes here.
    links = list(
        DocumentLink.objects.filter(project=project).only("href", "status", "target_path", "reason", "source__path")
        .select_related("source")
    )  # fmt: skip
    statuses = Counter(link.status for link in links)
    docs = project.documents.count()
    print(f"\n-- {name}: {docs} documents, {len(links)} links")
    print(f"  baseline: first sync of the tree                  {sync_s * 1000:10.1f} ms")
    print(
        f"  link refresh of the whole project                 {refresh_s * 1000:10.1f} ms"
        f"   ({refresh_s / sync_s:.1%} of the sync)"
    )
    print("  " + "  ".join(f"{status}={statuses.get(status, 0)}" for status in
                           ["resolved", "file", "broken", "broken-anchor", "external"]))  # fmt: skip
    broken = [link for link in links if link.status in ("broken", "broken-anchor")]
    non_doc = [
        link for link in broken
        if link.status == "broken" and PurePosixPath(link.target_path).suffix.lower() not in DOC_SUFFIXES
    ]  # fmt: skip
    print(f"  broken, of which non-doc target (absent from a docs-only corpus): {len(non_doc)}")

    glacier = {(link.source.path, unquote(link.href).strip()): link for link in broken}
    # Every link Glacier read, to explain markdown-link-check's findings that Glacier calls fine.
    every = {(link.source.path, unquote(link.href).strip()): link for link in links}
    mlc = markdown_link_check(root)
    both = set(glacier) & mlc
    precision = len(both) / len(glacier) if glacier else 1.0
    recall = len(both) / len(mlc) if mlc else 1.0
    print(
        f"  distinct (file, link) pairs: markdown-link-check {len(mlc)} dead, Glacier {len(glacier)} broken, both {len(both)}"
        f"   precision {precision:.1%}  recall {recall:.1%}"
    )
    for label, keys in (
        ("Glacier only", set(glacier) - mlc),
        ("markdown-link-check only", mlc - set(glacier)),
    ):
        by_reason: dict[str, list] = {}
        for key in sorted(keys):
            by_reason.setdefault(_category(every.get(key), key[1]), []).append(key)
        for reason, items in sorted(by_reason.items(), key=lambda item: -len(item[1])):
            print(f"    {label:<26} {len(items):5d}  {reason}")
            for file, href in items[:2]:
                print(f"          e.g. {file}: {href}")
    if portal:
        started = time.perf_counter()
        pages, followed, dead, samples = portal_dead_links(project)
        print(
            f"  portal: {pages} document pages, {followed} in-portal links followed, {dead} dead"
            f"   ({time.perf_counter() - started:.1f}s)"
        )
        for sample in samples:
            print(f"      {sample}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", action="append", help="corpus folder name (default: all)")
    parser.add_argument("--skip-portal", action="store_true", help="do not request every document page")
    args = parser.parse_args()
    from tests.onboarding.gaps.corpus import SHARED_CORPUS, corpus_names

    call_command("migrate", verbosity=0)
    install_markdown_link_check()
    names = args.corpus or corpus_names()
    print(f"== Links between documents over {SHARED_CORPUS} ({len(names)} corpora)")
    if not names:
        print("  ../shared/corpus/ not found: nothing to measure")
        return
    for name in names:
        bench_corpus(SHARED_CORPUS / name, portal=not args.skip_portal)


if __name__ == "__main__":
    main()
