"""A client belongs to the event loop that first used it (issue 11, item 10).

Used from a second `asyncio.run` (or `trio.run`) it raises a `RuntimeError` that says so, instead
of `Event loop is closed` from deep inside asyncio; and the first loop's connections are closed as
that loop shuts down, so no socket is left for the garbage collector (a `ResourceWarning`, which
the suite turns into an error, and which these tests also look for explicitly).
"""

from __future__ import annotations

import asyncio
import gc
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import trio
from _hostile_keys import APP_ID, SECRET_KEY
from _raw_server import RawServer, reply

from voucherify_async import AsyncClient

BOUND = "belongs to the event loop that first used it"
BACKENDS = ["httpx", "aiohttp"]


@contextmanager
def no_resource_warning() -> Iterator[None]:
    """Fail if a ResourceWarning (an unclosed socket, transport or session) is emitted inside."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


async def get(client: AsyncClient) -> str:
    return (await client.customers.get("alice")).id


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_second_asyncio_run_raises_a_clear_error_and_nothing_leaks(backend: str) -> None:
    with RawServer(reply(200)) as server, no_resource_warning():
        client = AsyncClient(APP_ID, SECRET_KEY, base_url=server.url, http_backend=backend)

        assert asyncio.run(get(client)) == "cust_1"
        _wait_for(lambda: server.closed_by_client == 1)
        assert server.closed_by_client == 1  # the first loop's connection closed as it ended
        with pytest.raises(RuntimeError, match=BOUND):
            asyncio.run(get(client))
        with pytest.raises(RuntimeError, match=BOUND):
            asyncio.run(client.with_options(max_retries=0).customers.get("alice"))
        asyncio.run(client.aclose())
        del client
    assert len(server.requests) == 1


def test_a_second_trio_run_raises_a_clear_error_and_nothing_leaks() -> None:
    with RawServer(reply(200)) as server, no_resource_warning():
        client = AsyncClient(APP_ID, SECRET_KEY, base_url=server.url, http_backend="httpx")

        assert trio.run(get, client) == "cust_1"
        _wait_for(lambda: server.closed_by_client == 1)
        assert server.closed_by_client == 1
        with pytest.raises(RuntimeError, match=BOUND):
            trio.run(get, client)
        with pytest.raises(RuntimeError, match=BOUND):
            asyncio.run(get(client))
        del client
    assert len(server.requests) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_client_keeps_working_within_its_loop(backend: str) -> None:
    with RawServer(reply(200)) as server, no_resource_warning():

        async def main() -> list[str]:
            async with AsyncClient(
                APP_ID, SECRET_KEY, base_url=server.url, http_backend=backend
            ) as client:
                copy = client.with_options(max_retries=0)
                return [(await c.customers.get("alice")).id for c in (client, copy, client)]

        assert asyncio.run(main()) == ["cust_1"] * 3
        assert server.connections == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_client_never_closed_by_its_user_is_closed_with_its_loop(backend: str) -> None:
    with RawServer(reply(200)) as server, no_resource_warning():

        async def main() -> None:
            client = AsyncClient(APP_ID, SECRET_KEY, base_url=server.url, http_backend=backend)
            await client.customers.get("alice")

        asyncio.run(main())
        _wait_for(lambda: server.closed_by_client == 1)
    assert server.closed_by_client == 1
