"""What django-axes counts failed sign-ins against."""


def attempted_login(request, credentials: dict | None) -> str | None:
    """The name or address a sign-in attempt was made for.

    allauth's form has one "login" field and hands it to `authenticate` as `username` or
    `email`; Django's admin and the token endpoint send `username`. Addresses are compared
    case-insensitively, as allauth looks them up.
    """
    credentials = credentials or {}
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    attempted = (
        credentials.get("username") or credentials.get("email") or data.get("login") or data.get("username")
    )
    if not attempted:
        return None
    return attempted.lower() if "@" in attempted else attempted
