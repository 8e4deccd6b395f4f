"""`http_backend=`: which transport a client's own pool gets, on asyncio and on trio."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from voucherify_async import AsyncClient
from voucherify_async._aiohttp import AiohttpTransport
from voucherify_async._transport import HTTP_BACKEND_ENV, make_transport, resolve_backend


def _transport_of(client: AsyncClient) -> httpx.AsyncBaseTransport:
    return client._http._transport


async def test_auto_picks_aiohttp_on_asyncio_and_httpx_on_trio(anyio_backend: str) -> None:
    expected = "aiohttp" if anyio_backend == "asyncio" else "httpx"
    assert resolve_backend("auto") == expected


async def test_a_client_built_with_no_setting_is_on_aiohttp_on_asyncio_only(
    anyio_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(HTTP_BACKEND_ENV, raising=False)
    expected = AiohttpTransport if anyio_backend == "asyncio" else httpx.AsyncHTTPTransport
    async with AsyncClient("a", "b") as client:
        assert type(_transport_of(client)) is expected


async def test_client_built_on_asyncio_with_aiohttp_backend_sends_over_aiohttp(
    anyio_backend: str,
) -> None:
    if anyio_backend != "asyncio":
        with pytest.raises(ValueError, match="asyncio only, not on trio"):
            AsyncClient("a", "b", http_backend="aiohttp")
        return
    async with AsyncClient("a", "b", http_backend="aiohttp") as client:
        assert isinstance(_transport_of(client), AiohttpTransport)


async def test_httpx_backend_keeps_httpx_own_transport(anyio_backend: str) -> None:
    async with AsyncClient("a", "b", http_backend="httpx") as client:
        assert isinstance(_transport_of(client), httpx.AsyncHTTPTransport)


async def test_given_transport_wins_over_backend(anyio_backend: str) -> None:
    given = httpx.MockTransport(lambda request: httpx.Response(204))
    async with AsyncClient("a", "b", transport=given, http_backend="aiohttp") as client:
        assert _transport_of(client) is given


async def test_environment_variable_sets_the_default(
    anyio_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HTTP_BACKEND_ENV, "httpx")
    assert resolve_backend(None) == "httpx"
    assert make_transport(None) is None


# What `import voucherify_async` leaves for first use (benchmarks/run.py's import scenario): the
# aiohttp transport and the model classes wait for the first client; asyncio and the JSON
# libraries for their first use.
LOADED_ON_FIRST_USE = (
    "aiohttp",
    "importlib.metadata",
    "asyncio",
    "anyio.abc",
    "orjson",
    "msgspec",
    "voucherify_async._models",
    "voucherify_async.customers",
)


def test_package_import_leaves_the_transport_and_the_models_for_the_first_client() -> None:
    probe = (
        "import sys, voucherify_async; "
        f"print(sorted(m for m in {LOADED_ON_FIRST_USE!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


async def test_missing_aiohttp_is_named_with_the_way_out(
    anyio_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)  # as if installed without dependencies
    if anyio_backend == "trio":
        assert make_transport("auto") is None  # trio never needs it
        return
    with pytest.raises(ModuleNotFoundError, match="http_backend='httpx'"):
        AsyncClient("a", "b", http_backend="auto")


def test_auto_outside_a_running_loop_is_httpx() -> None:
    assert resolve_backend("auto") == "httpx"


def test_unknown_backend_is_rejected_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="http_backend must be one of"):
        AsyncClient("a", "b", http_backend="requests")  # type: ignore[arg-type]
