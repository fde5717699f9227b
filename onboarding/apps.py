from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = "Onboarding and succession"

    def ready(self) -> None:
        from kb.services.handoff_notes import register_login_resolver
        from kb.signals import sync_finished
        from onboarding.services.github_logins import user_for_github_login
        from onboarding.services.refresh import on_sync_finished

        # kb never imports onboarding; onboarding tells kb how to find a user by GitHub login.
        register_login_resolver(user_for_github_login)

        # People first, so that the gap rules (silos) see fresh bus factors.
        sync_finished.connect(on_sync_finished, dispatch_uid="onboarding.people_refresh")
        sync_finished.connect(_detect_gaps_after_sync, dispatch_uid="onboarding.gaps_after_sync")


def _detect_gaps_after_sync(sender, *, project, sync_run=None, **kwargs) -> None:
    """Re-run the gap detectors for the synced project (the service logs failures, never raises).

    A sync that changed no document cannot change what the document rules find; the
    time-based rules (stale docs, search demand, overdue handoffs) run nightly instead.
    """
    from onboarding.services.gaps import gaps_detect_after_sync

    if sync_run is not None and not (sync_run.added or sync_run.updated or sync_run.deleted):
        return
    gaps_detect_after_sync(project=project)
