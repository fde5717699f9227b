"""Portal forms: query-string validation and the handoff-note editor."""

from django import forms

from kb.models import Document
from kb.services.search import MAX_QUERY_LENGTH

SEARCH_KIND_CHOICES = [("", "Any kind"), *Document.Kind.choices, ("glacier", "Glacier page")]


class SearchForm(forms.Form):
    q = forms.CharField(max_length=MAX_QUERY_LENGTH, required=False, strip=True)
    project = forms.SlugField(required=False)
    kind = forms.ChoiceField(choices=SEARCH_KIND_CHOICES, required=False)
    page = forms.IntegerField(min_value=1, max_value=1000, required=False)

    def clean_page(self) -> int:
        return self.cleaned_data.get("page") or 1


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


class MembershipRequestForm(forms.Form):
    message = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="A word for the maintainers (optional)",
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address to invite")
