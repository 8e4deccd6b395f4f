"""The embedded fake served over HTTP on 127.0.0.1, for code that builds `AsyncClient()` itself.

Docs snippets, the CLI and the examples read their credentials and base URL from the environment,
as users' programs do; `FakeHTTPServer.env()` points those variables at a fake served by uvicorn
in a background thread (its own event loop), so the code under test runs unmodified on asyncio or
trio. `reset()` swaps in a fresh, seeded fake without restarting the server. Every exchange is
validated against the spec (`_conformance.ValidatingApp`); `validator.failures` holds the
mismatches (the `fake_http` fixture fails a test on them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import uvicorn
from _conformance import ValidatingApp

from voucherify_async.testing import FakeVoucherify

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

SEEDED_CUSTOMERS = 25


class FakeHTTPServer:
    """A loopback HTTP server whose requests go to `self.fake` (replaceable at any time)."""

    def __init__(self) -> None:
        self.fake = FakeVoucherify()
        self.validator = ValidatingApp(self._app)
        config = uvicorn.Config(
            self.validator,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            interface="asgi3",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-http", daemon=True)
        self.port = 0

    async def _app(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        await self.fake.app(scope, receive, send)

    @property
    def base_url(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving; returns once the socket is listening."""
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the loopback fake did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Stop serving and wait for the server thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def reset(self, customers: int = SEEDED_CUSTOMERS) -> FakeVoucherify:
        """Serve a fresh fake seeded with `customers` customers (`seed-00001`, ...)."""
        fake = FakeVoucherify()
        fake.async_polls_before_done = 0
        if customers:
            fake.seed_customers(customers)
        self.fake = fake
        return fake

    def env(self) -> dict[str, str]:
        """The environment variables that point `AsyncClient()` at this server."""
        credentials = self.fake.credentials
        return {
            "VOUCHERIFY_APP_ID": credentials.app_id,
            "VOUCHERIFY_SECRET_KEY": credentials.secret_key,
            "VOUCHERIFY_CLIENT_APP_ID": credentials.client_app_id,
            "VOUCHERIFY_CLIENT_SECRET_KEY": credentials.client_secret_key,
            "VOUCHERIFY_BASE_URL": self.base_url,
        }


@contextmanager
def serving() -> Iterator[FakeHTTPServer]:
    """Run a `FakeHTTPServer` for the duration of the block."""
    server = FakeHTTPServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
