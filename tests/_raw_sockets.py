"""Blocking loopback socket servers that misbehave below HTTP, for the transport parity tests.

Each runs its accept loop in a daemon thread, so the client under test can run on asyncio or trio:

- `refused_url()`: a URL on a loopback port nothing listens on (connections are refused);
- `SilentServer`: accepts connections and never reads from them (an upload's writes stall);
- `DroppingServer`: reads each request whole, then closes (FIN) or resets (RST) the connection
  without a byte of response, counting the requests it read.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from typing import Literal, Self


def refused_url() -> str:
    """`http://127.0.0.1:PORT` with a port that was free a moment ago and is now closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class _Server:
    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._prepare(self._listener)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.02)  # so the accept loop sees `_stopped` soon
        self._stopped = threading.Event()
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def _prepare(self, listener: socket.socket) -> None:
        """Options for the listening socket, inherited by accepted ones."""

    def _serve(self, connection: socket.socket) -> None:
        raise NotImplementedError

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(None)
            self._connections.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        self._thread.join(5)
        self._listener.close()
        for connection in self._connections:
            with contextlib.suppress(OSError):
                connection.close()


class SilentServer(_Server):
    """Accept and never read: after the kernel's buffers fill, the client's writes stall."""

    def _prepare(self, listener: socket.socket) -> None:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)

    def _serve(self, connection: socket.socket) -> None:
        return None  # kept open (and unread) until __exit__


class DroppingServer(_Server):
    """Read each request whole, then end the connection with no response.

    Args:
        how: `"close"` for a clean FIN, `"reset"` for an RST.
    """

    def __init__(self, how: Literal["close", "reset"]) -> None:
        super().__init__()
        self.how = how
        self.requests: list[bytes] = []
        self._lock = threading.Lock()

    def _serve(self, connection: socket.socket) -> None:
        with contextlib.suppress(OSError):
            request = _read_request(connection)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
            if self.how == "reset":
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()


def _read_request(connection: socket.socket) -> bytes | None:
    """One request with a `Content-Length` body (or none), or None if the client hung up."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        body += chunk
    return data
