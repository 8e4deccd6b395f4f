"""Which transport carries the client's requests: httpx over aiohttp, or httpx's own.

`http_backend="auto"` (the default) puts httpx over aiohttp's transport when the client is created
inside a running asyncio loop: about 2 to 4 times the requests per second of httpcore under
concurrency. Everywhere else (trio, no running loop) it is httpx's own transport. `"httpx"` and
`"aiohttp"` ask for one explicitly; `$VOUCHERIFY_HTTP_BACKEND` sets the default.

aiohttp is a dependency, imported here only when the first client is built on asyncio, so that
`import voucherify_async` does not pay for it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final, Literal, get_args

import sniffio

from ._types import HttpBackend

if TYPE_CHECKING:
    import httpx

    from ._aiohttp import AiohttpTransport
    from ._proxy import ProxySetting

__all__ = ["HTTP_BACKEND_ENV", "MIN_AIOHTTP", "HttpBackend", "make_transport", "resolve_backend"]

HTTP_BACKEND_ENV: Final = "VOUCHERIFY_HTTP_BACKEND"
_BACKENDS: Final = get_args(HttpBackend)
MIN_AIOHTTP: Final = (3, 10)
"""The first aiohttp with the timeout errors `_aiohttp` maps."""


def _running_library() -> str | None:
    try:
        return sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None


def resolve_backend(requested: str | None) -> Literal["httpx", "aiohttp"]:
    """Turn `http_backend=` (None: `$VOUCHERIFY_HTTP_BACKEND`, else "auto") into a transport name.

    Raises:
        ValueError: for an unknown name, or "aiohttp" under trio.
    """
    backend = requested if requested is not None else os.environ.get(HTTP_BACKEND_ENV) or "auto"
    if backend not in _BACKENDS:
        raise ValueError(f"http_backend must be one of {_BACKENDS!r}, got {backend!r}")
    library = _running_library()
    if backend == "httpx":
        return "httpx"
    if backend == "auto":
        return "aiohttp" if library == "asyncio" else "httpx"
    if library not in (None, "asyncio"):
        raise ValueError(f"http_backend='aiohttp' runs on asyncio only, not on {library}")
    return "aiohttp"


def _aiohttp_transport() -> type[AiohttpTransport]:
    """Import aiohttp (~60 ms, once) and the transport built on it."""
    hint = "reinstall voucherify-async, or pass http_backend='httpx'"
    try:
        import aiohttp
    except ImportError as exc:
        raise ModuleNotFoundError(
            f"the aiohttp transport needs aiohttp >= 3.10, a dependency that is missing: {hint}"
        ) from exc
    version = tuple(int(part) for part in aiohttp.__version__.split(".")[:2] if part.isdigit())
    if version < MIN_AIOHTTP:
        raise ImportError(f"the aiohttp transport needs aiohttp >= 3.10, not {aiohttp.__version__}")
    from ._aiohttp import AiohttpTransport

    return AiohttpTransport


def make_transport(
    requested: str | None,
    *,
    limits: httpx.Limits | None = None,
    proxy: ProxySetting | None = None,
) -> httpx.AsyncBaseTransport | None:
    """The transport for `http_backend=requested`, or None to let httpx build its own.

    Args:
        requested: `"auto"`, `"httpx"`, `"aiohttp"`, or None for `$VOUCHERIFY_HTTP_BACKEND`.
        limits: the pool's limits (httpx's defaults when None).
        proxy: a proxy for every request; None to follow `$HTTP(S)_PROXY`/`$NO_PROXY` as httpx
            does (httpx's own transport reads them when httpx builds it).

    Raises:
        ValueError: see `resolve_backend`; or a proxy URL that is malformed or, on aiohttp, SOCKS.
        ModuleNotFoundError: aiohttp is missing (installed without its dependencies).
    """
    if resolve_backend(requested) == "aiohttp":
        return _aiohttp_transport()(limits=limits, proxy=proxy)
    if proxy is None and limits is None:
        return None
    import httpx

    if limits is None:
        return httpx.AsyncHTTPTransport(proxy=proxy)
    return httpx.AsyncHTTPTransport(proxy=proxy, limits=limits)
