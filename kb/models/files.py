"""Files of a project's repository that are not documents: images, YAML, code.

Links in documents resolve against them (kb.services.document_links); the bytes of files that
documents reference are kept when small, so the portal can show a repository's images itself.
"""

from django.db import models

from kb.models.core import Document, Project


class RepositoryFile(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="repository_files")
    source = models.CharField(max_length=20, choices=Document.Source.choices, default=Document.Source.LOCAL)
    path = models.CharField(max_length=500)
    size = models.PositiveBigIntegerField(default=0)
    # The git blob SHA (GitHub tree listing) or the SHA-256 of `content` (local tree), "" if unknown.
    sha = models.CharField(max_length=64, blank=True)
    # Kept only for files a document links to or shows, up to REFERENCED_FILE_MAX_BYTES.
    content = models.BinaryField(null=True, blank=True, editable=False)
    content_type = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "path"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source", "path"], name="uniq_repository_file_path"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.path}"
