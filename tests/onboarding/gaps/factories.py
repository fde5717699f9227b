"""Factories for gap, report and the people rows the detectors read."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import factory
from django.utils import timezone

from kb.models import GlacierPage, Project, ProjectMembership, SearchQuery, Topic
from onboarding.models import (
    Area,
    AreaOwner,
    Enrolment,
    Gap,
    HandoffChecklist,
    HandoffItem,
    Maintainer,
    OnboardingPath,
    OnboardingStep,
    SuccessionPlan,
)
from tests.kb import factories as kb_factories


class UserFactory(kb_factories.UserFactory):
    password = ""  # these tests never sign in with a password; hashing one per user is slow


class ProjectFactory(kb_factories.ProjectFactory):
    class Meta:
        model = Project
        django_get_or_create = ["slug"]


class MembershipFactory(kb_factories.MembershipFactory):
    """Gap tests mostly need maintainers (they dismiss, preview, receive reports)."""

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = ProjectMembership.Role.MAINTAINER


class DocumentFactory(kb_factories.DocumentFactory):
    project = factory.SubFactory(ProjectFactory)
    path = factory.Sequence(lambda n: f"docs/page-{n}.md")
    key = factory.LazyAttribute(lambda d: d.path or f"item/{d.title}")
    title = factory.LazyAttribute(lambda d: d.path or "item")
    body = "# Page\n\nText.\n"
    headings = factory.LazyAttribute(
        lambda d: "\n".join(line.lstrip("#").strip() for line in d.body.splitlines() if line.startswith("#"))
    )
    sha256 = factory.LazyAttribute(lambda d: hashlib.sha256(f"{d.key}{d.body}".encode()).hexdigest())
    last_changed_at = factory.LazyFunction(timezone.now)
    metadata = factory.LazyFunction(dict)


class GapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gap

    project = factory.SubFactory(ProjectFactory)
    rule_id = "placeholder-text"
    fingerprint = factory.Sequence(lambda n: f"fp{n}")
    severity = Gap.Severity.LOW
    title = factory.Sequence(lambda n: f"Gap number {n}")
    evidence = factory.LazyFunction(lambda: {"summary": "seen"})
    suggestion = factory.LazyFunction(
        lambda: {"action": "edit", "path": "README.md", "outline": [], "note": ""}
    )
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyFunction(timezone.now)


class MaintainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Maintainer

    github_login = factory.Sequence(lambda n: f"login{n}")
    display_name = factory.LazyAttribute(lambda m: m.github_login.title())


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    project = factory.SubFactory(ProjectFactory)
    path = factory.Sequence(lambda n: f"pkg/area{n}")
    bus_factor = 1
    contributions = 40


class AreaOwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaOwner

    area = factory.SubFactory(AreaFactory)
    maintainer = factory.SubFactory(MaintainerFactory)
    role = AreaOwner.Role.APPROVER


class HandoffItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandoffItem

    checklist = factory.LazyAttribute(
        lambda o: HandoffChecklist.objects.create(
            plan=SuccessionPlan.objects.create(project=ProjectFactory(), maintainer=MaintainerFactory())
        )
    )
    kind = HandoffItem.Kind.TRANSFER_ACCESS
    title = "Transfer release signing keys"
    due_date = factory.LazyFunction(lambda: (timezone.now() - timedelta(days=20)).date())


def handoff_item_for(project, **kwargs) -> HandoffItem:
    plan = SuccessionPlan.objects.create(project=project, maintainer=MaintainerFactory())
    return HandoffItemFactory(checklist=HandoffChecklist.objects.create(plan=plan), **kwargs)


def glacier_page(project, *, signature: str, review_by=None, title="Networking") -> GlacierPage:
    topic = Topic.objects.create(project=project, slug=signature.replace("/", "-") or "root", title=title,
                                 origin=Topic.Origin.OWNERS, signature=signature)  # fmt: skip
    return GlacierPage.objects.create(topic=topic, project=project, title=title, review_by=review_by)


def onboarding_path(project, *, steps: int = 3) -> OnboardingPath:
    path = OnboardingPath.objects.create(project=project, title=f"Start contributing to {project.name}")
    for position in range(steps):
        OnboardingStep.objects.create(path=path, position=position, title=f"Step {position + 1}")
    return path


def enrol(user, path) -> Enrolment:
    return Enrolment.objects.create(user=user, path=path)


def search_query(
    project, query: str, *, result_count: int = 0, top_score=None, user=None, when=None
) -> SearchQuery:
    row = SearchQuery.objects.create(project=project, query=query, result_count=result_count, top_score=top_score,
                                     took_ms=1.0, user=user)  # fmt: skip
    if when is not None:
        SearchQuery.objects.filter(pk=row.pk).update(created_at=when)
    return row
