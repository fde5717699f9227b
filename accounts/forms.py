from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from onboarding.selectors import github_login_is_known


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, refusing usernames that name a project's known GitHub maintainer.

    Accounts are linked to maintainers by username (onboarding.services.people.maintainers_link_users), so
    the person behind that GitHub login takes it by signing in with GitHub, not by typing it.
    """

    def clean_username(self):
        username = super().clean_username()
        if github_login_is_known(login=username):
            raise forms.ValidationError(
                "This name belongs to a maintainer's GitHub account. Sign in with GitHub to use it."
            )
        return username
