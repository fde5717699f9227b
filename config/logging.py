"""Logging helpers named by settings.LOGGING."""

import logging


class ExpectedClientErrorsWithoutTraceback(logging.Filter):
    """Keep django.request's one-line warning for a 4xx answer, without the exception's traceback.

    Django logs a refused request (PermissionDenied -> 403) with the exception attached; it is
    the expected outcome of a rule, not a fault, and a traceback per refusal buries real errors.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
