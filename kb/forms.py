"""Validation of portal query strings."""

from django import forms

from kb.models import Document

SEARCH_KIND_CHOICES = [("", "Any kind"), *Document.Kind.choices, ("glacier", "Glacier page")]


class SearchForm(forms.Form):
    q = forms.CharField(max_length=500, required=False, strip=True)
    project = forms.SlugField(required=False)
    kind = forms.ChoiceField(choices=SEARCH_KIND_CHOICES, required=False)
    page = forms.IntegerField(min_value=1, max_value=1000, required=False)

    def clean_page(self) -> int:
        return self.cleaned_data.get("page") or 1
