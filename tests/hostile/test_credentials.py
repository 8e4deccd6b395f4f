"""Malformed credentials are refused when resolved, naming the setting, never echoing the value.

Issue 11, item 4. A credential (or `origin`) that cannot travel in an HTTP header (line breaks,
NUL, other control characters, spaces, non-ASCII) raises `VoucherifyConfigError` when the client
is built, whether it was passed or read from the environment: nothing is sent, no log record or
exception text holds it. Missing credentials still raise only when a call needs them.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from _hostile_keys import API, APP_ID, CLIENT_APP_ID, CLIENT_SECRET_KEY, ORIGIN, SECRET_KEY
from _raw_server import CUSTOMER, RawServer, reply

from voucherify_async import AsyncClient, VoucherifyConfigError

SETTINGS = {
    "app_id": ("VOUCHERIFY_APP_ID", APP_ID),
    "secret_key": ("VOUCHERIFY_SECRET_KEY", SECRET_KEY),
    "client_app_id": ("VOUCHERIFY_CLIENT_APP_ID", CLIENT_APP_ID),
    "client_secret_key": ("VOUCHERIFY_CLIENT_SECRET_KEY", CLIENT_SECRET_KEY),
    "origin": (None, ORIGIN),
}
BAD = {
    "newline": "\n",
    "header injection": "\r\nX-Evil: 1",
    "nul": "\x00",
    "escape": "\x1b[31m",
    "delete": "\x7f",
    "space": " padded",
    "tab": "\tx",
    "latin-1": "é",
    "cyrillic": "ключ",
    "emoji": "🔑",
}
SECRET_PART = "TOPSECRET-7f3a"


def _kwargs(setting: str, value: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {name: good for name, (_, good) in SETTINGS.items()}
    kwargs[setting] = value
    return kwargs


@pytest.mark.parametrize("bad", sorted(BAD))
@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_a_malformed_argument_is_refused_naming_it(
    setting: str, bad: str, caplog: pytest.LogCaptureFixture
) -> None:
    value = SECRET_PART + BAD[bad]
    caplog.set_level(logging.DEBUG)
    with pytest.raises(VoucherifyConfigError) as caught:
        AsyncClient(base_url=API, transport=httpx.MockTransport(_never), **_kwargs(setting, value))
    message = str(caught.value)
    assert message.startswith(f"{setting} cannot be sent in an HTTP header")
    assert "position 14" in message
    assert SECRET_PART not in message
    assert SECRET_PART not in repr(caught.value)
    assert SECRET_PART not in caplog.text


@pytest.mark.parametrize("bad", sorted(set(BAD) - {"nul"}))  # the environment cannot hold NUL
@pytest.mark.parametrize("setting", sorted(set(SETTINGS) - {"origin"}))
def test_a_malformed_environment_variable_is_refused_naming_it(
    setting: str, bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = SETTINGS[setting][0]
    assert env is not None
    for name, (variable, good) in SETTINGS.items():
        if variable:
            monkeypatch.setenv(variable, SECRET_PART + BAD[bad] if name == setting else good)
    with pytest.raises(VoucherifyConfigError) as caught:
        AsyncClient(base_url=API, transport=httpx.MockTransport(_never))
    assert f"${env} ({setting})" in str(caught.value)
    assert SECRET_PART not in str(caught.value)


def _never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"sent {request.method} {request.url}")


async def test_nothing_reaches_the_wire(caplog: pytest.LogCaptureFixture) -> None:
    """Before the fix, the real transports sent the key or failed with it in the error text."""
    caplog.set_level(logging.DEBUG)
    with RawServer(reply(200)) as server, pytest.raises(VoucherifyConfigError):
        await _get_with_secret(server.url, SECRET_PART + "\r\nX-Evil: 1")
    assert server.connections == 0
    assert SECRET_PART not in caplog.text


async def _get_with_secret(base_url: str, secret: str) -> None:
    client = AsyncClient(APP_ID, secret, base_url=base_url)
    try:
        await client.customers.get("alice")
    finally:
        await client.aclose()


async def test_well_formed_keys_work_and_one_pair_is_enough() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=CUSTOMER)

    async with AsyncClient(
        "6d3fa5f8-2c1b-4c6e-9b6e-0c1f2a3b4c5d",
        "sk_A-b.c~d_E!f$g%h&i'j(k)l*m+n,o/p:q;r<s=t>u?v@w[x]y^z{|}",
        base_url=API,
        transport=httpx.MockTransport(handler),
    ) as client:
        await client.customers.get("alice")
        with pytest.raises(VoucherifyConfigError, match="client_app_id"):
            await client.customers.update_consents_client_side("alice", {"cnst_1": True})
    assert len(seen) == 1
    assert seen[0].headers["x-app-token"].startswith("sk_A-b.c~d")
