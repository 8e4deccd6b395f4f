"""AsyncClient: credentials, base URL, headers, secrets kept out of text, lifecycle."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import respx

from voucherify_async import (
    DEFAULT_BASE_URL,
    AsyncClient,
    VoucherifyConfigError,
    __version__,
)

if TYPE_CHECKING:
    from conftest import Keys

ENV_VARS = (
    "VOUCHERIFY_APP_ID",
    "VOUCHERIFY_SECRET_KEY",
    "VOUCHERIFY_CLIENT_APP_ID",
    "VOUCHERIFY_CLIENT_SECRET_KEY",
    "VOUCHERIFY_BASE_URL",
    "VOUCHERIFY_CLUSTER",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No VOUCHERIFY_* variable of the machine leaks into these tests."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def route(api: respx.MockRouter) -> respx.Route:
    return api.route().respond(200, json={"id": "cust_1"})


@pytest.fixture
def transport(api: respx.MockRouter) -> httpx.MockTransport:
    return httpx.MockTransport(api.handler)


def only_request(route: respx.Route) -> httpx.Request:
    assert route.call_count == 1
    return route.calls.last.request


# --- credentials --------------------------------------------------------------------------


async def test_server_keys_from_arguments_are_sent(
    route: respx.Route, transport: httpx.MockTransport, keys: Keys
) -> None:
    async with AsyncClient("id-arg", "sk-arg", base_url=keys.base_url, transport=transport) as c:
        await c.customers.get("c1")

    request = only_request(route)
    assert request.headers["X-App-Id"] == "id-arg"
    assert request.headers["X-App-Token"] == "sk-arg"


async def test_server_keys_come_from_the_environment(
    route: respx.Route,
    transport: httpx.MockTransport,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOUCHERIFY_APP_ID", "id-env")
    monkeypatch.setenv("VOUCHERIFY_SECRET_KEY", "sk-env")

    async with AsyncClient(base_url=keys.base_url, transport=transport) as c:
        await c.customers.get("c1")

    request = only_request(route)
    assert request.headers["X-App-Id"] == "id-env"
    assert request.headers["X-App-Token"] == "sk-env"


async def test_arguments_win_over_the_environment(
    route: respx.Route,
    transport: httpx.MockTransport,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOUCHERIFY_APP_ID", "id-env")
    monkeypatch.setenv("VOUCHERIFY_SECRET_KEY", "sk-env")

    async with AsyncClient("id-arg", "sk-arg", base_url=keys.base_url, transport=transport) as c:
        await c.customers.get("c1")

    assert only_request(route).headers["X-App-Token"] == "sk-arg"


async def test_client_keys_come_from_the_environment(
    route: respx.Route,
    transport: httpx.MockTransport,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOUCHERIFY_CLIENT_APP_ID", "cid-env")
    monkeypatch.setenv("VOUCHERIFY_CLIENT_SECRET_KEY", "ck-env")
    route.respond(204)

    async with AsyncClient(base_url=keys.base_url, transport=transport) as c:
        await c.customers.update_consents_client_side("c1", {"cnst_1": True})

    request = only_request(route)
    assert request.headers["X-Client-Application-Id"] == "cid-env"
    assert request.headers["X-Client-Token"] == "ck-env"


@pytest.mark.parametrize(
    ("kwargs", "argument", "env"),
    [
        ({}, "app_id", "VOUCHERIFY_APP_ID"),
        ({"app_id": "id"}, "secret_key", "VOUCHERIFY_SECRET_KEY"),
        ({"secret_key": "sk"}, "app_id", "VOUCHERIFY_APP_ID"),
        ({"app_id": "id", "secret_key": ""}, "secret_key", "VOUCHERIFY_SECRET_KEY"),
        (
            {"client_app_id": "cid", "client_secret_key": "ck"},
            "app_id",
            "VOUCHERIFY_APP_ID",
        ),
    ],
)
async def test_server_call_without_server_keys_raises_config_error_before_io(
    route: respx.Route,
    transport: httpx.MockTransport,
    keys: Keys,
    kwargs: dict[str, Any],
    argument: str,
    env: str,
) -> None:
    async with AsyncClient(base_url=keys.base_url, transport=transport, **kwargs) as c:
        with pytest.raises(VoucherifyConfigError) as info:
            await c.customers.get("c1")

    assert f"{argument}=" in str(info.value)
    assert env in str(info.value)
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("kwargs", "argument", "env"),
    [
        ({"app_id": "id", "secret_key": "sk"}, "client_app_id", "VOUCHERIFY_CLIENT_APP_ID"),
        (
            {"client_app_id": "cid"},
            "client_secret_key",
            "VOUCHERIFY_CLIENT_SECRET_KEY",
        ),
    ],
)
async def test_client_call_without_client_keys_raises_config_error_before_io(
    route: respx.Route,
    transport: httpx.MockTransport,
    keys: Keys,
    kwargs: dict[str, Any],
    argument: str,
    env: str,
) -> None:
    async with AsyncClient(base_url=keys.base_url, transport=transport, **kwargs) as c:
        with pytest.raises(VoucherifyConfigError) as info:
            await c.customers.update_consents_client_side("c1", {"cnst_1": True})

    assert f"{argument}=" in str(info.value)
    assert env in str(info.value)
    assert route.call_count == 0


async def test_client_with_only_client_keys_makes_client_calls(
    route: respx.Route, transport: httpx.MockTransport, keys: Keys
) -> None:
    route.respond(204)

    async with AsyncClient(
        client_app_id="cid",
        client_secret_key="ck",
        origin="https://shop.example",
        base_url=keys.base_url,
        transport=transport,
    ) as c:
        await c.customers.update_consents_client_side("c1", {"unsubscribed": True})

    request = only_request(route)
    assert request.headers["X-Client-Token"] == "ck"
    assert request.headers["Origin"] == "https://shop.example"
    assert "X-App-Id" not in request.headers


async def test_server_calls_never_send_the_client_keys(
    client: AsyncClient, route: respx.Route, keys: Keys
) -> None:
    await client.customers.get("c1")

    request = only_request(route)
    assert "X-Client-Token" not in request.headers
    assert "Origin" not in request.headers
    assert all(keys.client_secret_key not in v for v in request.headers.values())


async def test_user_agent_names_sdk_python_and_httpx(
    client: AsyncClient, route: respx.Route
) -> None:
    await client.customers.get("c1")

    user_agent = only_request(route).headers["User-Agent"]
    assert re.fullmatch(
        rf"voucherify-async/{re.escape(__version__)} python/\d+\.\d+\.\d+\S* httpx/\S+",
        user_agent,
    )


async def test_requests_accept_json(client: AsyncClient, route: respx.Route) -> None:
    await client.customers.get("c1")

    assert only_request(route).headers["Accept"] == "application/json"


async def test_a_cookie_the_api_sets_is_never_sent_back(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    # Credentials are headers; a cookie set by the API (or a load balancer) is not replayed.
    cookie = {"Set-Cookie": "AWSALB=sticky; Path=/"}
    route = api.get("/v1/customers/c1").mock(
        side_effect=[httpx.Response(200, json={"id": "c1"}, headers=cookie)] * 2
    )
    await client.customers.get("c1")
    await client.customers.get("c1")

    assert [call.request.headers.get("Cookie") for call in route.calls] == [None, None]


# --- base URL -----------------------------------------------------------------------------


@pytest.fixture
def anywhere() -> respx.MockRouter:
    """A router without a base URL: it answers for any host."""
    router = respx.MockRouter(assert_all_called=False)
    router.route().respond(200, json={"id": "cust_1"})
    return router


async def sent_url(router: respx.MockRouter, **kwargs: Any) -> str:
    async with AsyncClient(
        "id", "sk", transport=httpx.MockTransport(router.handler), **kwargs
    ) as c:
        await c.customers.get("c1")
    assert router.calls.call_count == 1
    return str(router.calls.last.request.url)


async def test_default_base_url_is_the_european_api(anywhere: respx.MockRouter) -> None:
    url = await sent_url(anywhere)

    assert url == "https://api.voucherify.io/v1/customers/c1"
    assert DEFAULT_BASE_URL == "https://api.voucherify.io"


async def test_cluster_selects_the_regional_host(anywhere: respx.MockRouter) -> None:
    url = await sent_url(anywhere, cluster="us1")

    assert url == "https://us1.api.voucherify.io/v1/customers/c1"


async def test_base_url_from_the_environment(
    anywhere: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOUCHERIFY_BASE_URL", "https://eu-dedicated.example.com")

    url = await sent_url(anywhere)

    assert url == "https://eu-dedicated.example.com/v1/customers/c1"


async def test_base_url_argument_wins_over_the_environment(
    anywhere: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOUCHERIFY_BASE_URL", "https://from-env.example.com")

    url = await sent_url(anywhere, base_url="http://127.0.0.1:4010/")

    assert url == "http://127.0.0.1:4010/v1/customers/c1"


async def test_cluster_wins_over_the_environment_base_url(
    anywhere: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOUCHERIFY_BASE_URL", "https://from-env.example.com")

    url = await sent_url(anywhere, cluster="as1")

    assert url == "https://as1.api.voucherify.io/v1/customers/c1"


async def test_cluster_from_the_environment(
    anywhere: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOUCHERIFY_CLUSTER", "us1")

    url = await sent_url(anywhere)

    assert url == "https://us1.api.voucherify.io/v1/customers/c1"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"cluster": "as1"}, "https://as1.api.voucherify.io/v1/customers/c1"),
        ({"base_url": "http://127.0.0.1:4010"}, "http://127.0.0.1:4010/v1/customers/c1"),
    ],
)
async def test_an_argument_wins_over_the_environment_cluster(
    anywhere: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
    kwargs: dict[str, str],
    expected: str,
) -> None:
    monkeypatch.setenv("VOUCHERIFY_CLUSTER", "us1")

    assert await sent_url(anywhere, **kwargs) == expected


async def test_an_argument_settles_a_conflict_in_the_environment(
    anywhere: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOUCHERIFY_CLUSTER", "us1")
    monkeypatch.setenv("VOUCHERIFY_BASE_URL", "https://from-env.example.com")

    url = await sent_url(anywhere, cluster="as1")

    assert url == "https://as1.api.voucherify.io/v1/customers/c1"


def test_both_base_url_and_cluster_in_the_environment_is_an_error_naming_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOUCHERIFY_CLUSTER", "us1")
    monkeypatch.setenv("VOUCHERIFY_BASE_URL", "https://from-env.example.com")

    with pytest.raises(ValueError, match="set VOUCHERIFY_BASE_URL or VOUCHERIFY_CLUSTER, not both"):
        AsyncClient("id", "sk")


async def test_an_empty_environment_cluster_counts_as_unset(
    anywhere: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOUCHERIFY_CLUSTER", "")
    monkeypatch.setenv("VOUCHERIFY_BASE_URL", "https://from-env.example.com")

    assert await sent_url(anywhere) == "https://from-env.example.com/v1/customers/c1"


def test_a_bad_cluster_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOUCHERIFY_CLUSTER", "us1.evil.com/x")

    with pytest.raises(ValueError, match=r"^VOUCHERIFY_CLUSTER must be a region name"):
        AsyncClient("id", "sk")


async def test_base_url_path_prefix_is_kept(anywhere: respx.MockRouter) -> None:
    url = await sent_url(anywhere, base_url="https://proxy.example.com/voucherify/")

    assert url == "https://proxy.example.com/voucherify/v1/customers/c1"


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"base_url": "https://a.example", "cluster": "us1"}, "base_url"),
        ({"cluster": "us1.evil.com/x"}, "cluster"),
        ({"cluster": ""}, "cluster"),
        ({"base_url": "ftp://files.example.com"}, "base_url"),
        ({"base_url": "api.voucherify.io"}, "base_url"),
        ({"max_retries": -1}, "max_retries"),
        ({"transport": httpx.MockTransport(lambda r: httpx.Response(200))}, "transport"),
    ],
)
def test_bad_settings_raise_value_error_naming_them(kwargs: dict[str, Any], name: str) -> None:
    if name == "transport":
        kwargs = {**kwargs, "http_client": httpx.AsyncClient()}
    with pytest.raises(ValueError, match=name):
        AsyncClient("id", "sk", **kwargs)


def test_bad_base_url_from_the_environment_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOUCHERIFY_BASE_URL", "not a url")

    with pytest.raises(ValueError, match=r"^VOUCHERIFY_BASE_URL must be an http\(s\) URL"):
        AsyncClient("id", "sk")


# --- secrets out of text ------------------------------------------------------------------


def test_repr_never_shows_a_secret(keys: Keys) -> None:
    c = AsyncClient(
        keys.app_id,
        keys.secret_key,
        client_app_id=keys.client_app_id,
        client_secret_key=keys.client_secret_key,
    )

    for text in (repr(c), str(c)):
        assert keys.secret_key not in text
        assert keys.client_secret_key not in text
        assert "keys=['server', 'client']" in text


async def test_config_error_never_shows_a_secret(route: respx.Route, keys: Keys) -> None:
    async with AsyncClient(keys.app_id, keys.secret_key, base_url=keys.base_url) as c:
        with pytest.raises(VoucherifyConfigError) as info:
            await c.customers.update_consents_client_side("c1", {"cnst_1": True})

    assert keys.secret_key not in str(info.value)
    assert keys.app_id not in str(info.value)


# --- lifecycle ----------------------------------------------------------------------------


class RecordingTransport(httpx.MockTransport):
    closed = False

    async def aclose(self) -> None:
        self.closed = True


async def test_aclose_closes_a_transport_given_to_the_client(keys: Keys) -> None:
    transport = RecordingTransport(lambda r: httpx.Response(200, json={}))
    c = AsyncClient("id", "sk", base_url=keys.base_url, transport=transport)

    await c.aclose()

    assert transport.closed
    assert c.is_closed


async def test_aclose_leaves_a_callers_http_client_open(
    route: respx.Route, transport: httpx.MockTransport, keys: Keys
) -> None:
    async with httpx.AsyncClient(transport=transport) as http:
        c = AsyncClient("id", "sk", base_url=keys.base_url, http_client=http)
        await c.customers.get("c1")
        await c.aclose()

        assert not http.is_closed
        assert (await http.get(f"{keys.base_url}/still-usable")).status_code == 200


async def test_aclose_is_idempotent(keys: Keys) -> None:
    c = AsyncClient("id", "sk", base_url=keys.base_url)

    await c.aclose()
    await c.aclose()

    assert c.is_closed


async def test_closed_client_refuses_work_without_io(
    route: respx.Route, transport: httpx.MockTransport, keys: Keys
) -> None:
    c = AsyncClient("id", "sk", base_url=keys.base_url, transport=transport)
    await c.aclose()

    with pytest.raises(RuntimeError, match=r"client has been closed"):
        await c.customers.get("c1")

    assert route.call_count == 0


async def test_context_manager_returns_the_client_and_closes_it(
    route: respx.Route, transport: httpx.MockTransport, keys: Keys
) -> None:
    client = AsyncClient("id", "sk", base_url=keys.base_url, transport=transport)

    async with client as entered:
        assert entered is client
        assert not client.is_closed
        await entered.customers.get("c1")

    assert client.is_closed


async def test_context_manager_closes_the_client_when_the_body_raises(keys: Keys) -> None:
    client = AsyncClient("id", "sk", base_url=keys.base_url)

    with pytest.raises(KeyError):
        async with client:
            raise KeyError("boom")

    assert client.is_closed
