"""Signals kb sends so that other apps can react without kb importing them.

`sync_finished` is sent after a sync run's transaction commits, with
`project` and `sync_run` keyword arguments. onboarding listens to re-import
owners, recompute risk figures and re-run gap detectors. Receivers call one
service each and must not raise (a failing receiver is logged, never fails a sync).
"""

import django.dispatch

sync_finished = django.dispatch.Signal()
