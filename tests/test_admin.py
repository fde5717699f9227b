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
