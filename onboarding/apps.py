from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = "Onboarding and succession"

    def ready(self) -> None:
        from kb.services.handoff_notes import register_login_resolver
        from kb.signals import sync_finished
        from onboarding.services.github_logins import user_for_github_login

        # kb never imports onboarding; onboarding tells kb how to find a user by GitHub login.
        register_login_resolver(user_for_github_login)

        # People first, so that the gap rules (silos) see fresh bus factors.
        sync_finished.connect(_refresh_people_after_sync, dispatch_uid="onboarding.people_refresh")
        sync_finished.connect(_detect_gaps_after_sync, dispatch_uid="onboarding.gaps_after_sync")


# The receivers import their services when a sync finishes, not when the app loads: every
# process (manage.py, web, worker) loads the app, and few of them ever finish a sync.


def _refresh_people_after_sync(sender, *, project, sync_run=None, **kwargs) -> None:
    from onboarding.services.refresh import on_sync_finished

    on_sync_finished(sender, project=project, sync_run=sync_run, **kwargs)


def _detect_gaps_after_sync(sender, *, project, sync_run=None, **kwargs) -> None:
    """Re-run the gap detectors for the synced project (the service logs failures, never raises).

    A sync that changed no document and brought no new history cannot change what the
    document and history rules find; the time-based rules (stale docs, search demand,
    overdue handoffs) run nightly instead.
    """
    from kb.selectors import sync_run_changed
    from onboarding.services.gaps import gaps_detect_after_sync

    if sync_run is not None and not sync_run_changed(sync_run=sync_run):
        return
    gaps_detect_after_sync(project=project)
