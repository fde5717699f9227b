"""Accounts made before sign-up existed were made by staff (admin, createsuperuser): their
addresses count as verified, or mandatory verification would lock them out of the portal."""

from django.conf import settings
from django.db import migrations


def mark_existing_addresses_verified(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=user_id, email=email, verified=True, primary=True)
            for user_id, email in User.objects.exclude(email="").values_list("pk", "email")
            if user_id not in known
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]
    operations = [migrations.RunPython(mark_existing_addresses_verified, migrations.RunPython.noop)]
