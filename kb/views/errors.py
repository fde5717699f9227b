"""The server-error page, which tells a database outage apart from a bug.

While PostgreSQL is down or restarting every request fails in the driver. That is a
state the user can act on (wait and retry), so it answers 503 with Retry-After, as JSON
under /api/ and as a page elsewhere, instead of the generic 500. Nothing here touches the
database: the page does not extend base.html, whose header reads the signed-in user.
The web process recovers by itself: Django opens a new connection on the next request
(CONN_HEALTH_CHECKS drops a broken persistent connection first).
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

DATABASE_UNAVAILABLE = "The database is unavailable for a moment; please try again shortly."


def server_error(request, template_name="500.html"):
    """handler500: 503 for a lost database connection, Django's own 500 page otherwise."""
    if not isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return django_server_error(request, template_name=template_name)
    retry_after = settings.GLACIER_DATABASE_RETRY_AFTER_SECONDS
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503)
    else:
        context = {
            "message": DATABASE_UNAVAILABLE,
            "retry_after": retry_after,
            "path": request.get_full_path(),
        }
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(retry_after)
    return response
