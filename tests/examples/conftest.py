"""Helpers for the tests of examples/: load an example module, serve an app on loopback."""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import uvicorn

from voucherify_async.testing import FakeVoucherify

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example(name: str) -> ModuleType:
    """Import `examples/{name}.py` (examples/ is not a package on sys.path)."""
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def serving_on_loopback(app: Any) -> Iterator[str]:
    """Serve the ASGI `app` (its lifespan included) with uvicorn on 127.0.0.1; yield its URL.

    The server runs in a thread with its own event loop, so a test on either anyio backend can
    talk to it as any HTTP client would, over a real socket.
    """
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="example-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the example app did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class FaultAfterFirstPage(httpx.AsyncBaseTransport):
    """Passes requests to `inner`; once the first list page is answered, the fake fails the rest."""

    def __init__(self, inner: httpx.AsyncBaseTransport, fake: FakeVoucherify) -> None:
        self._inner = inner
        self._fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if request.url.path == "/v1/customers":
            self._fake.inject_fault(503, path="/v1/customers", method="GET", count=99)
        return response


def failing_after_the_first_page(
    client_kwargs: dict[str, Any], fake: FakeVoucherify
) -> dict[str, Any]:
    """`client_kwargs` for a walk whose first page arrives and every later one gets a 503."""
    transport = FaultAfterFirstPage(client_kwargs["transport"], fake)
    return {**client_kwargs, "transport": transport, "max_retries": 0}
