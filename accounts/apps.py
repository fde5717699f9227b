from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People's own accounts: sign-up and sign-in (django-allauth), the profile page, API tokens."""

    name = "accounts"
    verbose_name = "Accounts"
