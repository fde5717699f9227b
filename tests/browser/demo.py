"""A small, realistic project for the browser tests: docs, issues and comments (tests/kb/glaciers/
corpus.py), its glacier pages, people, onboarding paths and one open gap."""

from kb.models import Document, GlacierPage, Project
from kb.services.glaciers import glacier_compact
from onboarding.models import Gap
from onboarding.services.paths import onboarding_paths_draft
from onboarding.services.people import people_import
from tests.kb.glaciers.corpus import NOW, build_project
from tests.onboarding.gaps.factories import GapFactory


def demo_project() -> dict:
    project: Project = build_project(slug="example")
    glacier_compact(project=project, now=NOW)
    people_import(project=project)
    gap: Gap = GapFactory(project=project, title="README.md has no section on getting started")
    onboarding_paths_draft(project=project)
    return {
        "project": project,
        "document": Document.objects.filter(project=project, kind="doc").order_by("path").first(),
        "glacier": GlacierPage.objects.filter(project=project).order_by("pk").first(),
        "gap": gap,
    }
