from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = "Onboarding and succession"

    def ready(self) -> None:
        # kb never imports onboarding; onboarding tells kb how to find a user by GitHub login.
        from kb.services.handoff_notes import register_login_resolver
        from onboarding.services.github_logins import user_for_github_login

        register_login_resolver(user_for_github_login)
