from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = "Onboarding and succession"

    def ready(self) -> None:
        from kb.signals import sync_finished
        from onboarding.services.refresh import on_sync_finished

        sync_finished.connect(on_sync_finished, dispatch_uid="onboarding.people_refresh")
