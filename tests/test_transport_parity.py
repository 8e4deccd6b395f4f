"""Parity of the two transports: aiohttp (asyncio) and httpx's own (asyncio and trio).

Each test runs once per stack, against loopback servers: proxies from the environment and
`proxy=`, the write timeout, a streamed upload of unknown length, a large JSON body, and which
broken exchanges may be retried (a POST whose connection drops after sending arrives once).
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any, Literal

import anyio
import attrs
import httpx
import pytest
from _fault_server import APP_ID, SECRET_KEY, FaultServer, Reply, Sleeps, running_server
from _raw_sockets import DroppingServer, SilentServer, refused_url

from voucherify_async import APIConnectionError, APITimeoutError, AsyncClient
from voucherify_async._proxy import ProxyRoutes
from voucherify_async._transport import HttpBackend

STACKS = [("asyncio", "aiohttp"), ("asyncio", "httpx"), ("trio", "httpx")]
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUEST_METHOD")
CSV = b"source_id,name\n" + b"".join(b"src-%06d,Customer %06d\n" % (i, i) for i in range(20000))


@pytest.fixture(params=STACKS, ids=["aiohttp", "httpx-asyncio", "httpx-trio"])
def stack(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def anyio_backend(stack: tuple[str, str]) -> str:
    return stack[0]


@pytest.fixture
def backend(stack: tuple[str, str]) -> HttpBackend:
    return stack[1]  # type: ignore[return-value]


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The environment without any proxy variable (either case), for the test to set its own."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as state:
        yield state


def _client(base_url: str, backend: HttpBackend, **options: Any) -> AsyncClient:
    return AsyncClient(APP_ID, SECRET_KEY, base_url=base_url, http_backend=backend, **options)


class NonSeekable(io.RawIOBase):
    """A pipe-like binary stream: readable once, no seek, no size."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.name = "pipe.csv"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._data.readinto(buffer)


async def test_http_proxy_variable_routes_requests_through_the_proxy(
    backend: HttpBackend, server: FaultServer, no_proxy_env: pytest.MonkeyPatch
) -> None:
    no_proxy_env.setenv("HTTP_PROXY", server.url)
    target = refused_url()  # reachable only through the proxy
    async with _client(target, backend) as client:
        customer = await client.customers.get("cust_1")
    assert customer.id == "cust_1"
    [seen] = server.requests
    assert (seen.method, seen.path) == ("GET", f"{target}/v1/customers/cust_1")
    assert seen.headers["host"] == target.removeprefix("http://")
    assert seen.headers["x-app-token"] == SECRET_KEY


async def test_no_proxy_variable_sends_its_hosts_directly(
    backend: HttpBackend, server: FaultServer, no_proxy_env: pytest.MonkeyPatch
) -> None:
    no_proxy_env.setenv("HTTP_PROXY", refused_url())  # a proxy that would fail the request
    no_proxy_env.setenv("NO_PROXY", "example.com,127.0.0.1")
    async with _client(server.url, backend) as client:
        await client.customers.get("cust_1")
    assert [seen.path for seen in server.requests] == ["/v1/customers/cust_1"]


async def test_proxy_argument_wins_over_the_environment_and_sends_its_credentials(
    backend: HttpBackend, server: FaultServer, no_proxy_env: pytest.MonkeyPatch
) -> None:
    no_proxy_env.setenv("NO_PROXY", "*")
    no_proxy_env.setenv("HTTP_PROXY", refused_url())
    proxy = server.url.replace("http://", "http://proxy-user:s%40cret@")
    target = refused_url()
    async with _client(target, backend, proxy=proxy, max_retries=0) as client:
        await client.customers.update_in_bulk([{"source_id": "alice"}])
    [seen] = server.requests
    assert (seen.method, seen.path) == ("POST", f"{target}/v1/customers/bulk/async")
    expected = base64.b64encode(b"proxy-user:s@cret").decode()
    assert seen.headers["proxy-authorization"] == f"Basic {expected}"
    assert json.loads(seen.body) == [{"source_id": "alice"}]


async def test_proxy_refusing_the_tunnel_to_an_https_api_is_a_proxy_error_not_retried(
    backend: HttpBackend, server: FaultServer, no_proxy_env: pytest.MonkeyPatch
) -> None:
    server.script.append(Reply(status=407, body=b"", headers=(("Connection", "close"),)))
    no_proxy_env.setenv("HTTPS_PROXY", server.url.replace("http://", "http://tunnel:pw@"))
    target = refused_url().replace("http://", "https://")
    async with _client(target, backend, max_retries=2) as client:
        with pytest.raises(APIConnectionError) as raised:
            await client.customers.get("cust_1")
    assert isinstance(raised.value.__cause__, httpx.ProxyError)
    [seen] = server.requests  # not retried
    assert (seen.method, seen.path) == ("CONNECT", target.removeprefix("https://"))
    expected = base64.b64encode(b"tunnel:pw").decode()
    assert seen.headers["proxy-authorization"] == f"Basic {expected}"
    assert "x-app-token" not in seen.headers  # the API's keys go inside the tunnel only


async def test_a_large_json_body_arrives_whole_with_its_length(
    backend: HttpBackend, server: FaultServer
) -> None:
    records = [{"source_id": f"src-{i}", "metadata": {"note": "n" * 1000}} for i in range(100)]
    async with _client(server.url, backend, max_retries=0) as client:
        await client.customers.update_in_bulk(records)
    [seen] = server.requests
    assert int(seen.headers["content-length"]) == len(seen.body) > 100_000
    assert "transfer-encoding" not in seen.headers
    assert json.loads(seen.body) == records


async def test_proxy_with_a_given_transport_or_pool_is_rejected(anyio_backend: str) -> None:
    given = httpx.MockTransport(lambda request: httpx.Response(204))
    with pytest.raises(ValueError, match="proxy applies to the client's own pool"):
        AsyncClient("a", "b", transport=given, proxy="http://127.0.0.1:3128")
    async with httpx.AsyncClient() as pool:
        with pytest.raises(ValueError, match="proxy applies to the client's own pool"):
            AsyncClient("a", "b", http_client=pool, proxy="http://127.0.0.1:3128")


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_aiohttp_refuses_a_socks_proxy_naming_its_source(
    anyio_backend: str, no_proxy_env: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match=r"^proxy: .*not socks5://"):
        AsyncClient("a", "b", http_backend="aiohttp", proxy="socks5://127.0.0.1:1080")
    no_proxy_env.setenv("ALL_PROXY", "socks5://user:hunter2@127.0.0.1:1080")
    with pytest.raises(ValueError, match=r"^\$ALL_PROXY: .*not socks5://") as raised:
        AsyncClient("a", "b", http_backend="aiohttp")
    assert "hunter2" not in str(raised.value)


# httpcore leaves httpx's multipart generator unclosed when a write fails; trio warns at its GC.
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <async_generator object MultipartStream.__aiter__"
    ":pytest.PytestUnraisableExceptionWarning"
)
@pytest.mark.parametrize("body", ["bytes", "stream"])
async def test_upload_to_a_server_that_does_not_read_raises_a_write_timeout(
    backend: HttpBackend, body: str
) -> None:
    data = b"x" * 12_000_000  # more than the kernel buffers on both ends hold
    upload: bytes | NonSeekable = data if body == "bytes" else NonSeekable(data)
    timeout = httpx.Timeout(10.0, write=0.1)  # the server never reads: any write timeout trips
    with SilentServer() as silent, anyio.fail_after(15):  # a hang guard, not a timing check
        async with _client(silent.url, backend, timeout=timeout) as client:
            with pytest.raises(APITimeoutError, match="WriteTimeout") as raised:
                await client.customers.import_csv(upload)
    assert isinstance(raised.value.__cause__, httpx.WriteTimeout)
    assert "may have executed it" in str(raised.value)


async def test_a_non_seekable_csv_stream_arrives_whole_and_chunked(
    backend: HttpBackend, server: FaultServer
) -> None:
    async with _client(server.url, backend, max_retries=0) as client:
        ref = await client.customers.import_csv(NonSeekable(CSV))
    assert ref.async_action_id.startswith("aa_")
    [seen] = server.requests
    assert (seen.method, seen.path) == ("POST", "/v1/customers/importCSV")
    assert seen.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in seen.headers
    boundary = seen.headers["content-type"].split("boundary=")[1].encode()
    [part] = [p for p in seen.body.split(b"--" + boundary) if b'name="file"' in p]
    head, _, content = part.partition(b"\r\n\r\n")
    assert b'filename="pipe.csv"' in head
    assert content.removesuffix(b"\r\n") == CSV


@pytest.mark.parametrize("how", ["close", "reset"])
async def test_post_whose_connection_drops_after_sending_is_not_repeated(
    backend: HttpBackend, how: Literal["close", "reset"]
) -> None:
    sleeps = Sleeps()
    with DroppingServer(how) as dropping:
        async with _client(dropping.url, backend, max_retries=2) as client:
            client._retry = attrs.evolve(client._retry, sleep=sleeps)
            with pytest.raises(APIConnectionError, match="may have executed it") as raised:
                await client.customers.update_in_bulk([{"source_id": "alice"}])
    assert len(dropping.requests) == 1
    assert dropping.requests[0].startswith(b"POST /v1/customers/bulk/async HTTP/1.1\r\n")
    assert sleeps.delays == []
    assert isinstance(raised.value.__cause__, httpx.RemoteProtocolError | httpx.ReadError)


async def test_post_to_a_refusing_port_is_retried_as_never_sent(backend: HttpBackend) -> None:
    sleeps = Sleeps()
    async with _client(refused_url(), backend, max_retries=2) as client:
        client._retry = attrs.evolve(client._retry, sleep=sleeps)
        with pytest.raises(APIConnectionError, match="after 3 attempts: ConnectError") as raised:
            await client.customers.update_in_bulk([{"source_id": "alice"}])
    assert len(sleeps.delays) == 2
    assert "may have executed" not in str(raised.value)


@pytest.mark.parametrize(
    ("variables", "url", "expected"),
    [
        ({"HTTPS_PROXY": "http://tls-proxy:3128"}, "https://api.voucherify.io/v1", "tls-proxy"),
        ({"HTTPS_PROXY": "http://tls-proxy:3128"}, "http://api.voucherify.io/v1", None),
        ({"https_proxy": "tls-proxy:3128"}, "https://api.voucherify.io/v1", "tls-proxy"),
        ({"ALL_PROXY": "http://any:8080"}, "https://api.voucherify.io/v1", "any"),
        (
            {"ALL_PROXY": "http://any:8080", "NO_PROXY": "voucherify.io"},
            "https://api.voucherify.io/v1",
            None,
        ),
        (
            {"ALL_PROXY": "http://any:8080", "NO_PROXY": "other.io"},
            "https://api.voucherify.io/v1",
            "any",
        ),
    ],
)
def test_environment_proxy_of_each_url_is_chosen_as_httpx_chooses_it(
    no_proxy_env: pytest.MonkeyPatch, variables: dict[str, str], url: str, expected: str | None
) -> None:
    for name, value in variables.items():
        no_proxy_env.setenv(name, value)
    route = ProxyRoutes().route(httpx.URL(url))
    assert (route and httpx.URL(route.url).host) == expected
    with httpx.Client() as reference:  # httpx's own choice, from its mounts
        chosen = reference._transport_for_url(httpx.URL(url))
        proxy = getattr(getattr(chosen, "_pool", None), "_proxy_url", None)
    assert (proxy and proxy.host.decode()) == expected


def test_environment_is_not_read_with_trust_env_off(no_proxy_env: pytest.MonkeyPatch) -> None:
    no_proxy_env.setenv("HTTPS_PROXY", "http://tls-proxy:3128")
    assert not ProxyRoutes(trust_env=False).active
