"""The ASGI layer in front of the routes: record, stamp headers, inject faults, authenticate.

Order per request: the whole body is read and the request recorded; a request id
(`v-` + hex) is made; an injected fault, if one matches, answers; otherwise the keys are
checked (401); otherwise the routes run. Every response gets `X-Rate-Limit-Limit`,
`X-Rate-Limit-Remaining`, `X-Rate-Limit-Retry` and `X-Request-Id`; an injected fault's
also gets `X-Fake-Fault` (its kind). Routing uses the path *as sent* (`scope["path"]` is
replaced by the percent-encoded `raw_path`) so that a `source_id` containing `%2F` stays
one path segment; routes decode their parameters.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

import httpx

from . import _auth, _faults
from ._errors import FakeAPIError
from ._query import parse_query
from ._recording import RecordedRequest
from ._wire import Clock, IdFactory

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RateLimitCounter:
    """Counts requests per clock minute for the informational `X-Rate-Limit-*` headers.

    The fake never enforces the limit; use `FakeVoucherify.inject_fault` with 429.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._minute = -1
        self._count = 0

    def headers(self, epoch: int) -> list[tuple[bytes, bytes]]:
        """Count one request at `epoch` seconds and return the three headers."""
        minute = epoch // 60
        if minute != self._minute:
            self._minute, self._count = minute, 0
        self._count += 1
        remaining = max(self.limit - self._count, 0)
        retry = epoch if remaining else (minute + 1) * 60
        return [
            (b"x-rate-limit-limit", str(self.limit).encode()),
            (b"x-rate-limit-remaining", str(remaining).encode()),
            (b"x-rate-limit-retry", str(retry).encode()),
        ]


class FakeMiddleware:
    """Pure ASGI middleware implementing the request pipeline described in the module doc."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        credentials: _auth.Credentials,
        faults: _faults.Faults,
        requests: list[RecordedRequest],
        rate_limit: RateLimitCounter,
        clock: Clock,
        ids: IdFactory,
    ) -> None:
        self.app = app
        self.credentials = credentials
        self.faults = faults
        self.requests = requests
        self.rate_limit = rate_limit
        self.clock = clock
        self.ids = ids

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        raw = scope.get("raw_path")
        raw_path = raw.decode("latin-1") if raw else scope["path"]
        path = unquote(raw_path)
        method = scope["method"]
        query_string = scope.get("query_string", b"").decode("latin-1")
        query: dict[str, list[str]] = {}
        for name, value in parse_query(query_string):
            query.setdefault(name, []).append(value)
        self.requests.append(
            RecordedRequest(method, path, raw_path, query_string, query, headers, body)
        )
        now = self.clock()
        request_id = self.ids.hex_id("v-", now)
        extra = [
            *self.rate_limit.headers(int(now.timestamp())),
            (b"x-request-id", request_id.encode()),
        ]
        stamped = _stamping(send, extra)

        rule = self.faults.take(method, path)
        if rule is not None:
            await _send_fault(rule, request_id, int(now.timestamp()), stamped)
            return
        error = _auth.check(self.credentials, path, headers)
        if error is not None:
            await send_error(error, request_id, stamped)
            return
        inner = dict(
            scope, path=raw_path, state={**scope.get("state", {}), "request_id": request_id}
        )
        await self.app(inner, _replay(body), stamped)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)
        elif message["type"] == "http.disconnect":
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _stamping(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def stamped(message: Message) -> None:
        if message["type"] == "http.response.start":
            given = list(message.get("headers", []))
            names = {name.lower() for name, _ in given}
            given += [(name, value) for name, value in extra if name not in names]
            message = dict(message, headers=given)
        await send(message)

    return stamped


async def send_error(error: FakeAPIError, request_id: str, send: Send) -> None:
    """Send `error` as a JSON `Error` body."""
    await send_bytes(
        send,
        error.status,
        [(b"content-type", b"application/json")],
        json.dumps(error.body(request_id)).encode(),
    )


async def send_bytes(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    """Send one complete response."""
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_fault(rule: _faults.FaultRule, request_id: str, epoch: int, send: Send) -> None:
    marker = (_faults.MARKER_HEADER, str(rule.kind).encode())
    if rule.kind == "drop":
        head = [(b"content-type", b"application/json"), (b"content-length", b"1024"), marker]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        raise httpx.RemoteProtocolError("Injected fault: connection dropped mid-response")
    fault = _faults.render(rule, request_id, epoch)
    encoded = [(name.encode(), value.encode()) for name, value in fault.headers] + [marker]
    await send_bytes(send, fault.status, encoded, fault.body)
