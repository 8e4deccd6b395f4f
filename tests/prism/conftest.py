"""Fixtures of the Prism conformance suite (`nox -s conformance`; not in the default run).

The Prism mock server's URL comes from `$VOUCHERIFY_PRISM_URL` (set by `prism_server.py`). Every
request of a test goes through a `Recorder` transport, which notes the spec operation it hit, the
status and the `sl-violations` header Prism adds; the run ends with a count of what Prism checked.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from _prism import (
    APP_ID,
    CLIENT_APP_ID,
    CLIENT_SECRET_KEY,
    OPERATIONS,
    ORIGIN,
    PRISM_URL_ENV,
    SECRET_KEY,
    TIMEOUT,
    TOTALS,
    Recorder,
)

from voucherify_async import AsyncClient
from voucherify_async._transport import make_transport


@pytest.fixture(scope="session")
def prism_url() -> str:
    """The Prism server's base URL; fails the test clearly when it is not given."""
    url = os.environ.get(PRISM_URL_ENV)
    if not url:
        pytest.fail(
            f"${PRISM_URL_ENV} is not set: these tests need a running Prism mock server. "
            "Run `nox -s conformance` (it installs and starts Prism), or "
            "`python tests/prism/prism_server.py -- pytest -m prism tests/prism`.",
            pytrace=False,
        )
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        pytest.fail(f"${PRISM_URL_ENV}={url!r} is not a loopback URL", pytrace=False)
    return url.rstrip("/")


@pytest.fixture
async def wire() -> AsyncIterator[Recorder]:
    """The recording transport of `prism_client`, over the SDK's default transport.

    Built inside the running loop, so on asyncio it is httpx over aiohttp (the SDK's `auto`)
    unless `--http-backend=httpx`; on trio it is httpx's own.
    """
    recorder = Recorder(make_transport(None) or httpx.AsyncHTTPTransport())
    yield recorder
    warned = [(e.request.url.path, e.request_violations) for e in recorder.exchanges]
    assert not [w for w in warned if w[1]], f"Prism flagged requests the SDK sent: {warned}"


@pytest.fixture
async def prism_client(prism_url: str, wire: Recorder) -> AsyncIterator[AsyncClient]:
    """An SDK client with both key pairs on Prism, with retries off."""
    async with AsyncClient(
        APP_ID,
        SECRET_KEY,
        client_app_id=CLIENT_APP_ID,
        client_secret_key=CLIENT_SECRET_KEY,
        origin=ORIGIN,
        base_url=prism_url,
        max_retries=0,
        timeout=TIMEOUT,
        transport=wire,
    ) as client:
        yield client


@pytest.fixture
async def raw(prism_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A plain httpx client on Prism with no headers, for requests the SDK would never send."""
    transport = Recorder(httpx.AsyncHTTPTransport())
    async with httpx.AsyncClient(base_url=prism_url, transport=transport, timeout=TIMEOUT) as c:
        yield c


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line for the closing note: how many operations and requests Prism validated."""
    if not (TOTALS.accepted or TOTALS.rejected):
        return
    spec_ids = {op.id for op in OPERATIONS}
    validated = spec_ids & set(TOTALS.accepted)
    accepted, rejected = sum(TOTALS.accepted.values()), sum(TOTALS.rejected.values())
    line = (
        f"Prism conformance: {len(validated)} of {len(spec_ids)} operations validated, "
        f"{accepted + rejected} requests ({accepted} accepted, {rejected} refused with a 4xx)"
    )
    terminalreporter.write_sep("-", "Prism")
    terminalreporter.write_line(line)
    if missing := sorted(spec_ids - validated):
        terminalreporter.write_line(f"operations not exercised: {', '.join(missing)}")
    if TOTALS.flagged_responses:
        flagged = ", ".join(f"{k} ({n})" for k, n in sorted(TOTALS.flagged_responses.items()))
        terminalreporter.write_line(
            f"answers Prism flagged as not fitting the spec's own schema: {flagged}"
        )
