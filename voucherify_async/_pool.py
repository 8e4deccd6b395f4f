"""`exchange`, the one way the client sends a request; and `OwnPool`, the client's own pool.

A caller's `http_client=` sends with `httpx.AsyncClient.send`, so its auth, event hooks, cookies
and mounts apply. The SDK's own pool has none of those, and its requests are built complete by
the client (`_client._new_request`). When the client handed it a transport (aiohttp's, the
default on asyncio, or a `transport=` of the caller's), `exchange` gives the request to that
transport directly: it skips httpx's auth flow, redirect loop, per-request mount lookup, cookie
extraction and log line (~5% of a `get`'s instructions, by callgrind on loopback). The response
is read whole before it is returned, as `send` reads it. Without a transport, httpx built its own
and mounted the proxies of the environment on it, so `exchange` goes through `send`, which routes
to them.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx

__all__ = ["OwnPool", "exchange"]

_READ = httpx.ByteStream(b"")  # the stream of a response whose body has been read


async def exchange(http: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send `request` on `http` (never following a redirect); return its response, read whole.

    The response's stream is dropped once read: httpx binds it to the response in a reference
    cycle, so each page's body would otherwise wait for the garbage collector (`content` keeps
    the bytes).

    Raises:
        RuntimeError: the pool has been closed.
        httpx.TransportError: the exchange failed; httpx.DecodingError: the body's
            `Content-Encoding` did not decode.
    """
    if isinstance(http, OwnPool):
        response = await http.exchange(request)
    else:
        response = await http.send(request, follow_redirects=False)
    response.stream = _READ
    return response


class _NoCookies(httpx.Cookies):
    """An always empty jar: a response's `Set-Cookie` is not stored."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class OwnPool(httpx.AsyncClient):
    """The client's own pool: no cookie jar, no redirects, exchanges straight to its transport.

    Nothing would ever send what httpx's jar stores, and filling it costs ~12 us per response
    (urllib's cookie machinery runs whether or not there is a `Set-Cookie`), so it stays empty.

    Args:
        transport: the transport every request goes to, or None for httpx's own (which then
            routes to the proxies of `$HTTP(S)_PROXY`/`$ALL_PROXY`, minus `$NO_PROXY`).
        **kwargs: the rest of `httpx.AsyncClient`'s arguments.
    """

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None, **kwargs: Any) -> None:
        super().__init__(transport=transport, follow_redirects=False, **kwargs)
        self._no_cookies = _NoCookies()
        self._direct = transport

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise AttributeError("the SDK's own pool sends no cookies")

    @property
    def asyncio_only(self) -> bool:
        """Whether the transport runs asyncio code only (no anyio cancel scope inside it)."""
        return getattr(self._direct, "asyncio_only", False) is True

    async def exchange(self, request: httpx.Request) -> httpx.Response:
        """`send(request)` for this pool's requests, straight to the transport when it has one."""
        transport = self._direct
        if transport is None:
            return await self.send(request)
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        started = time.perf_counter()
        response = await transport.handle_async_request(request)
        response.request = request
        try:
            if isinstance(response.stream, httpx.ByteStream):
                response.read()  # in memory already (aiohttp's): no need for async iteration
            else:
                await response.aread()
        except BaseException:
            await response.aclose()
            raise
        response.elapsed = timedelta(seconds=time.perf_counter() - started)
        return response
