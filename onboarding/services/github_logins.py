"""Map a GitHub login to a Glacier user through the people onboarding knows (for kb's handoff notes)."""

from onboarding.models.people import Maintainer


def user_for_github_login(login: str):
    maintainer = (
        Maintainer.objects.filter(github_login__iexact=login, user__isnull=False, user__is_active=True)
        .select_related("user")
        .first()
    )
    return maintainer.user if maintainer else None
