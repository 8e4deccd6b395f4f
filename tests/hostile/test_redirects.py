"""Redirects and statuses: keys go to base_url's host only, and only the declared 2xx succeeds.

Issue 11, items 1 and 2. A redirect is never followed, whatever `http_client` the SDK was given;
every answer outside 2xx raises `APIStatusError` (a redirect names the `Location` host, never
the keys); a 2xx other than the one the spec declares raises `APIResponseValidationError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from _hostile_keys import API, APP_ID, SECRET_KEY, SECRETS, both_pairs
from _raw_server import CUSTOMER, RawServer, reply

from voucherify_async import (
    APIResponseValidationError,
    APIStatusError,
    AsyncClient,
    VoucherifyConfigError,
)

EVIL = "https://evil.example"
REDIRECTS = [301, 302, 303, 307, 308]

Call = Callable[[AsyncClient], Awaitable[Any]]
CALLS: dict[str, Call] = {
    "get": lambda c: c.customers.get("alice"),
    "delete": lambda c: c.customers.delete("alice"),
    "update_consents": lambda c: c.customers.update_consents("alice", {"cnst_1": True}),
    "update_consents_client_side": lambda c: c.customers.update_consents_client_side(
        "alice", {"cnst_1": True}
    ),
    "update_in_bulk": lambda c: c.customers.update_in_bulk([{"source_id": "a", "name": "A"}]),
}


class Redirecting:
    """The API host answers `status` pointing at another host, which serves a customer."""

    def __init__(self, status: int, location: str = f"{EVIL}/v1/customers/alice") -> None:
        self.status = status
        self.location = location
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.host == "api.voucherify.test":
            return httpx.Response(
                self.status, headers={"Location": self.location}, text="<html>moved</html>"
            )
        return httpx.Response(200, json=CUSTOMER)


def _assert_no_secret(error: BaseException) -> None:
    text = f"{error!s} {error!r}"
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize("status", REDIRECTS)
@pytest.mark.parametrize("name", sorted(CALLS))
async def test_a_callers_following_client_never_follows_nor_sends_keys_elsewhere(
    status: int, name: str
) -> None:
    handler = Redirecting(status)
    async with httpx.AsyncClient(
        follow_redirects=True, transport=httpx.MockTransport(handler)
    ) as http:
        client = both_pairs(http_client=http, max_retries=2)
        with pytest.raises(APIStatusError) as caught:
            await CALLS[name](client)
    assert [r.url.host for r in handler.seen] == ["api.voucherify.test"]
    error = caught.value
    assert type(error) is APIStatusError
    assert error.status_code == status
    assert "evil.example" in str(error)
    assert "not followed" in str(error)
    _assert_no_secret(error)


@pytest.mark.parametrize("status", REDIRECTS)
async def test_the_own_pool_raises_on_a_redirect_too(status: int) -> None:
    handler = Redirecting(status)
    async with both_pairs(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(APIStatusError, match=r"evil\.example"):
            await client.customers.get("alice")
    assert len(handler.seen) == 1


async def test_a_redirect_names_only_scheme_and_host_of_its_location() -> None:
    handler = Redirecting(302, "https://user:pw@evil.example:8443/steal?token=x")
    async with both_pairs(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(APIStatusError) as caught:
            await client.customers.get("alice")
    message = str(caught.value)
    assert "https://evil.example" in message
    assert "pw" not in message
    assert "token" not in message


async def test_a_relative_or_missing_location_still_raises() -> None:
    async with both_pairs(
        transport=httpx.MockTransport(lambda r: httpx.Response(302, headers={"Location": "/x"}))
    ) as client:
        with pytest.raises(APIStatusError, match="same host"):
            await client.customers.get("alice")
    async with both_pairs(transport=httpx.MockTransport(lambda r: httpx.Response(304))) as client:
        with pytest.raises(APIStatusError, match="no Location") as caught:
            await client.customers.get("alice")
    assert caught.value.status_code == 304


async def test_a_redirect_over_loopback_reaches_no_other_server() -> None:
    """Both transports (the `--http-backend` switch): the other server is never contacted."""
    with RawServer(reply(200)) as other:
        redirect = reply(307, b"", ("Location", f"{other.url}/v1/customers/alice"))
        with RawServer(redirect) as api:
            async with AsyncClient(APP_ID, SECRET_KEY, base_url=api.url) as client:
                with pytest.raises(APIStatusError, match=r"127\.0\.0\.1") as caught:
                    await client.customers.get("alice")
    assert caught.value.status_code == 307
    assert len(api.requests) == 1
    assert other.requests == []


class Rewriting(httpx.AsyncClient):
    """A caller's client whose `build_request` moves every request to another host."""

    def build_request(self, *args: Any, **kwargs: Any) -> httpx.Request:
        request = super().build_request(*args, **kwargs)
        request.url = request.url.copy_with(host="evil.example")
        return request


async def test_keys_are_never_sent_to_a_host_a_callers_client_chose() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=CUSTOMER)

    async with Rewriting(transport=httpx.MockTransport(handler)) as http:
        client = both_pairs(http_client=http)
        with pytest.raises(VoucherifyConfigError, match=r"evil\.example") as caught:
            await client.customers.get("alice")
    assert seen == []
    _assert_no_secret(caught.value)


# --- item 2: only the declared 2xx is success -------------------------------------------------


@pytest.mark.parametrize("status", [300, 302, 304])
async def test_a_3xx_is_not_success_and_is_not_retried(status: int) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=CUSTOMER)

    async with both_pairs(transport=httpx.MockTransport(handler), max_retries=2) as client:
        for call in CALLS.values():
            with pytest.raises(APIStatusError):
                await call(client)
    assert len(seen) == len(CALLS)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("get", 201),
        ("get", 204),
        ("delete", 200),
        ("update_consents", 200),
        ("update_consents_client_side", 202),
        ("update_in_bulk", 200),
    ],
)
async def test_a_2xx_other_than_the_declared_one_is_refused(name: str, status: int) -> None:
    body = {"async_action_id": "aa_1"} if name == "update_in_bulk" else CUSTOMER
    transport = httpx.MockTransport(lambda r: httpx.Response(status, json=body))
    async with both_pairs(transport=transport) as client:
        with pytest.raises(APIResponseValidationError, match=r"expected status \d{3}") as caught:
            await CALLS[name](client)
    assert caught.value.status_code == status


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("get", 200),
        ("delete", 204),
        ("update_consents", 204),
        ("update_consents_client_side", 204),
        ("update_in_bulk", 202),
    ],
)
async def test_the_declared_status_succeeds(name: str, status: int) -> None:
    body = {"async_action_id": "aa_1"} if name == "update_in_bulk" else CUSTOMER
    transport = httpx.MockTransport(
        lambda r: httpx.Response(status, json=body) if status != 204 else httpx.Response(204)
    )
    async with both_pairs(transport=transport) as client:
        await CALLS[name](client)


async def test_a_callers_client_with_another_base_url_still_sends_to_ours() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=CUSTOMER)

    transport = httpx.MockTransport(handler)
    async with httpx.AsyncClient(base_url=EVIL, transport=transport) as http:
        await both_pairs(http_client=http).customers.get("alice")
    assert [str(r.url) for r in seen] == [f"{API}/v1/customers/alice"]
