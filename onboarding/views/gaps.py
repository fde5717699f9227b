"""Portal pages for gaps and weekly reports: thin views over onboarding.services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kb.access import user_is_maintainer, visible_projects_q
from kb.models import Project
from onboarding.gap_selectors import GAP_FILTERS, gaps_filtered, gaps_visible_to, user_maintains_any
from onboarding.gaps import RULES
from onboarding.models import Gap
from onboarding.services import gaps as gap_services
from onboarding.services.reports import (
    InvalidUnsubscribeToken,
    recipients_for_preview,
    report_is_subscribed,
    report_preview,
    report_subscribe,
    report_unsubscribe,
    report_unsubscribe_project,
    unsubscribe_token_read,
)


def gap_board(request):
    filters = {name: request.GET.get(name, "").strip() for name in GAP_FILTERS}
    page = Paginator(gaps_filtered(request.user, **filters), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "subscribed": bool(
            filters["project"]
            and request.user.is_authenticated
            and report_is_subscribed(user=request.user, project_slug=filters["project"])
        ),
        "projects": Project.objects.filter(pk__in=gaps_visible_to(request.user).values("project_id")),
        "rules": sorted(RULES.values(), key=lambda r: r.id),
        "severities": Gap.Severity.choices,
        "states": Gap.State.choices,
    }
    return render(request, "onboarding/gaps/board.html", context)


def gap_detail(request, pk: int):
    gap = get_object_or_404(gaps_visible_to(request.user), pk=pk)
    context = {
        "gap": gap,
        "rule": RULES.get(gap.rule_id),
        "can_dismiss": user_is_maintainer(request.user, gap.project),
        # Not `gap.evidence.items` in the template: that would be dict.items when the key is absent.
        "evidence_items": gap.evidence.get("items", []) if isinstance(gap.evidence, dict) else [],
        "evidence_details": _evidence_details(gap.evidence),
    }
    return render(request, "onboarding/gaps/detail.html", context)


def _evidence_details(evidence) -> list[tuple[str, str]]:
    """The rule-specific facts of a gap as (label, text) pairs; summary, items and issues have their own blocks."""
    if not isinstance(evidence, dict):
        return []
    details = []
    for key, value in evidence.items():
        if key in ("summary", "items", "issues") or value in ("", None, [], {}):
            continue
        if isinstance(value, list):
            text = ", ".join(
                " ".join(f"{v}" for v in item.values()) if isinstance(item, dict) else str(item)
                for item in value
            )
        else:
            text = str(value)
        details.append((key.replace("_", " ").capitalize(), text))
    return details


@login_required
@require_POST
def gap_action(request, pk: int, action: str):
    gap = get_object_or_404(gaps_visible_to(request.user), pk=pk)
    try:
        if action == "claim":
            gap_services.gap_claim(gap=gap, user=request.user)
            messages.success(request, "You claimed this gap. Keep the claim alive by updating it.")
        elif action == "release":
            gap_services.gap_release(gap=gap, user=request.user)
        elif action == "dismiss":
            gap_services.gap_dismiss(gap=gap, user=request.user, reason=request.POST.get("reason", ""))
        elif action == "reopen":
            gap_services.gap_reopen(gap=gap, user=request.user)
        else:
            raise Http404
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "You may not do that.")
    return redirect("onboarding:gap-detail", pk=gap.pk)


@login_required
@require_POST
def report_subscription_view(request, slug: str):
    """Follow (or stop following) a project's gaps in the weekly report."""
    project = get_object_or_404(
        Project.objects.filter(visible_projects_q(request.user)).distinct(), slug=slug
    )
    if request.POST.get("action") == "unsubscribe":
        report_unsubscribe_project(user=request.user, project=project)
        messages.success(request, f"You will no longer get weekly updates about {project.name}.")
    else:
        report_subscribe(user=request.user, project=project)
        messages.success(request, f"You will get {project.name}'s gaps in your weekly report.")
    return redirect(f"{reverse('onboarding:gap-board')}?project={project.slug}")


def gap_rules(request):
    return render(
        request,
        "onboarding/gaps/rules.html",
        {"rules": sorted(RULES.values(), key=lambda r: (r.family, r.id))},
    )


def gap_rule(request, rule_id: str):
    rule = RULES.get(rule_id)
    if rule is None:
        raise Http404("No such rule.")
    open_gaps = gaps_visible_to(request.user).filter(
        rule_id=rule_id, state__in=[Gap.State.OPEN, Gap.State.CLAIMED]
    )
    return render(request, "onboarding/gaps/rule.html", {"rule": rule, "gaps": open_gaps[:50]})


@login_required
def report_preview_view(request, user_id: int | None = None):
    if not user_maintains_any(request.user):
        raise PermissionDenied("Only maintainers can preview weekly reports.")
    recipients = recipients_for_preview(viewer=request.user)
    if user_id is None:
        return render(request, "onboarding/reports/preview_list.html", {"recipients": recipients})
    recipient = get_object_or_404(get_user_model(), pk=user_id)
    if recipient not in recipients and not (request.user.is_staff or request.user.is_superuser):
        raise PermissionDenied("That person gets no report about your projects.")
    subject, text, html = report_preview(viewer=request.user, recipient=recipient)
    if request.GET.get("part") == "html":
        # Served as its own document inside a sandboxed iframe on the preview page.
        response = HttpResponse(html)
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
        return response
    context = {"recipient": recipient, "subject": subject, "text": text}
    return render(request, "onboarding/reports/preview.html", context)


@csrf_exempt  # RFC 8058 one-click unsubscribe: mail providers POST without a session or CSRF token
def report_unsubscribe_view(request, token: str):
    try:
        user, project = unsubscribe_token_read(token)
    except InvalidUnsubscribeToken as exc:
        return render(request, "onboarding/reports/unsubscribe.html", {"error": str(exc)}, status=400)
    if request.method == "POST":
        report_unsubscribe(token=token)
        return render(
            request,
            "onboarding/reports/unsubscribe.html",
            {"done": True, "project": project, "subject": user},
        )
    return render(
        request, "onboarding/reports/unsubscribe.html", {"confirm": True, "project": project, "token": token}
    )
