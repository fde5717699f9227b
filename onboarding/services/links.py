"""Portal links that checklists and onboarding steps store (pages owned by kb and the gap board)."""

from django.urls import reverse


def document_url(document) -> str:
    return reverse("kb:document", args=[document.pk])


def glacier_url(page) -> str:
    return reverse("kb:glacier-detail", args=[page.pk])


def gap_url(gap) -> str:
    return reverse("onboarding:gap-detail", args=[gap.pk])


def gap_board_url(project) -> str:
    return reverse("onboarding:gap-board") + f"?project={project.slug}"


def handoff_note_url(project) -> str:
    return reverse("handoff_notes:create", args=[project.slug])


def people_url(project) -> str:
    return reverse("onboarding:people", args=[project.slug])
