"""Every model of Glacier's apps has an admin, and every admin list page renders."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

GLACIER_APPS = ["kb", "onboarding"]


def glacier_models():
    return [model for label in GLACIER_APPS for model in apps.get_app_config(label).get_models()]


def test_every_model_is_registered_in_the_admin():
    missing = [model._meta.label for model in glacier_models() if not admin.site.is_registered(model)]
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", glacier_models(), ids=lambda m: m._meta.label)
def test_admin_list_and_add_pages_render(admin_client, model):
    opts = model._meta
    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code in (200, 403)


@pytest.mark.django_db
def test_the_project_admin_holds_repositories_to_the_policy_and_records_staff_approval(
    admin_client, tmp_path
):
    from kb.models import Project

    url = reverse("admin:kb_project_add")
    form = {
        "name": "Comet", "slug": "comet", "description": "", "github_repo": "", "visibility": "public",
        "webhook_secret": "", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    }  # fmt: skip
    refused = admin_client.post(url, {**form, "repository": "file:///etc"})
    assert refused.status_code == 200 and "https:// and ssh://" in refused.content.decode()
    assert not Project.objects.filter(slug="comet").exists()
    saved = admin_client.post(url, {**form, "repository": str(tmp_path)})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    project = Project.objects.get(slug="comet")
    assert project.repository == project.repository_approved == str(tmp_path)
    # An approval by the command-line operator survives an unrelated edit in the admin.
    Project.objects.filter(pk=project.pk).update(
        repository="file:///srv/x.git", repository_approved="file:///srv/x.git"
    )
    change = reverse("admin:kb_project_change", args=[project.pk])
    edited = admin_client.post(change, {**form, "description": "new", "repository": "file:///srv/x.git"})
    assert edited.status_code == 302
    project.refresh_from_db()
    assert (project.description, project.repository_approved) == ("new", "file:///srv/x.git")
