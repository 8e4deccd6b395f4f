"""`AiohttpTransport`: httpx requests sent over aiohttp (asyncio only; the `aiohttp` extra).

httpx still builds the request and reads the response; aiohttp only moves the bytes, which costs
about a third of httpcore's CPU per request on asyncio. aiohttp's failures are raised as the httpx
exceptions httpcore raises for the same event, so the client's error mapping and retry safety rules
see no difference:

- `ClientConnectorError` (refused, DNS, TLS) -> `ConnectError` (not sent);
- `ConnectionTimeoutError` -> `ConnectTimeout` (not sent);
- `SocketTimeoutError`, `ServerTimeoutError` -> `ReadTimeout` (may have been executed);
- `ServerDisconnectedError`, `ClientPayloadError`, `ClientResponseError` -> `RemoteProtocolError`
  (may have been executed);
- `ClientOSError` (a reset after connecting) -> `ReadError` (may have been executed);
- `InvalidURL`, `NonHttpUrlClientError` -> `UnsupportedProtocol` (a bug, not retried).

Differences left: aiohttp has no write timeout, and waiting for a free pooled connection counts
towards the connect timeout (httpx raises `PoolTimeout` there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import httpx
import sniffio

__all__ = ["AiohttpTransport"]

_HTTP_11 = {"http_version": b"HTTP/1.1"}
# httpx writes these itself; aiohttp must not add its own defaults next to them.
_SKIP_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")

# Most specific first: the first matching row decides.
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.ClientOSError, httpx.ReadError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.NonHttpUrlClientError, httpx.UnsupportedProtocol),
    (aiohttp.ClientError, httpx.TransportError),
    (TimeoutError, httpx.ConnectTimeout),
)


@contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except (aiohttp.ClientError, TimeoutError) as exc:
        mapped = next(new for old, new in _ERRORS if isinstance(exc, old))
        raise mapped(f"{type(exc).__name__}: {exc}", request=request) from exc


async def _chunks(stream: httpx.AsyncByteStream) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield chunk


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests over one aiohttp `ClientSession`, opened on the first request.

    Args:
        limits: the pool size (`max_connections`) and idle expiry (`keepalive_expiry`), as httpx
            takes them.
        verify: `True` for httpx's default certificate checks, `False` to skip them, or an
            `ssl.SSLContext`.
    """

    def __init__(self, *, limits: httpx.Limits | None = None, verify: Any = True) -> None:
        self._limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._verify = verify
        self._session: aiohttp.ClientSession | None = None

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
        )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request and read its whole body (httpx decodes it as usual)."""
        session = self._session or self._open()
        timeout: dict[str, float | None] = request.extensions.get("timeout", {})
        data: bytes | AsyncIterator[bytes] | None
        if isinstance(request.stream, httpx.ByteStream):
            data = request.content or None
        else:
            data = _chunks(request.stream)  # type: ignore[arg-type]
        with _as_httpx_errors(request):
            async with session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=data,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            ) as response:
                body = await response.read()
        extensions: dict[str, Any] = _HTTP_11
        if response.reason:
            extensions = {**_HTTP_11, "reason_phrase": response.reason.encode("ascii", "replace")}
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=httpx.ByteStream(body),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        """Close the session and its pooled connections."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()
