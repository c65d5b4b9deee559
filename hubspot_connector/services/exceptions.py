"""Named HubSpot errors, each with a short message a settings form or sync log can show as is.

HubSpot error bodies look like ``{"status": "error", "message": ..., "category": ...,
"correlationId": ..., "context": {...}, "subCategory": ...}``; items in a 207 batch answer use the
same shape without an HTTP status, so :func:`error_from_payload` maps by status or by category.
"""

import re

_EXISTING_ID = re.compile(r"Existing ID:\s*(\d+)")


class HubspotError(Exception):
    """Base class: ``str(error)`` is the human message; the rest is kept for logs and logic."""

    summary = "HubSpot returned an error"

    def __init__(
        self,
        message,
        status=None,
        category=None,
        correlation_id=None,
        context=None,
        sub_category=None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.category = category
        self.correlation_id = correlation_id
        self.context = context or {}
        self.sub_category = sub_category


class HubspotAuthError(HubspotError):
    summary = "HubSpot rejected the access token"


class HubspotUnverifiedUrl(HubspotError):
    """The token is only sent to the API URL it was last verified against."""

    summary = "The API URL was not verified with this access token"


class HubspotScopeError(HubspotError):
    summary = "The HubSpot private app lacks a required scope"

    def __init__(self, message, *args, required_scopes=(), **kwargs):
        super().__init__(message, *args, **kwargs)
        self.required_scopes = list(required_scopes)


class HubspotNotFound(HubspotError):
    summary = "HubSpot has no such record"


class HubspotConflict(HubspotError):
    summary = "HubSpot already has this record"

    def __init__(self, message, *args, existing_id=None, **kwargs):
        super().__init__(message, *args, **kwargs)
        self.existing_id = existing_id


class HubspotValidationError(HubspotError):
    summary = "HubSpot rejected the data"


class HubspotRateLimited(HubspotError):
    summary = "HubSpot rate limit reached, even after waiting"

    def __init__(self, message, *args, policy=None, **kwargs):
        super().__init__(message, *args, **kwargs)
        self.policy = policy


class HubspotDailyLimitReached(HubspotRateLimited):
    summary = (
        "HubSpot daily API limit reached; calls resume after midnight in the HubSpot "
        "account's time zone"
    )


class HubspotServerError(HubspotError):
    summary = "HubSpot had a server error, even after retrying"


class HubspotNetworkError(HubspotError):
    summary = "Could not reach HubSpot (connection failed, dropped or timed out)"


_BY_STATUS = {
    400: HubspotValidationError,
    401: HubspotAuthError,
    403: HubspotScopeError,
    404: HubspotNotFound,
    409: HubspotConflict,
}
_BY_CATEGORY = {
    "VALIDATION_ERROR": HubspotValidationError,
    "INVALID_AUTHENTICATION": HubspotAuthError,
    "EXPIRED_AUTHENTICATION": HubspotAuthError,
    "MISSING_SCOPES": HubspotScopeError,
    "OBJECT_NOT_FOUND": HubspotNotFound,
    "CONFLICT": HubspotConflict,
}


def error_from_payload(payload, status=None, *, daily=False):
    """Build the named error for an HTTP error body or one 207 batch error item.

    ``status`` is the HTTP status when there is one; batch items only carry a category.
    ``daily`` marks a 429 whose policy is the daily limit (decided by the caller, which also
    decides whether to retry).
    """
    category = payload.get("category")
    if status == 429:
        cls = HubspotDailyLimitReached if daily else HubspotRateLimited
    elif status is not None and status >= 500:
        cls = HubspotServerError
    else:
        cls = _BY_STATUS.get(status) or _BY_CATEGORY.get(category) or HubspotError
    detail = payload.get("message") or ""
    summary = cls.summary if status is None else f"{cls.summary} ({status})"
    kwargs = {
        "status": status,
        "category": category,
        "correlation_id": payload.get("correlationId"),
        "context": payload.get("context"),
        "sub_category": payload.get("subCategory"),
    }
    if cls is HubspotConflict:
        match = _EXISTING_ID.search(detail)
        kwargs["existing_id"] = match.group(1) if match else None
    elif cls is HubspotScopeError:
        kwargs["required_scopes"] = [
            scope
            for item in payload.get("errors") or ()
            for scope in (item.get("context") or {}).get("requiredScopes") or ()
        ]
        if kwargs["required_scopes"]:
            detail = f"{detail} Required: {', '.join(kwargs['required_scopes'])}".strip()
    elif issubclass(cls, HubspotRateLimited):
        kwargs["policy"] = payload.get("policyName")
    message = f"{summary}: {detail}" if detail else f"{summary}."
    return cls(message, **kwargs)
