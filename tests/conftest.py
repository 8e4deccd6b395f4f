"""Shared fixtures: every async test runs on asyncio and on trio.

Every exchange the SDK's tests have with the fake is validated against the spec subset
(`_conformance`): in process through `conformance.client_kwargs(fake)` (or
`conformance.validate_every_fake(monkeypatch)` for code that builds its own fake), over loopback
through `fake_http`. A mismatch fails the test at teardown; the run ends with one count line.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from _conformance import Conformance, pretty, summary
from _fake_http import FakeHTTPServer, serving

from voucherify_async import AsyncClient
from voucherify_async._transport import HTTP_BACKEND_ENV

EXAMPLES = Path(__file__).parent / "spec" / "examples"


@dataclass(frozen=True)
class Keys:
    """The settings of the `client` fixture, for assertions on the wire."""

    base_url: str = "https://api.voucherify.test"
    app_id: str = "app-id-0001"
    secret_key: str = "sk_SERVER-SECRET-never-printed"
    client_app_id: str = "client-app-id-0002"
    client_secret_key: str = "ck_CLIENT-SECRET-never-printed"
    origin: str = "https://shop.example.com"


KEYS = Keys()


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run each async test once per backend (the SDK's code paths are backend-neutral)."""
    return str(request.param)


@pytest.fixture(autouse=True, scope="session")
def _subprocess_bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Let the Python subprocesses of the suite (the CLI, examples, docs) share a bytecode cache.

    With `PYTHONDONTWRITEBYTECODE` set (as here and on CI) each of them compiled the package from
    source again. The cache lives in pytest's temporary directory, not beside the sources.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        patch.setenv("PYTHONPYCACHEPREFIX", str(tmp_path_factory.mktemp("pycache")))
        yield


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--http-backend",
        choices=("auto", "httpx", "aiohttp"),
        default="auto",
        help="http_backend of every client the tests build without transport= on asyncio "
        "(trio always runs on httpx): auto (the SDK's default) is aiohttp on asyncio",
    )


@pytest.fixture(autouse=True)
def _http_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set the default transport through the public `$VOUCHERIFY_HTTP_BACKEND` switch.

    Clients given `transport=` (respx, MockTransport, the fake's ASGI transport) ignore it; the
    loopback fault suite runs on it.
    """
    on_asyncio = (
        "anyio_backend" in request.fixturenames
        and request.getfixturevalue("anyio_backend") == "asyncio"
    )
    backend = request.config.getoption("--http-backend") if on_asyncio else "httpx"
    if backend == "auto":
        monkeypatch.delenv(HTTP_BACKEND_ENV, raising=False)
    else:
        monkeypatch.setenv(HTTP_BACKEND_ENV, backend)


@pytest.fixture
def example() -> Callable[[str], Any]:
    """Load a response/request example of the spec subset by file stem."""

    def load(name: str) -> Any:
        return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))

    return load


@pytest.fixture
def keys() -> Keys:
    """The base URL, key pairs and origin the `client` fixture uses."""
    return KEYS


@pytest.fixture
def api() -> respx.MockRouter:
    """A respx router standing in for the API; an unrouted request fails the test."""
    return respx.MockRouter(base_url=KEYS.base_url, assert_all_called=False)


@pytest.fixture
async def client(api: respx.MockRouter) -> AsyncIterator[AsyncClient]:
    """A client holding both key pairs, talking to `api`, with retries off."""
    async with AsyncClient(
        KEYS.app_id,
        KEYS.secret_key,
        client_app_id=KEYS.client_app_id,
        client_secret_key=KEYS.client_secret_key,
        origin=KEYS.origin,
        base_url=KEYS.base_url,
        max_retries=0,
        transport=httpx.MockTransport(api.handler),
    ) as c:
        yield c


@pytest.fixture
def conformance() -> Iterator[Conformance]:
    """Validating transports for the SDK's clients on the fake; any mismatch fails the test."""
    record = Conformance()
    yield record
    assert not record.failures, pretty(record.failures)


@pytest.fixture(scope="session")
def _loopback_fake() -> Iterator[FakeHTTPServer]:
    with serving() as server:
        yield server


@pytest.fixture
def fake_http(_loopback_fake: FakeHTTPServer) -> Iterator[FakeHTTPServer]:
    """The fake served on loopback (`_fake_http`); any exchange off the spec fails the test."""
    failures = _loopback_fake.validator.failures
    failures.clear()
    yield _loopback_fake
    assert not failures, pretty(failures)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    line = summary()
    if line:
        terminalreporter.write_line(line)
