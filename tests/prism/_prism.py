"""The Prism suite's recording transport, the spec's operations and the run's totals.

Shared by `conftest.py` (fixtures, terminal summary) and `test_prism_conformance.py`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PRISM_URL_ENV = "VOUCHERIFY_PRISM_URL"
SPEC = Path(__file__).parents[1] / "spec" / "voucherify-customers.openapi.json"
APP_ID, SECRET_KEY = "prism-app-id", "sk_prism-secret"
CLIENT_APP_ID, CLIENT_SECRET_KEY = "prism-client-app-id", "ck_prism-client-secret"
ORIGIN = "https://shop.example.com"
SERVER_HEADERS = {"X-App-Id": APP_ID, "X-App-Token": SECRET_KEY}
# The SDK's default is 30 s; Prism's first answer of an operation without an example (activity,
# activities) takes ~8 s while it builds the body from the schema, more on a slow runner.
TIMEOUT = 120.0


@dataclass(frozen=True)
class Operation:
    """One operation of the spec subset."""

    id: str
    method: str
    template: str
    success: frozenset[int]

    def matches(self, method: str, path: str) -> bool:
        """Whether a request (its raw, still percent-encoded path) is for this operation."""
        parts, want = path.split("/"), self.template.split("/")
        return (
            method == self.method
            and len(parts) == len(want)
            and all(w.startswith("{") or w == p for w, p in zip(want, parts, strict=True))
        )


def _operations() -> list[Operation]:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    found = [
        Operation(
            op["operationId"],
            method.upper(),
            template,
            frozenset(int(code) for code in op["responses"] if code.startswith("2")),
        )
        for template, item in spec["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    ]
    # Literal paths first: /v1/customers/importCSV is not /v1/customers/{customerId}.
    return sorted(found, key=lambda op: op.template.count("{"))


OPERATIONS = _operations()


@dataclass(frozen=True)
class Exchange:
    """One request to Prism and its answer."""

    operation: Operation | None
    request: httpx.Request
    status: int
    body: Any
    violations: list[dict[str, Any]]

    @property
    def request_violations(self) -> list[dict[str, Any]]:
        """What Prism found wrong with the request (a 2xx can still carry warnings)."""
        return [v for v in self.violations if (v.get("location") or [None])[0] == "request"]

    @property
    def response_violations(self) -> list[dict[str, Any]]:
        """Where Prism's own answer (the spec's example) does not fit the spec's schema."""
        return [v for v in self.violations if (v.get("location") or [None])[0] == "response"]


class Totals:
    """What the whole run sent to Prism, for the terminal summary."""

    def __init__(self) -> None:
        self.accepted: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.flagged_responses: Counter[str] = Counter()

    def add(self, exchange: Exchange) -> None:
        name = exchange.operation.id if exchange.operation else "(no operation)"
        (self.accepted if exchange.status < 400 else self.rejected)[name] += 1
        if exchange.response_violations:
            self.flagged_responses[name] += 1


TOTALS = Totals()


class Recorder(httpx.AsyncBaseTransport):
    """Wraps a transport and records every exchange (the response body is read here)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        path = request.url.raw_path.decode("ascii").split("?")[0]
        operation = next((op for op in OPERATIONS if op.matches(request.method, path)), None)
        exchange = Exchange(
            operation=operation,
            request=request,
            status=response.status_code,
            body=json.loads(content) if content else None,
            violations=json.loads(response.headers.get("sl-violations", "[]")),
        )
        self.exchanges.append(exchange)
        TOTALS.add(exchange)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    def of(self, operation_id: str) -> list[Exchange]:
        """The exchanges for one operation; each must have been accepted, with no warning."""
        found = [e for e in self.exchanges if e.operation and e.operation.id == operation_id]
        assert found, f"no request for {operation_id}; sent: {self.summary()}"
        for exchange in found:
            assert exchange.operation is not None
            assert exchange.status in exchange.operation.success, (
                f"{operation_id}: Prism answered {exchange.status}: {exchange.body}"
            )
            assert not exchange.request_violations, exchange.request_violations
        return found

    def only(self, operation_id: str) -> Exchange:
        """The one exchange of the test, which must be an accepted `operation_id` request."""
        assert len(self.exchanges) == 1, f"expected one request, sent: {self.summary()}"
        return self.of(operation_id)[0]

    def summary(self) -> list[str]:
        """`METHOD path -> status` of each exchange, for failure messages."""
        return [f"{e.request.method} {e.request.url.path} -> {e.status}" for e in self.exchanges]
