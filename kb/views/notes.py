"""Portal pages for handoff notes: list, read, write (maintainers)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from kb.access import user_is_maintainer
from kb.forms import HandoffNoteForm
from kb.selectors import handoff_note_get, handoff_note_list, project_list
from kb.services.handoff_notes import HandoffNoteError, NoteInput, handoff_note_save


def note_list(request, slug: str):
    project = get_object_or_404(project_list(user=request.user), slug=slug)
    notes = handoff_note_list(user=request.user, project=slug).order_by("-updated_at")
    return render(
        request,
        "kb/handoff_notes/list.html",
        {"project": project, "notes": notes, "can_write": user_is_maintainer(request.user, project)},
    )


def note_detail(request, pk: int):
    note = handoff_note_get(user=request.user, pk=pk)
    if note is None:
        raise Http404("No such handoff note.")  # the same answer whether it exists or not
    return render(request, "kb/handoff_notes/detail.html", {"note": note, "project": note.project})


@login_required
def note_create(request, slug: str):
    project = get_object_or_404(project_list(user=request.user), slug=slug)
    if not user_is_maintainer(request.user, project):
        raise PermissionDenied("Only the project's maintainers may write handoff notes.")
    form = HandoffNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            note, _ = handoff_note_save(
                project=project,
                author=request.user,
                note=NoteInput(
                    text=data["body"],
                    title=data["title"] or None,
                    area=data["area"] or None,
                    successor=data["successor"] or None,
                    date=data["date"],
                    is_private=data["is_private"],
                ),
            )
        except HandoffNoteError as exc:
            form.add_error(exc.field if exc.field in form.fields else "body", str(exc))
        else:
            return redirect("handoff_notes:detail", pk=note.pk)
    return render(request, "kb/handoff_notes/form.html", {"project": project, "form": form})
