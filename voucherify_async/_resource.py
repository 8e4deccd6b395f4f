"""The base of the endpoint groups a client binds (`client.customers`, `client.async_actions`).

A resource reaches the network only through the client's one request path, bound here once, so
the endpoint modules never touch the client's internals; adding a resource is one subclass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._client import AsyncClient

__all__ = ["APIResource"]


class APIResource:
    """Endpoints bound to one `AsyncClient`.

    Attributes:
        _client: the client, for its public parts (e.g. `async_actions`).
        _request: `AsyncClient._request`: send, retry, map errors, decode into a model.
        _send: `AsyncClient._send`: send, retry, map errors, return the raw response.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self._request = client._request
        self._send = client._send
