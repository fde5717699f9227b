"""Per-client rate limits, counted in the default cache (rates: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])."""

from __future__ import annotations

from rest_framework.throttling import UserRateThrottle


class SearchRateThrottle(UserRateThrottle):
    """Searches per signed-in user, or per address for anonymous readers. Shared by the API view
    and the portal page, so the two count against one budget."""

    scope = "search"


def search_allowed(request) -> tuple[bool, float | None]:
    """For plain Django views: may this client search now, and if not, seconds until it may."""
    throttle = SearchRateThrottle()
    if throttle.allow_request(request, None):
        return True, None
    return False, throttle.wait()
