"""A loopback API for the benchmarks: uvicorn + httptools, every response body pre-encoded.

Serves only what the scenarios call, as cheaply as a server can, so the client's cost dominates:

- `GET /v1/customers/{id}`: one ~1.5 KB customer (the spec's example plus metadata).
- `GET /v1/customers`: `total` customers, 1 ms apart, with the API's cursor semantics (default
  newest first and `starting_after` strictly before; `order=created_at` oldest first and strictly
  after; `created_at[before]`/`[after]` strict bounds; `limit` 1..100; `page`).
- `POST /_bench/config` `{"total": n, "latency_ms": ms}`: reseed and set the per-page latency of
  the list endpoint; `GET /_bench/ping`: readiness.

Run as `python -m benchmarks._server PORT`; `LoopbackServer` starts and stops it for the harness.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "spec" / "examples" / "get-customer.200.json"
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def _stamp(ms: int) -> str:
    moment = EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_stamp(value: str) -> int:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(milliseconds=1)


def customer_template() -> dict[str, Any]:
    """The spec's customer example, grown to ~1.5 KB with metadata, as most accounts carry."""
    customer: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    customer["metadata"] = {
        "tier": "gold",
        "newsletter": True,
        "favourite_store": "Kraków, Floriańska 12",
        "lifetime_value": 1234.5,
        "tags": ["vip", "early-adopter", "b2b"],
        "notes": "prefers email contact; do not call before 10 am",
        "preferred_categories": ["coffee", "pastries", "books", "stationery"],
        "last_campaign": "summer-2024-loyalty-boost",
        "referral_code": "ALICE-2024-XYZ",
    }
    customer["phone"] = "+48 600 123 456"
    customer["description"] = "Customer imported from the legacy CRM during the 2022 migration."
    customer["birthdate"] = "1990-05-17"
    customer["address"] = {
        "city": "Kraków",
        "state": "Małopolska",
        "line_1": "Floriańska 12",
        "line_2": None,
        "country": "PL",
        "postal_code": "31-019",
    }
    return customer


class Catalogue:
    """`total` pre-encoded customers, created 1 ms apart, oldest first."""

    def __init__(self, total: int) -> None:
        template = customer_template()
        self.created: list[int] = list(range(total))
        self.bodies: list[bytes] = []
        for i in self.created:
            template["id"] = f"cust_{i:020d}"
            template["source_id"] = f"bench-{i}@example.com"
            template["created_at"] = template["updated_at"] = _stamp(i)
            self.bodies.append(json.dumps(template, separators=(",", ":")).encode())

    def page(self, query: dict[str, str]) -> bytes:
        limit = max(1, min(100, int(query.get("limit", "10"))))
        page = max(1, int(query.get("page", "1")))
        ascending = query.get("order") == "created_at"
        low, high = 0, len(self.created)  # the matching index range [low, high)
        for name, strict_before in (("created_at[before]", True), ("created_at[after]", False)):
            if name in query:
                low, high = _bound(self.created, low, high, query[name], strict_before)
        selected = (low, high)
        if "starting_after" in query:
            low, high = _bound(self.created, low, high, query["starting_after"], not ascending)
        indices = range(low, high) if ascending else range(high - 1, low - 1, -1)
        start = (page - 1) * limit
        chosen = indices[start : start + limit]
        items = b",".join(self.bodies[i] for i in chosen)
        has_more = "true" if len(indices) > start + limit else "false"
        total = selected[1] - selected[0]
        return (
            b'{"object":"list","data_ref":"customers","customers":[' + items + b"],"
            b'"total":' + str(total).encode() + b',"has_more":' + has_more.encode() + b"}"
        )


def _bound(created: list[int], low: int, high: int, value: str, before: bool) -> tuple[int, int]:
    ms = _parse_stamp(value)
    if before:
        return low, min(high, bisect.bisect_left(created, ms))
    return max(low, bisect.bisect_right(created, ms)), high


class App:
    """The ASGI app; state lives in the one server process."""

    def __init__(self) -> None:
        self.customer = json.dumps(customer_template(), separators=(",", ":")).encode()
        self.catalogue = Catalogue(0)
        self.latency = 0.0
        self.headers = [(b"content-type", b"application/json")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        status, body = 200, self.customer
        if path == "/v1/customers":
            query = dict(parse_qsl(scope["query_string"].decode()))
            if self.latency:
                await asyncio.sleep(self.latency)
            body = self.catalogue.page(query)
        elif path == "/_bench/config":
            config = json.loads(await _read(receive))
            self.catalogue = Catalogue(int(config.get("total", 0)))
            self.latency = float(config.get("latency_ms", 0)) / 1000
            body = b"{}"
        elif path == "/_bench/ping":
            body = b"{}"
        elif not path.startswith("/v1/customers/"):
            status, body = 404, b'{"code":404,"key":"not_found"}'
        await send({"type": "http.response.start", "status": status, "headers": self.headers})
        await send({"type": "http.response.body", "body": body})


async def _read(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LoopbackServer:
    """The server in its own process (the client gets the other core), started and stopped here."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LoopbackServer:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._server", str(self.port)], cwd=ROOT, env=env
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(self.base_url + "/_bench/ping", timeout=1).raise_for_status()
                return self
            except httpx.HTTPError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.__exit__()
                    raise RuntimeError("the benchmark server did not start") from None
                time.sleep(0.1)

    def configure(self, *, total: int = 0, latency_ms: float = 0) -> None:
        """Reseed the list endpoint with `total` customers and set its per-page latency."""
        body = {"total": total, "latency_ms": latency_ms}
        httpx.post(self.base_url + "/_bench/config", json=body, timeout=60).raise_for_status()

    def __exit__(self, *_: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None


def main() -> None:
    import uvicorn

    uvicorn.run(
        App(),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        http="httptools",
        loop="asyncio",
        lifespan="off",
        access_log=False,
        log_level="warning",
        backlog=1024,
    )


if __name__ == "__main__":
    main()
