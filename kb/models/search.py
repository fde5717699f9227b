"""Rows for the PostgreSQL search backend (kb.search.backends.postgres).

The Whoosh backend keeps its own files; these tables stay empty unless the
PostgreSQL backend is configured. Like any index, they can be rebuilt from the
documents with `manage.py kb reindex`.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchEntry(models.Model):
    uid = models.CharField(max_length=100, unique=True)
    project = models.CharField(max_length=100, db_index=True)
    kind = models.CharField(max_length=20, db_index=True)
    title = models.CharField(max_length=500)
    headings = models.TextField(blank=True)
    body = models.TextField(blank=True)
    path = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=1000, blank=True)
    # Access tokens (see kb/access.py); a JSON list so it filters with jsonb @> and a GIN index.
    access = models.JSONField(default=list)
    boost = models.FloatField(default=1.0)
    updated_at = models.DateTimeField(null=True, blank=True)
    # The database's content hash when the entry was written (see IndexEntry.stamp).
    stamp = models.CharField(max_length=100, blank=True, default="")
    # Weighted: title A, headings B, path C, body D. GIN-indexed (see the migration).
    search_vector = SearchVectorField(null=True)

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return self.uid


class SearchWord(models.Model):
    """Words seen in indexed text: the dictionary for "did you mean" (trigram similarity).

    `documents` only grows between rebuilds (deletions do not decrement it); it ranks
    suggestions, where an approximate count is enough.
    """

    word = models.CharField(max_length=100, unique=True)
    documents = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return self.word
