"""A raw HTTP/1.1 server on 127.0.0.1 that misbehaves on cue, for the fault and soak tests.

It runs its own asyncio loop in a background thread, so the client under test can run on
asyncio or trio. Each request takes the next scripted `Action` (`server.script`), else asks
`server.chooser` (used by the soak test), else gets a well-formed answer for its endpoint.
Every request read is recorded in `server.requests`; connections are counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel
import attrs
import httpx

from voucherify_async import AsyncClient
from voucherify_async._ratelimit import Pacer

HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class Seen:
    """One request as the server read it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    """A complete response, sent after `delay` seconds."""

    status: int = 200
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    content_type: str = "application/json"


@dataclass(frozen=True)
class Reset:
    """Send the head and part of the body, then reset the connection (RST)."""


@dataclass(frozen=True)
class Truncate:
    """Announce a longer body than is sent, then close the connection cleanly (FIN)."""


@dataclass(frozen=True)
class Hang:
    """Never answer; wait until the client gives up and closes the connection."""


Action = Reply | Reset | Truncate | Hang


def json_reply(status: int, payload: object, *headers: tuple[str, str]) -> Reply:
    """A JSON response."""
    return Reply(status=status, body=json.dumps(payload).encode(), headers=tuple(headers))


def error_reply(status: int, key: str, *headers: tuple[str, str]) -> Reply:
    """A Voucherify `Error` body for `status`."""
    payload = {"code": status, "key": key, "message": key.replace("_", " "), "request_id": "v-err"}
    return json_reply(status, payload, *headers)


def rate_limited(retry_after: str | None) -> Reply:
    """The API's 429: `{code, message}` with the rate-limit headers and maybe `Retry-After`."""
    headers = [
        ("X-Rate-Limit-Limit", "100"),
        ("X-Rate-Limit-Remaining", "0"),
        ("X-Rate-Limit-Retry", "1700000060"),
        ("X-Rate-Limit-Type", "api_calls"),
    ]
    if retry_after is not None:
        headers.append(("Retry-After", retry_after))
    payload = {"code": 429, "message": "Too many requests hit the API too quickly."}
    return json_reply(429, payload, *headers)


def html_502() -> Reply:
    """A load balancer's HTML 502 page."""
    return Reply(status=502, body=HTML_502, content_type="text/html")


def executed_key(seen: Seen) -> str | None:
    """The key of a non-idempotent operation (bulk, metadata, import, permanent deletion)."""
    if seen.method != "POST" or seen.path == "/v1/customers":
        return None
    return f"{seen.path} {seen.body.decode('utf-8', 'replace')}"


@dataclass
class FaultServer:
    """The server's state, shared between its thread and the test."""

    script: deque[Action] = field(default_factory=deque)
    chooser: Callable[[Seen], Action | None] | None = None
    requests: list[Seen] = field(default_factory=list)
    executed: Counter[str] = field(default_factory=Counter)
    open_connections: int = 0
    peak_connections: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    port: int = 0
    _ids: Iterator[int] = field(default_factory=itertools.count)

    @property
    def url(self) -> str:
        """The base URL to give the client."""
        return f"http://127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        """`METHOD path` of every request seen, in order."""
        return [f"{seen.method} {seen.path}" for seen in self.requests]

    async def serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Answer requests on one connection until the client closes it or a fault ends it."""
        self.open_connections += 1
        self.peak_connections = max(self.peak_connections, self.open_connections)
        try:
            while True:
                seen = await _read_request(reader)
                if seen is None:
                    return
                self.requests.append(seen)
                if not await self._answer(seen, reader, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self.open_connections -= 1
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(
        self, seen: Seen, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; False when the connection must end."""
        action = self.script.popleft() if self.script else None
        if action is None and self.chooser is not None:
            action = self.chooser(seen)
        if action is None:
            action = self.normal_reply(seen)
        key = executed_key(seen)
        refused = isinstance(action, Reply) and action.status == 429
        if key is not None and not refused:
            # Strict: every answer but a 429, and every broken exchange, counts as executed.
            self.executed[key] += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if isinstance(action, Reply):
                await asyncio.sleep(action.delay)
                writer.write(self._head(action, len(action.body or b"")) + (action.body or b""))
                await writer.drain()
                return True
            if isinstance(action, Hang):
                await reader.read()
                return False
            body = json.dumps({"id": "cust_partial", "name": "x" * 200}).encode()
            writer.write(self._head(Reply(), len(body)) + body[:40])
            await writer.drain()
            if isinstance(action, Reset):
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
            return False
        finally:
            self.in_flight -= 1

    def _head(self, reply: Reply, length: int) -> bytes:
        number = next(self._ids)
        lines = [
            f"HTTP/1.1 {reply.status} X",
            f"Content-Length: {length}",
            f"Content-Type: {reply.content_type}",
            f"X-Request-Id: v-test-{number}",
            "X-Rate-Limit-Limit: 100",
            "X-Rate-Limit-Remaining: 99",
            "X-Rate-Limit-Retry: 1700000000",
        ]
        taken = {name.lower() for name, _ in reply.headers}
        lines = [line for line in lines if line.split(":")[0].lower() not in taken]
        lines += [f"{name}: {value}" for name, value in reply.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def normal_reply(self, seen: Seen) -> Reply:
        """A well-formed answer for the endpoint of `seen`."""
        path = seen.path
        if seen.method == "DELETE" or path.endswith("/consents"):
            return Reply(status=204)
        if path.endswith(("/bulk/async", "/metadata/async", "/importCSV")):
            return json_reply(202, {"async_action_id": f"aa_{next(self._ids)}"})
        if path.endswith("/permanent-deletion"):
            return json_reply(
                200, {"id": "del_1", "status": "DONE", "object": "pernament_deletion"}
            )
        if path == "/v1/customers" and seen.method == "GET":
            return json_reply(200, {"object": "list", "customers": [], "total": 0})
        return json_reply(200, {"id": "cust_1", "source_id": "alice", "object": "customer"})


async def _read_request(reader: asyncio.StreamReader) -> Seen | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        body = await _read_chunked(reader)
    else:
        body = b""
    path, _, query = target.partition("?")
    return Seen(method, path, query, headers, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return b"".join(chunks)
        chunks.append(chunk[:-2])


@contextlib.contextmanager
def running_server() -> Iterator[FaultServer]:
    """Run a `FaultServer` on a free loopback port in a thread for the duration of the block."""
    state = FaultServer()
    ready = threading.Event()
    loop_box: list[asyncio.AbstractEventLoop] = []
    stop_box: list[asyncio.Event] = []
    errors: list[BaseException] = []

    async def main() -> None:
        tasks: set[asyncio.Task[None]] = set()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            try:
                await state.serve_connection(reader, writer)
            finally:
                tasks.discard(task)

        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=512)
        state.port = server.sockets[0].getsockname()[1]
        stop = asyncio.Event()
        loop_box.append(asyncio.get_running_loop())
        stop_box.append(stop)
        ready.set()
        await stop.wait()
        server.close()
        await server.wait_closed()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # surfaced by the test thread
            errors.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name="fault-server", daemon=True)
    thread.start()
    ready.wait(10)
    if errors:
        raise errors[0]
    try:
        yield state
    finally:
        loop_box[0].call_soon_threadsafe(stop_box[0].set)
        thread.join(10)
        if errors:
            raise errors[0]


SECRET_KEY = "sk-fault-suite-secret-0123456789"
APP_ID = "app-id-fault-suite-4242"


@dataclass
class Sleeps:
    """A `RetryPolicy.sleep` that records each delay and yields once instead of waiting.

    Also the rate-limit gate's clocks (`clock`, `wall`): virtual ones that move only by the
    delays slept here, so a closed gate is waited out without waiting.
    """

    delays: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    started: tuple[float, float] = field(default_factory=lambda: (time.monotonic(), time.time()))

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        self.elapsed += delay
        await anyio.lowlevel.checkpoint()

    def clock(self) -> float:
        return self.started[0] + self.elapsed

    def wall(self) -> float:
        return self.started[1] + self.elapsed

    def install(self, client: AsyncClient) -> AsyncClient:
        """Make `client` (and its copies) retry and wait at the rate-limit gate on these sleeps."""
        client._retry = attrs.evolve(client._retry, sleep=self)
        return self.install_gate(client)

    def install_gate(self, client: AsyncClient) -> AsyncClient:
        """Make `client` (and its copies) wait at the rate-limit gate on these sleeps."""
        rate_limit = client._shared.pacer._pace
        client._shared.pacer = Pacer(
            rate_limit=rate_limit, clock=self.clock, wall_clock=self.wall, sleep=self
        )
        return client


def make_client(server: FaultServer, sleeps: Sleeps | None = None, **options: Any) -> AsyncClient:
    """A client for `server` whose retry waits are recorded by `sleeps` instead of slept."""
    options.setdefault("timeout", 5.0)
    client = AsyncClient(APP_ID, SECRET_KEY, base_url=server.url, **options)
    return sleeps.install(client) if sleeps is not None else client


def client_on_pool(
    server: FaultServer, pool: httpx.AsyncClient, timeout: httpx.Timeout
) -> AsyncClient:
    """A client for `server` that sends through the caller's `pool` (and leaves it open)."""
    return AsyncClient(APP_ID, SECRET_KEY, base_url=server.url, http_client=pool, timeout=timeout)
