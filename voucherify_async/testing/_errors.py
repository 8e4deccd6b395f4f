"""The errors the fake answers with, in Voucherify's `Error` shape.

Store and route code raise `FakeAPIError`; the app turns it into a JSON body
`{code, key, message, details, request_id, resource_id?, resource_type?}`.
"""

from __future__ import annotations

from typing import Any


class FakeAPIError(Exception):
    """An error response the fake API sends (status code plus `Error` body fields)."""

    def __init__(
        self,
        status: int,
        key: str,
        message: str,
        details: str,
        *,
        resource_id: str | None = None,
        resource_type: str | None = None,
    ) -> None:
        super().__init__(f"{status} {key}: {details}")
        self.status = status
        self.key = key
        self.message = message
        self.details = details
        self.resource_id = resource_id
        self.resource_type = resource_type

    def body(self, request_id: str) -> dict[str, Any]:
        """Return the JSON body of this error, stamped with `request_id`."""
        body: dict[str, Any] = {
            "code": self.status,
            "key": self.key,
            "message": self.message,
            "details": self.details,
            "request_id": request_id,
        }
        if self.resource_id is not None:
            body["resource_id"] = self.resource_id
        if self.resource_type is not None:
            body["resource_type"] = self.resource_type
        return body


def not_found(resource_type: str, resource_id: str) -> FakeAPIError:
    """Return the API's 404 for a missing `resource_type` (e.g. `customer`)."""
    return FakeAPIError(
        404,
        "not_found",
        "Resource not found",
        f"Cannot find {resource_type} with id {resource_id}",
        resource_id=resource_id,
        resource_type=resource_type,
    )


def invalid_query(details: str) -> FakeAPIError:
    """Return the API's 400 `invalid_query_params` error."""
    return FakeAPIError(400, "invalid_query_params", "Invalid query params", details)


def invalid_payload(details: str) -> FakeAPIError:
    """Return the API's 400 `invalid_payload` error."""
    return FakeAPIError(400, "invalid_payload", "Invalid payload", details)


def unauthorized(details: str) -> FakeAPIError:
    """Return a 401 `unauthorized` error (the fake's wording; the real text is not documented)."""
    return FakeAPIError(401, "unauthorized", "Unauthorized", details)
