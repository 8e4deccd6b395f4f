"""`AiohttpTransport`: httpx requests sent over aiohttp (the default transport on asyncio).

httpx still builds the request and reads the response; aiohttp only moves the bytes, which costs
about a third of httpcore's CPU per request on asyncio. The transport behaves as httpx's own:

- aiohttp's failures are raised as the httpx exceptions httpcore raises for the same event, so the
  client's error mapping and retry safety rules see no difference:
  - `ClientConnectorError` (refused, DNS, TLS, proxy unreachable) -> `ConnectError` (not sent);
  - `ConnectionTimeoutError` -> `ConnectTimeout` (not sent);
  - `SocketTimeoutError`, `ServerTimeoutError` -> `ReadTimeout` (may have been executed);
  - `ServerDisconnectedError`, `ClientPayloadError`, `ClientResponseError` ->
    `RemoteProtocolError` (may have been executed);
  - `ClientOSError` (a reset or broken pipe after connecting) -> `ReadError` (may have been
    executed);
  - `ClientHttpProxyError` (the proxy refused the tunnel) -> `ProxyError` (not retried);
  - `InvalidURL`, `NonHttpUrlClientError` -> `UnsupportedProtocol` (a bug, not retried);
- proxies: `proxy=`, else `$HTTP(S)_PROXY`/`$ALL_PROXY`/`$NO_PROXY` (see `_proxy.py`);
- the write timeout bounds each chunk of a body as httpcore bounds each socket write: aiohttp has
  none, so the body goes out in chunks and a deadline re-armed per chunk cancels the exchange
  (`WriteTimeout`) when one is not taken by the server in time;
- a streamed body of unknown length goes out chunked (httpx's `Transfer-Encoding: chunked`
  header is left to aiohttp, which refuses it next to a streaming body).

Difference left: waiting for a free pooled connection counts towards the connect timeout (httpx
raises `PoolTimeout` there, which is not retried; here it is a `ConnectTimeout`, which is).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator
from types import TracebackType
from typing import Any, ClassVar, Final

import aiohttp
import httpx
import sniffio

from ._proxy import ProxyRoutes, ProxySetting

__all__ = ["AiohttpTransport"]

_HTTP_11: Final = {"http_version": b"HTTP/1.1"}
# httpx writes these itself; aiohttp must not add its own defaults next to them.
_SKIP_AUTO_HEADERS: Final = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
# A body this small is buffered by the socket at once, so its write cannot wait on the server (as
# with httpcore); a larger one goes out in chunks of this size, each under the write timeout.
_CHUNK: Final = 64 * 1024
_TIMEOUTS_KEPT: Final = 16  # distinct `aiohttp.ClientTimeout`s a transport keeps built

# Most specific first: the first matching row decides.
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ClientHttpProxyError, httpx.ProxyError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.ClientOSError, httpx.ReadError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.NonHttpUrlClientError, httpx.UnsupportedProtocol),
    (aiohttp.ClientError, httpx.TransportError),
    (TimeoutError, httpx.ConnectTimeout),
)


def _as_httpx_error(exc: aiohttp.ClientError | TimeoutError, request: httpx.Request) -> Exception:
    mapped = next(new for old, new in _ERRORS if isinstance(exc, old))
    return mapped(f"{type(exc).__name__}: {exc}", request=request)


class _WriteDeadline:
    """Cancel the exchange when one chunk of the body is not written within `seconds`.

    The body's iterator runs in aiohttp's writer: it arms the deadline before handing aiohttp a
    chunk and disarms it when asked for the next one (the previous one is then written). On
    expiry `asyncio.timeout` cancels the task sending the request, which closes the connection.
    """

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._scope = asyncio.timeout(None)
        self._open = False

    async def __aenter__(self) -> _WriteDeadline:
        await self._scope.__aenter__()
        self._open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        await self._scope.__aexit__(exc_type, exc, tb)

    @property
    def expired(self) -> bool:
        """Whether a chunk took longer than allowed (the exchange was cancelled for it)."""
        return self._scope.expired()

    def _arm(self) -> None:
        if self._open and not self._scope.expired():
            self._scope.reschedule(asyncio.get_running_loop().time() + self._seconds)

    def _disarm(self) -> None:
        # Also called as aiohttp's writer unwinds after an expiry, when the scope is final.
        if self._open and not self._scope.expired():
            self._scope.reschedule(None)

    async def chunks(self, body: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        """`body`'s chunks, each at most `_CHUNK` bytes, each written under the deadline."""
        try:
            async for chunk in body:
                for start in range(0, len(chunk), _CHUNK):
                    self._arm()
                    yield chunk[start : start + _CHUNK]
                    self._disarm()
        finally:
            self._disarm()


async def _whole(content: bytes) -> AsyncIterator[bytes]:
    yield content


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests over one aiohttp `ClientSession`, opened on the first request.

    Args:
        limits: the pool size (`max_connections`) and idle expiry (`keepalive_expiry`), as httpx
            takes them.
        verify: `True` for httpx's default certificate checks, `False` to skip them, or an
            `ssl.SSLContext`.
        proxy: a proxy for every request (a URL, or an `httpx.Proxy`); None to follow
            `$HTTP(S)_PROXY`, `$ALL_PROXY` and `$NO_PROXY` as httpx does.
        trust_env: whether those environment variables are read (when `proxy` is None).

    Raises:
        ValueError: for a proxy aiohttp cannot use (SOCKS) or a malformed proxy URL.
    """

    asyncio_only: ClassVar[bool] = True
    """It runs asyncio code only: no anyio cancel scope (see `_timeouts.within_budget`)."""

    def __init__(
        self,
        *,
        limits: httpx.Limits | None = None,
        verify: Any = True,
        proxy: ProxySetting | None = None,
        trust_env: bool = True,
    ) -> None:
        self._limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._verify = verify
        self._proxies = ProxyRoutes(proxy, trust_env=trust_env)
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        library = sniffio.current_async_library()
        if library != "asyncio":
            raise RuntimeError(f"the aiohttp transport runs on asyncio only, not on {library}")
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            limit_per_host=0,
            keepalive_timeout=self._limits.keepalive_expiry or 0.0,
            ssl=httpx.create_ssl_context(verify=self._verify),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=_SKIP_AUTO_HEADERS,
            timeout=aiohttp.ClientTimeout(total=None),
            # Proxies are ours to resolve (`_proxy.py`): aiohttp's trust_env would also send
            # ~/.netrc credentials as an Authorization header.
            trust_env=False,
        )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request and read its whole body (httpx decodes it as usual)."""
        session = self._session or self._open()
        timeout: dict[str, float | None] = request.extensions.get("timeout", {})
        headers: list[tuple[str, str]] = request.headers.multi_items()
        options: dict[str, Any] = {}
        if self._proxies.active:
            route = self._proxies.route(request.url)
            if route is not None:
                options["proxy"] = route.url
                if request.url.scheme == "https":  # headers of the CONNECT request
                    options["proxy_headers"] = dict(route.headers)
                else:  # forwarded as is: the proxy reads them from the request
                    headers = [*headers, *route.headers]
        stream: AsyncIterable[bytes] | None = None
        if not isinstance(request.stream, httpx.ByteStream):
            stream = request.stream  # type: ignore[assignment]
            if "Transfer-Encoding" in request.headers:  # aiohttp chunks it itself
                headers = [(k, v) for k, v in headers if k.lower() != "transfer-encoding"]
        write_timeout = timeout.get("write")
        if write_timeout is None or (stream is None and len(request.content) <= _CHUNK):
            data = stream if stream is not None else request.content or None
            return await self._exchange(session, request, headers, data, timeout, options)
        deadline = _WriteDeadline(write_timeout)
        body = deadline.chunks(stream if stream is not None else _whole(request.content))
        try:
            async with deadline:
                return await self._exchange(session, request, headers, body, timeout, options)
        except TimeoutError as exc:
            if not deadline.expired:
                raise
            raise httpx.WriteTimeout(
                f"a chunk of the body was not taken within {write_timeout} s", request=request
            ) from exc

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        request: httpx.Request,
        headers: list[tuple[str, str]],
        data: bytes | AsyncIterable[bytes] | None,
        timeouts: dict[str, float | None],
        options: dict[str, Any],
    ) -> httpx.Response:
        try:
            async with session.request(
                request.method,
                str(request.url),
                headers=headers,
                data=data,
                allow_redirects=False,
                timeout=self._client_timeout(timeouts),
                **options,
            ) as response:
                content = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _as_httpx_error(exc, request) from exc
        extensions: dict[str, Any] = _HTTP_11
        if response.reason:
            extensions = {**_HTTP_11, "reason_phrase": response.reason.encode("ascii", "replace")}
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=httpx.ByteStream(content),
            request=request,
            extensions=extensions,
        )

    def _client_timeout(self, timeouts: dict[str, float | None]) -> aiohttp.ClientTimeout:
        """The `aiohttp.ClientTimeout` of httpx's per-phase timeouts (a client has few of them)."""
        key = (timeouts.get("pool"), timeouts.get("connect"), timeouts.get("read"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            if len(self._timeouts) >= _TIMEOUTS_KEPT:
                self._timeouts.clear()
            pool, connect, read = key
            timeout = aiohttp.ClientTimeout(
                total=None, connect=pool, sock_connect=connect, sock_read=read
            )
            self._timeouts[key] = timeout
        return timeout

    async def aclose(self) -> None:
        """Close the session and its pooled connections."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()
