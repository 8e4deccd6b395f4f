"""A raw HTTP/1.1 server on 127.0.0.1 whose answers are plain functions, for the hostile tests.

It runs in background threads (one per connection), so the client under test may run on asyncio
or trio and on either transport. `respond(request, sock)` writes whatever bytes it likes: a
well-formed reply (`reply(...)`), a redirect, a body dripped one byte at a time (`drip(...)`).
Every request read is recorded in `server.requests`; every socket is closed on exit.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

CUSTOMER = {"id": "cust_1", "object": "customer", "source_id": "alice"}


@dataclass(frozen=True)
class RawRequest:
    """One request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Respond = Callable[[RawRequest, socket.socket, threading.Event], None]


def response_bytes(
    status: int, body: bytes = b"", headers: tuple[tuple[str, str], ...] = ()
) -> bytes:
    """A complete HTTP/1.1 response with a Content-Length."""
    head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def reply(status: int, payload: object = CUSTOMER, *headers: tuple[str, str]) -> Respond:
    """Answer every request with `status` and `payload` as JSON (bytes are sent as they are)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    data = response_bytes(status, body, (("Content-Type", "application/json"), *headers))

    def respond(request: RawRequest, sock: socket.socket, stop: threading.Event) -> None:
        sock.sendall(data)

    return respond


def drip(interval: float, body: bytes = json.dumps(CUSTOMER).encode()) -> Respond:
    """Send the head at once, then the body one byte every `interval` seconds."""
    head = response_bytes(200, b"", (("Content-Type", "application/json"),))
    head = head.replace(b"Content-Length: 0", f"Content-Length: {len(body)}".encode())

    def respond(request: RawRequest, sock: socket.socket, stop: threading.Event) -> None:
        sock.sendall(head)
        for byte in body:
            if stop.wait(interval):
                return
            sock.sendall(bytes([byte]))

    return respond


class RawServer:
    """Serve `respond` on an ephemeral loopback port while the `with` block runs."""

    def __init__(self, respond: Respond) -> None:
        self.respond = respond
        self.requests: list[RawRequest] = []
        self.connections = 0
        self.closed_by_client = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> Self:
        self._start(self._accept_loop)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._threads[0].join(5)  # the accept loop: no connection thread starts after it ends
        for thread in self._threads[1:]:
            thread.join(5)
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                self._sockets.append(sock)
                self.connections += 1
            self._start(self._serve, sock)

    def _serve(self, sock: socket.socket) -> None:
        buffer = b""
        try:
            sock.settimeout(0.05)
            while not self._stop.is_set():
                request, buffer = _read_request(sock, buffer, self._stop)
                if request is None:
                    if not self._stop.is_set():
                        with self._lock:
                            self.closed_by_client += 1
                    return
                self.requests.append(request)
                self.respond(request, sock, self._stop)
        except OSError:  # the client went away
            return


def _read_request(
    sock: socket.socket, buffer: bytes, stop: threading.Event
) -> tuple[RawRequest | None, bytes]:
    while b"\r\n\r\n" not in buffer:
        chunk = _recv(sock, stop)
        if not chunk:
            return None, b""
        buffer += chunk
    head, buffer = buffer.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(buffer) < length:
        chunk = _recv(sock, stop)
        if not chunk:
            return None, b""
        buffer += chunk
    return RawRequest(method, target, headers, buffer[:length]), buffer[length:]


def _recv(sock: socket.socket, stop: threading.Event) -> bytes:
    while not stop.is_set():
        try:
            return sock.recv(65536)
        except TimeoutError:
            continue
    return b""
