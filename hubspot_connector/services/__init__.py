"""HubSpot API service layer: plain Python (``requests``), no Odoo import, no side effects."""

from .client import BatchResult, HubspotClient
from .exceptions import (
    HubspotAuthError,
    HubspotConflict,
    HubspotDailyLimitReached,
    HubspotError,
    HubspotNetworkError,
    HubspotNotFound,
    HubspotRateLimited,
    HubspotScopeError,
    HubspotServerError,
    HubspotUnverifiedUrl,
    HubspotValidationError,
)
from .pacing import SlidingWindowLimiter

__all__ = [
    "BatchResult",
    "HubspotAuthError",
    "HubspotClient",
    "HubspotConflict",
    "HubspotDailyLimitReached",
    "HubspotError",
    "HubspotNetworkError",
    "HubspotNotFound",
    "HubspotRateLimited",
    "HubspotScopeError",
    "HubspotServerError",
    "HubspotUnverifiedUrl",
    "HubspotValidationError",
    "SlidingWindowLimiter",
]
