"""factory_boy factories for kb models."""

import hashlib

import factory
from django.contrib.auth import get_user_model

from kb.models import Document, Project, ProjectMembership
from kb.rendering import render_markdown


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        """UserFactory(verified_email=True): the address is verified, so the sign-in form lets them in."""
        if create and extracted:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.LazyAttribute(lambda p: p.slug.replace("-", " ").title())
    visibility = Project.Visibility.PUBLIC
    repository = ""
    # Tests set projects up as staff would: a repository given here counts as approved
    # (kb.services.repository_policy). Pass repository_approved="" for a row nobody vouched for.
    repository_approved = factory.LazyAttribute(lambda p: p.repository)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectMembership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = ProjectMembership.Role.MEMBER


class DocumentFactory(factory.django.DjangoModelFactory):
    """A stored document; prefer documents_upsert when the test is about indexing."""

    class Meta:
        model = Document

    project = factory.SubFactory(ProjectFactory)
    kind = Document.Kind.DOC
    source = Document.Source.LOCAL
    key = factory.Sequence(lambda n: f"docs/page-{n}.md")
    path = factory.LazyAttribute(lambda d: d.key)
    title = factory.Sequence(lambda n: f"Page {n}")
    body = "Some text."
    html = factory.LazyAttribute(lambda d: render_markdown(d.body))
    sha256 = factory.LazyAttribute(lambda d: hashlib.sha256(d.body.encode()).hexdigest())
