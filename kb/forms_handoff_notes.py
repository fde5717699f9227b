"""The portal form for writing a handoff note (kept apart from kb/forms.py, which is the web helper's)."""

from django import forms


class HandoffNoteForm(forms.Form):
    title = forms.CharField(required=False, max_length=500, help_text="Defaults to the first heading.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="Markdown; optional YAML front matter (area, successor, date) between --- lines.",
    )
    area = forms.CharField(required=False, max_length=200)
    successor = forms.CharField(required=False, max_length=150, help_text="Username or GitHub login.")
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    is_private = forms.BooleanField(
        required=False, initial=True, label="Private (maintainers and the successor only)"
    )
