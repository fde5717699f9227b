"""Knowledge-glacier pages: one living page per topic, compacted from documents (issue [3]).

The compaction service (kb/services/glaciers.py) owns how these are filled in.
"""

from django.db import models

from kb.models.core import Document, Project


class Topic(models.Model):
    class Origin(models.TextChoices):
        FOLDER = "folder", "Documentation folder"
        OWNERS = "owners", "OWNERS area"
        LABEL = "label", "Issue label"
        CLUSTER = "cluster", "Text similarity"
        MANUAL = "manual", "Created by a maintainer"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="topics")
    slug = models.SlugField(max_length=200)
    title = models.CharField(max_length=300)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    # The stable signature the topic was derived from (a folder path, a label, an area path),
    # so that a maintainer's rename survives recompaction.
    signature = models.CharField(max_length=500, blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="topics")

    class Meta:
        ordering = ["project", "title"]
        constraints = [models.UniqueConstraint(fields=["project", "slug"], name="uniq_topic_slug")]

    def __str__(self) -> str:
        return self.title


class GlacierPage(models.Model):
    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="page")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="glacier_pages")
    title = models.CharField(max_length=300)
    # GitHub login or git author of the person who answers for the page (editable).
    owner_login = models.CharField(max_length=200, blank=True)
    review_by = models.DateField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def search_uid(self) -> str:
        return f"glacier:{self.pk}"
