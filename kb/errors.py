"""One error type for services, and the one place that turns errors into API answers.

Services raise `ServiceError` (or Django's `ValidationError` / `PermissionDenied`, which
older services still raise); edges never translate them one by one:
- the DRF views rely on `api_exception_handler` (settings REST_FRAMEWORK["EXCEPTION_HANDLER"]);
- portal views show `error.message` beside the form field named by `error.field`.

`ServiceError` subclasses Django's `ValidationError` so that `except ValidationError` in
forms and management commands keeps working while the services move over.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions as drf
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"
# Ids are 64-bit: a larger number in a query raises OverflowError in the database driver.
MAX_ID = 2**63 - 1


class ServiceError(DjangoValidationError):
    """Input a service cannot act on. `field` names the input at fault (None: the request as a whole);
    `status` is the HTTP status an API answers with (400 bad input, 403 not allowed, 404 not found)."""

    status = 400

    def __init__(
        self, message: str, *, field: str | None = None, code: str = "invalid", status: int | None = None
    ):
        self.text = str(message)
        self.field = field
        if status is not None:
            self.status = status
        super().__init__({field or NON_FIELD: [self.text]}, code=code)

    def __str__(self) -> str:  # the message a person reads, not the repr of a dict
        return self.text


class NotFound(ServiceError):
    """Absent or not visible to the caller: the two are never told apart (no existence oracle)."""

    status = 404


class Forbidden(ServiceError):
    status = 403


def error_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """Field errors of any Django ValidationError, as {field: [messages]}."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {NON_FIELD: exc.messages}


def api_exception_handler(exc, context):
    """DRF's handler, after mapping service errors onto DRF's exceptions (the messages kept)."""
    if isinstance(exc, ServiceError) and exc.status == 404:
        exc = drf.NotFound(exc.text)
    elif isinstance(exc, ServiceError) and exc.status == 403:
        exc = drf.PermissionDenied(exc.text)
    elif isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(error_detail(exc))
    # Django's PermissionDenied and Http404 keep their messages in DRF's own handler.
    return drf_exception_handler(exc, context)
