"""Request checks that belong at the edge, before any view or query sees the input."""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse

NUL = "\x00"
NUL_MESSAGE = "The request contains a NUL character (%00), which no field accepts."


def _has_nul(querydict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in querydict.lists())


def _bad_request(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": NUL_MESSAGE}, status=400)
    return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")


class RejectNulBytesMiddleware:
    """400 for a NUL character in the path, the query string or a form body.

    PostgreSQL refuses NUL in text, so one `?project=%00` used to reach a query and 500;
    no Glacier input has a use for it. JSON bodies are covered by DRF's CharField, which
    rejects NUL itself. Views that read the raw body themselves (csrf_exempt webhooks) are
    not parsed here, so their own size limit stays in force.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or _has_nul(request.GET):
            return _bad_request(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if _has_nul(request.POST):
                return _bad_request(request)
        return None
