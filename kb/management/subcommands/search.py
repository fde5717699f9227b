"""manage.py kb search "QUERY" [--project SLUG] [--kind K] [--json]"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from html import unescape

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from kb.models import Document, Project
from kb.search.backends.base import SearchUnavailable
from kb.services.search import SearchInputError, search_run

help = "Search the knowledge base from the terminal (an operator sees everything unless --user is given)."


def add_arguments(parser) -> None:
    parser.add_argument("query")
    parser.add_argument("--project", help="only this project (slug)")
    parser.add_argument("--kind", help=f"only this kind ({', '.join(Document.Kind.values)}, glacier)")
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=10)
    parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON like the API does")
    parser.add_argument("--user", help="search as this username sees it (default: everything)")


def handle(
    command, *, query, project=None, kind=None, page=1, page_size=10, as_json=False, user=None, **options
):
    if project and not Project.objects.filter(slug=project).exists():
        raise CommandError(f"No project with slug {project!r}.")
    reader = None
    if user:
        reader = get_user_model().objects.filter(username=user).first()
        if reader is None:
            raise CommandError(f"No user named {user!r}.")
    try:
        results = search_run(
            user=reader, query=query, project=project, kind=kind, page=page, page_size=page_size, via="cli",
            unrestricted=reader is None,
        )  # fmt: skip
    except (SearchInputError, SearchUnavailable) as exc:
        raise CommandError(str(exc)) from exc
    if as_json:
        command.stdout.write(_as_json(results))
        return
    if results.suggestion:
        command.stdout.write(f"Did you mean: {results.suggestion}")
    command.stdout.write(f"{results.count} result(s), page {results.page}")
    for number, hit in enumerate(results.hits, start=(results.page - 1) * results.page_size + 1):
        command.stdout.write(f"{number:>3}. {hit.title}  [{hit.project} · {hit.kind}]  score {hit.score:.2f}")
        command.stdout.write(f"     {hit.path}")
        command.stdout.write(f"     {_plain(hit.highlights)}")
    for facet, counts in results.facets.items():
        if counts:
            shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
            command.stdout.write(f"By {facet}: {shown}")


def _as_json(results) -> str:
    payload = {
        "count": results.count,
        "page": results.page,
        "results": [{k: v for k, v in asdict(hit).items() if k != "uid"} for hit in results.hits],
        "facets": results.facets,
        "suggestion": results.suggestion,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _plain(snippet: str) -> str:
    return unescape(re.sub(r"</?mark[^>]*>", "*", snippet))
