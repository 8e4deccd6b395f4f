"""Fault injection: the next matching requests get an error, a proxy page or a dropped connection.

Kinds:

* an `int` status — `429` answers the API's `{"code": 429, "message": ...}` body with
  `X-Rate-Limit-Remaining: 0`, `X-Rate-Limit-Type: api_calls` and, when `retry_after`
  is given, `Retry-After`; other statuses answer an `Error` body (`503`
  `service_unavailable`, `500` `internal_error`, ...);
* `"html502"` — a load balancer's HTML 502 page (`text/html`);
* `"drop"` — the connection breaks before a complete response: the ASGI app sends the
  response head and then raises `httpx.RemoteProtocolError`, which
  `httpx.ASGITransport` passes to the client as is and which makes uvicorn close the socket
  mid-response (the client sees `RemoteProtocolError` either way).

Every fault's response carries `X-Fake-Fault: <kind>` (`503`, `html502`, `drop`, ...),
which the real API never sends: a client or a spec validator can tell injected faults, which
need not be spec responses, from the fake's own answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Literal

FaultKind = int | Literal["html502", "drop"]

MARKER_HEADER = b"x-fake-fault"
"""The response header naming the kind of an injected fault."""

HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)

_KEYS = {500: "internal_error", 503: "service_unavailable", 504: "gateway_timeout"}


@dataclass
class FaultRule:
    """One injected fault and how many more requests it applies to."""

    kind: FaultKind
    path: str | None
    method: str | None
    remaining: int
    retry_after: float | None

    def matches(self, method: str, path: str) -> bool:
        """Tell whether a request with `method` and (decoded) `path` gets this fault."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or path.startswith(self.path)


@dataclass(frozen=True)
class FaultResponse:
    """A complete fault answer: status, extra headers and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Faults:
    """The queue of injected faults, consulted once per request (first matching rule wins)."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def add(
        self,
        kind: FaultKind,
        *,
        path: str | None,
        method: str | None,
        count: int,
        retry_after: float | None,
    ) -> FaultRule:
        """Queue a fault for the next `count` matching requests.

        Raises:
            ValueError: unknown kind, a status outside 400..599, or `count` < 1.
        """
        if isinstance(kind, bool) or not (
            kind in ("html502", "drop") or (isinstance(kind, int) and 400 <= kind <= 599)
        ):
            raise ValueError(f"fault kind must be a 4xx/5xx status, 'html502' or 'drop': {kind!r}")
        if count < 1:
            raise ValueError(f"count must be at least 1, not {count}")
        rule = FaultRule(kind, path, method, count, retry_after)
        self.rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> FaultRule | None:
        """Return and consume the first rule matching the request, if any."""
        for rule in self.rules:
            if rule.matches(method, path):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.rules.remove(rule)
                return rule
        return None


def render(rule: FaultRule, request_id: str, now_epoch: int) -> FaultResponse:
    """Build the response of a status or `html502` fault (not `drop`)."""
    headers: list[tuple[str, str]] = []
    if rule.retry_after is not None:
        headers.append(("retry-after", _seconds(rule.retry_after)))
    if rule.kind == "html502":
        headers.append(("content-type", "text/html"))
        return FaultResponse(502, headers, HTML_502)
    assert isinstance(rule.kind, int)
    status = rule.kind
    if status == 429:
        wait = int(rule.retry_after or 0)
        headers += [
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-retry", str(now_epoch + wait)),
            ("x-rate-limit-type", "api_calls"),
        ]
        payload: dict[str, object] = {
            "code": 429,
            "message": "Too many requests hit the API too quickly.",
        }
    else:
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        payload = {
            "code": status,
            "key": _KEYS.get(status, phrase.lower().replace(" ", "_").replace("-", "_")),
            "message": phrase,
            "details": f"Injected fault: {status} {phrase}",
            "request_id": request_id,
        }
    headers.append(("content-type", "application/json"))
    return FaultResponse(status, headers, json.dumps(payload).encode())


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
