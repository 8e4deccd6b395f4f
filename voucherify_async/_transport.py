"""Which transport carries the client's requests: httpx's own, or httpx over aiohttp.

`http_backend="auto"` (the default) puts httpx over aiohttp's transport when the client is created
inside a running asyncio loop and the `aiohttp` extra is installed (`pip install
voucherify-async[aiohttp]`): about 2 to 4 times the requests per second of httpcore under
concurrency. Everywhere else (trio, no running loop, no aiohttp) it is httpx's own transport.
`"httpx"` and `"aiohttp"` ask for one explicitly. `$VOUCHERIFY_HTTP_BACKEND` sets the default.
"""

from __future__ import annotations

import importlib.util
import os
from typing import TYPE_CHECKING, Final, Literal, get_args

import sniffio

from ._types import HttpBackend

if TYPE_CHECKING:
    import httpx

__all__ = ["HTTP_BACKEND_ENV", "MIN_AIOHTTP", "HttpBackend", "make_transport", "resolve_backend"]

HTTP_BACKEND_ENV: Final = "VOUCHERIFY_HTTP_BACKEND"
_BACKENDS: Final = get_args(HttpBackend)
MIN_AIOHTTP: Final = (3, 10)
_EXTRA_HINT: Final = "install the extra: pip install 'voucherify-async[aiohttp]'"


def _running_library() -> str | None:
    try:
        return sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None


def _aiohttp_installed() -> bool:
    """Whether aiohttp >= 3.10 (the first with the timeout errors we map) is importable."""
    if importlib.util.find_spec("aiohttp") is None:
        return False
    from importlib import metadata  # ~10 ms to import: only when a client is built

    major, minor = (int(part) for part in metadata.version("aiohttp").split(".")[:2])
    return (major, minor) >= MIN_AIOHTTP


def resolve_backend(requested: str | None) -> Literal["httpx", "aiohttp"]:
    """Turn `http_backend=` (None: `$VOUCHERIFY_HTTP_BACKEND`, else "auto") into a transport name.

    Raises:
        ValueError: for an unknown name, or "aiohttp" under trio.
        ModuleNotFoundError: for "aiohttp" without the `aiohttp` extra installed.
    """
    backend = requested if requested is not None else os.environ.get(HTTP_BACKEND_ENV) or "auto"
    if backend not in _BACKENDS:
        raise ValueError(f"http_backend must be one of {_BACKENDS!r}, got {backend!r}")
    library = _running_library()
    if backend == "httpx":
        return "httpx"
    if backend == "auto":
        return "aiohttp" if library == "asyncio" and _aiohttp_installed() else "httpx"
    if library not in (None, "asyncio"):
        raise ValueError(f"http_backend='aiohttp' runs on asyncio only, not on {library}")
    if not _aiohttp_installed():
        raise ModuleNotFoundError(f"http_backend='aiohttp' needs aiohttp >= 3.10: {_EXTRA_HINT}")
    return "aiohttp"


def make_transport(
    requested: str | None, *, limits: httpx.Limits | None = None
) -> httpx.AsyncBaseTransport | None:
    """The transport for `http_backend=requested`, or None to let httpx build its own.

    Raises:
        ValueError: see `resolve_backend`.
        ModuleNotFoundError: see `resolve_backend`.
    """
    if resolve_backend(requested) == "httpx":
        return None
    from ._aiohttp import AiohttpTransport

    return AiohttpTransport(limits=limits)
