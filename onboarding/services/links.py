"""Portal links for things other apps own, resolved by URL name when that app is installed.

Checklists and onboarding steps store links; the pages they point at (documents, glacier
pages, the gap board, the handoff-note form) belong to other parts of Glacier, so the
names are looked up at run time with a stable fallback path.
"""

from django.urls import NoReverseMatch, reverse


def portal_url(names: list[str], args: list, fallback: str) -> str:
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return fallback


def document_url(document) -> str:
    return portal_url(["kb:document"], [document.pk], f"/documents/{document.pk}/")


def glacier_url(page) -> str:
    return portal_url(
        ["kb:glacier", "kb:glacier_page", "kb:glacier-detail"], [page.pk], f"/glaciers/{page.pk}/"
    )


def gap_url(gap) -> str:
    return portal_url(
        ["onboarding:gap", "onboarding:gap_detail", "onboarding:gap-detail"], [gap.pk], f"/gaps/{gap.pk}/"
    )


def gap_board_url(project) -> str:
    return portal_url(["onboarding:gaps", "onboarding:gap_board"], [], "/gaps/") + f"?project={project.slug}"


def handoff_note_url(project) -> str:
    return portal_url(
        ["kb:handoff_note_new", "kb:note_new", "kb:handoff-note-new", "kb:handoff_note_create"],
        [project.slug],
        f"/projects/{project.slug}/notes/new",
    )
