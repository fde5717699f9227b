import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from kb.models import Project, ProjectMembership


class People:
    """Everyone who matters to a private note, and everyone who must not see it."""

    def __init__(self):
        User = get_user_model()
        self.project = Project.objects.create(slug="widgets", name="Widgets")
        self.other_project = Project.objects.create(slug="gadgets", name="Gadgets")
        self.author = User.objects.create_user("ada")
        self.maintainer = User.objects.create_user("max")
        self.successor = User.objects.create_user("sam")
        self.contributor = User.objects.create_user("carl")
        self.other_maintainer = User.objects.create_user("olga")
        self.staff = User.objects.create_user("stella", is_staff=True)
        for user in (self.author, self.maintainer):
            ProjectMembership.objects.create(project=self.project, user=user, role="maintainer")
        ProjectMembership.objects.create(project=self.project, user=self.contributor, role="member")
        ProjectMembership.objects.create(
            project=self.other_project, user=self.other_maintainer, role="maintainer"
        )

    def token(self, user) -> str:
        return Token.objects.get_or_create(user=user)[0].key


@pytest.fixture
def people(db):
    return People()


NOTE = """---
title: Release signing duty
area: release
successor: sam
date: 2024-05-01
---
The release signing key lives in the hardware token in the blue safe.
Rotate it before **June**.
"""
