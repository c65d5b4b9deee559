"""HubSpot-shaped API errors.

Every failure the sandbox reports travels as an ``ApiError`` so that one place turns it into
HubSpot's error body (``status``, ``message``, ``correlationId``, ``category`` and, where HubSpot
sends them, ``context``, ``errors`` and ``subCategory``).
"""

import json


class ApiError(Exception):
    """An error response: HTTP status plus the fields of HubSpot's error body."""

    def __init__(self, status, category, message, context=None, errors=None, sub_category=None):
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.context = context
        self.errors = errors
        self.sub_category = sub_category

    def body(self, correlation_id):
        """The JSON body of a top-level error response."""
        body = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
            "category": self.category,
        }
        if self.sub_category:
            body["subCategory"] = self.sub_category
        if self.context:
            body["context"] = self.context
        if self.errors:
            body["errors"] = self.errors
        return body

    def batch_error(self, context=None):
        """The entry of a batch response's ``errors`` list (HubSpot's ``StandardError``)."""
        entry = {
            "status": "error",
            "category": self.category,
            "message": self.message,
            "context": {**(self.context or {}), **(context or {})},
            "errors": self.errors or [],
            "links": {},
        }
        if self.sub_category:
            entry["subCategory"] = self.sub_category
        return entry


def validation_error(message, context=None, errors=None, sub_category=None):
    """400 VALIDATION_ERROR."""
    return ApiError(400, "VALIDATION_ERROR", message, context, errors, sub_category)


def not_found(message="Object not found.  objectId are usually numeric.", context=None):
    """404 OBJECT_NOT_FOUND, with HubSpot's own wording by default."""
    return ApiError(404, "OBJECT_NOT_FOUND", message, context)


def conflict(message, context=None):
    """409 CONFLICT."""
    return ApiError(409, "CONFLICT", message, context)


def invalid_properties(problems):
    """400 for rejected property values, worded like HubSpot.

    ``problems`` is a list of ``(name, code, message)``. HubSpot embeds the per-property verdicts
    as JSON inside ``message`` ("Property values were not valid: [...]"); newer responses also list
    them in ``errors``, so both are filled.
    """
    verdicts = [
        {
            "isValid": False,
            "message": message,
            "error": code,
            "name": name,
            "localizedErrorMessage": message,
        }
        for name, code, message in problems
    ]
    details = [
        {"message": message, "code": code, "context": {"propertyName": [name]}}
        for name, code, message in problems
    ]
    return validation_error(
        "Property values were not valid: " + json.dumps(verdicts, separators=(",", ":")),
        errors=details,
    )
