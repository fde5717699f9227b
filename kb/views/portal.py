"""Portal pages: thin views over kb.selectors and kb.services.search."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kb import selectors
from kb.access import user_is_maintainer
from kb.forms import SearchForm
from kb.health import health_report
from kb.models import Document
from kb.portal_links import portal_links
from kb.search.backends.base import SearchUnavailable
from kb.services.search import search_run
from kb.throttles import search_allowed

SEARCH_PAGE_SIZE = 10
PROJECT_DOCUMENTS_PER_PAGE = 100


@require_GET
def home(request):
    projects = selectors.project_list_with_stats(user=request.user)
    return render(request, "kb/home.html", {"projects": projects})


@require_GET
def project_detail(request, slug: str):
    project = selectors.project_get(user=request.user, slug=slug)
    if project is None:
        raise Http404("No such project.")
    kind_counts = selectors.document_kind_counts(user=request.user, project=project)
    kind = request.GET.get("kind") or next(iter(kind_counts), Document.Kind.DOC)
    if kind not in Document.Kind.values:
        raise Http404("No such kind of document.")
    documents = selectors.document_list(user=request.user, project=project.slug, kind=kind).defer(
        "body", "html", "headings", "metadata"
    )
    page = Paginator(documents, PROJECT_DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    kind_labels = dict(Document.Kind.choices)
    return render(
        request,
        "kb/project.html",
        {
            "project": project,
            "kinds": [(k, kind_labels[k], n) for k, n in kind_counts.items()],
            "kind": kind,
            "kind_label": kind_labels[kind],
            "page_obj": page,
            "sync_run": selectors.sync_run_latest(project=project),
            # Sync details name server paths and file-level warnings: for maintainers and staff.
            "can_maintain": user_is_maintainer(request.user, project),
            "public_repository": selectors.project_public_repository(project=project),
            "membership": selectors.project_membership_of(user=request.user, project=project),
        },
    )


@require_GET
def search(request):
    form = SearchForm(request.GET)
    results = None
    unavailable = None
    if form.is_valid() and form.cleaned_data["q"]:
        allowed, wait = search_allowed(request)
        if not allowed:
            response = HttpResponse(
                "Too many searches from you just now; try again in a minute.",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(int(wait or 60))
            return response
        data = form.cleaned_data
        project = data["project"] or None
        if project and selectors.project_get(user=request.user, slug=project) is None:
            form.add_error("project", "Unknown project.")
        else:
            try:
                results = search_run(
                    user=request.user,
                    query=data["q"],
                    project=project,
                    kind=data["kind"] or None,
                    page=data["page"],
                    page_size=SEARCH_PAGE_SIZE,
                    via="web",
                )
            except SearchUnavailable as exc:
                unavailable = str(exc)
    context = {"form": form, "results": results, "unavailable": unavailable}
    if results is not None:
        last_page = max(1, -(-results.count // results.page_size))
        context.update(
            {
                "query": form.cleaned_data["q"],
                "active_project": form.cleaned_data["project"],
                "active_kind": form.cleaned_data["kind"],
                "kind_labels": dict(form.fields["kind"].choices),
                "last_page": last_page,
                "first_rank": (results.page - 1) * results.page_size + 1,
                "project_facets": _by_count(results.facets.get("project", {})),
                "kind_facets": _by_count(results.facets.get("kind", {})),
                "previous_page": results.page - 1 if results.page > 1 else None,
                "next_page": results.page + 1 if results.page < last_page else None,
            }
        )
    status = 400 if form.errors else 503 if unavailable else 200
    return render(request, "kb/search.html", context, status=status)


def _by_count(facet: dict[str, int]) -> list[tuple[str, int]]:
    """Facet values, most frequent first, ties alphabetically."""
    return sorted(facet.items(), key=lambda item: (-item[1], item[0]))


@require_GET
def document_detail(request, pk: int):
    document = selectors.document_get(user=request.user, pk=pk)
    if document is None:
        raise Http404("No such document.")
    link_context = selectors.document_link_context(user=request.user, document=document)
    upstream = link_context.upstream
    context = {
        "document": document,
        "project": document.project,
        "children": selectors.document_children(user=request.user, document=document),
        "portal_links": portal_links(
            link_context,
            document_url=lambda target: reverse("kb:document", args=[target]),
            file_url=lambda file_id: reverse("kb:repository-file", args=[file_id]),
        ),
        "backlinks": selectors.document_backlinks(user=request.user, document=document),
        "upstream_url": document.url or (upstream.blob(document.path) if upstream and document.path else ""),
    }
    return render(request, "kb/document.html", context)


@require_GET
def repository_file(request, pk: int):
    """A repository file a document shows or links to, as stored at sync, for readers of its project.

    Served with its own type and nosniff; an SVG (which can hold script) only inside a sandbox.
    """
    stored = selectors.repository_file_get(user=request.user, pk=pk)
    if stored is None or stored.content is None:
        raise Http404("No such file.")
    content_type = stored.content_type or "application/octet-stream"
    response = HttpResponse(bytes(stored.content), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    name = stored.path.rsplit("/", 1)[-1]
    inline = content_type.startswith(("image/", "text/plain"))
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    if content_type == "image/svg+xml" or not inline:
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    return response


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    status = {"status": "ok" if healthy else "unhealthy"}
    # Paths, versions and database error text help an attacker more than a load balancer: staff only.
    report = {**report, **status} if request.user.is_staff else status
    return JsonResponse(report, status=200 if healthy else 503)
