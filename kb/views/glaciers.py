"""Portal pages for knowledge glaciers: the list per project, one page, and its history.

Thin views: selectors decide what the reader may see (public content always; restricted
notes only those kb/access.py lets them read); the maintainer form calls the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kb import selectors as kb_selectors
from kb.access import user_is_maintainer
from kb.errors import MAX_ID, NON_FIELD, error_detail
from kb.glaciers import selectors
from kb.glaciers.pages import SECTION_TITLES
from kb.models import GlacierPage
from kb.services import glaciers as services


class PageEditForm(forms.Form):
    title = forms.CharField(max_length=300)
    owner_login = forms.CharField(max_length=200, required=False)
    review_by = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reviewed = forms.BooleanField(required=False, label="Mark as reviewed now")


@require_GET
def glacier_list(request, slug: str):
    project = kb_selectors.project_list(user=request.user).filter(slug=slug).first()
    if project is None:
        raise Http404("No such project.")
    pages = selectors.glacier_page_list(user=request.user, project=project.slug)
    return render(request, "kb/glaciers/list.html", {"project": project, "pages": pages})


@require_http_methods(["GET", "POST"])
def glacier_detail(request, pk: int):
    page = _visible_page(request, pk)
    may_edit = user_is_maintainer(request.user, page.project)
    form = PageEditForm(
        initial={"title": page.title, "owner_login": page.owner_login, "review_by": page.review_by}
    )
    if request.method == "POST":
        if not may_edit:
            raise Http404("No such page.")
        form = PageEditForm(request.POST)
        if form.is_valid() and _apply_edit(request, page, form):
            messages.success(request, "Saved. The page will be recompacted with your changes.")
            return redirect("kb:glacier-detail", pk=page.pk)
    content = page.content or {}
    hrefs = _source_hrefs(content)
    notes = [
        {**note, "href": _document_href(note["source"], "")}
        for note in selectors.glacier_restricted_notes(user=request.user, page=page)
    ]
    context = {
        "page": page,
        "project": page.project,
        "content": _linked(content, hrefs),
        "notes": notes,
        "related": selectors.glacier_related_pages(page=page),
        "stale_reasons": page.stale_reasons(),
        "titles": SECTION_TITLES,
        "may_edit": may_edit,
        "form": form,
        "merged_into": _merged_into(page),
        "merge_targets": (
            selectors.glacier_page_list(user=request.user, project=page.project.slug).exclude(pk=page.pk)
            if may_edit
            else []
        ),
    }
    return render(request, "kb/glaciers/detail.html", context)


@require_POST
def glacier_merge(request, pk: int):
    """Maintainers merge this page's topic into another page of the project."""
    page = _editable_page(request, pk)
    into = selectors.glacier_page_get(user=request.user, pk=_int(request.POST.get("into")))
    try:
        if into is None:
            raise ValidationError({"into": "Choose a page to merge into."})
        services.topic_merge(page=page, into=into, user=request.user)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("kb:glacier-detail", pk=page.pk)
    messages.success(request, f"Merged into {into.title}; the pages are being recompacted.")
    return redirect("kb:glacier-detail", pk=into.pk)


@require_POST
def glacier_split(request, pk: int):
    """Maintainers move the ticked sources of this page to a new topic."""
    page = _editable_page(request, pk)
    ids = [_int(value) for value in request.POST.getlist("document_ids")]
    try:
        topic = services.topic_split(
            page=page,
            title=request.POST.get("title", ""),
            document_ids=[i for i in ids if i],
            user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("kb:glacier-detail", pk=page.pk)
    messages.success(request, f"Split off “{topic.title}”; the pages are being recompacted.")
    return redirect("kb:glacier-detail", pk=page.pk)


@require_GET
def glacier_history(request, pk: int):
    page = _visible_page(request, pk)
    return render(
        request,
        "kb/glaciers/history.html",
        {"page": page, "project": page.project, "entries": selectors.glacier_revision_diffs(page=page)},
    )


def _visible_page(request, pk: int) -> GlacierPage:
    page = selectors.glacier_page_get(user=request.user, pk=pk)
    if page is None:
        raise Http404("No such page.")
    return page


def _editable_page(request, pk: int) -> GlacierPage:
    page = _visible_page(request, pk)
    if not user_is_maintainer(request.user, page.project):
        raise Http404("No such page.")
    return page


def _int(raw) -> int | None:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _message(exc: ValidationError) -> str:
    return " ".join(
        " ".join(errors) if field == NON_FIELD else f"{field}: {' '.join(errors)}"
        for field, errors in error_detail(exc).items()
    )


def _apply_edit(request, page: GlacierPage, form: PageEditForm) -> bool:
    data = form.cleaned_data
    try:
        if data["title"].strip() != page.title:
            services.topic_rename(page=page, title=data["title"], user=request.user)
        owner = data["owner_login"].strip()
        services.glacier_page_update(
            page=page,
            user=request.user,
            owner_login=owner if owner != page.owner_login else None,
            review_by=data["review_by"] if data["review_by"] != page.review_by else None,
            reviewed=data["reviewed"],
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


def _merged_into(page: GlacierPage) -> GlacierPage | None:
    target_topic = page.topic.merged_into
    return getattr(target_topic, "page", None) if target_topic else None


def _document_href(document_id: int, upstream: str) -> str:
    try:
        return reverse("kb:document", args=[document_id])
    except NoReverseMatch:  # the document pages are not mounted in this deployment
        return upstream or "#"


def _source_hrefs(content: dict) -> dict[int, str]:
    upstream = {s["id"]: s.get("url", "") for s in content.get("sources", [])}
    ids = set(upstream)
    for key in ("summary", "surface", "year", "decisions", "faq", "open_questions"):
        for entry in content.get(key, []):
            for name in ("source", "statement_source", "answer_source"):
                if isinstance(entry.get(name), int):
                    ids.add(entry[name])
            ids.update(entry.get("duplicates", []))
    return {i: _document_href(i, upstream.get(i, "")) for i in ids}


def _linked(content: dict, hrefs: dict[int, str]) -> dict:
    """The content with an href beside every source id, for the template."""
    out = dict(content)
    for key in ("summary", "surface", "year", "decisions", "faq", "open_questions"):
        rows = []
        for entry in content.get(key, []):
            row = dict(entry)
            for name in ("source", "statement_source", "answer_source"):
                if name in row:
                    row[f"{name}_href"] = hrefs.get(row[name], "#")
            row["duplicate_links"] = [
                {"id": i, "href": hrefs.get(i, "#")} for i in entry.get("duplicates", [])
            ]
            rows.append(row)
        out[key] = rows
    out["sources"] = [{**s, "href": hrefs.get(s["id"], "#")} for s in content.get("sources", [])]
    return out
