"""Authentication of requests: server-side app keys or client-side keys, never mixed.

* `/v1/...` needs `X-App-Id` + `X-App-Token` matching the fake's server keys.
* `/client/v1/...` needs `X-Client-Application-Id` + `X-Client-Token` matching the
  client keys, and an `Origin` header (client-side calls come from an allowed origin);
  server keys are not accepted there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._errors import FakeAPIError, unauthorized


@dataclass(frozen=True)
class Credentials:
    """The key pairs the fake accepts."""

    app_id: str
    secret_key: str
    client_app_id: str
    client_secret_key: str


def check(credentials: Credentials, path: str, headers: Mapping[str, str]) -> FakeAPIError | None:
    """Return the 401 to answer for a request to `path`, or `None` when it is allowed.

    `headers` must have lower-case names.
    """
    if path.startswith("/client/"):
        app_id = headers.get("x-client-application-id")
        token = headers.get("x-client-token")
        if app_id is None or token is None:
            return unauthorized(
                "Client-side requests need the X-Client-Application-Id and X-Client-Token headers"
            )
        if app_id != credentials.client_app_id or token != credentials.client_secret_key:
            return unauthorized("Invalid client-side application id or token")
        if "origin" not in headers:
            return unauthorized("Client-side requests need an Origin header")
        return None
    app_id = headers.get("x-app-id")
    token = headers.get("x-app-token")
    if app_id is None or token is None:
        return unauthorized("Server-side requests need the X-App-Id and X-App-Token headers")
    if app_id != credentials.app_id or token != credentials.secret_key:
        return unauthorized("Invalid application id or secret key")
    return None
