"""A client belongs to the event loop that first used it.

Its pool's connections, locks and (on aiohttp) session are tied to that loop: used from another
loop (a second `asyncio.run`, another `trio.run`) they fail deep inside asyncio with `Event loop is
closed`, and the first loop's sockets leak. `LoopBinding.check()` records the loop of the first
call and raises a clear `RuntimeError` on any other. When the first loop ends, the owned pool is
closed on it (through an async generator, which asyncio and trio both finalize while shutting a
loop down: PEP 525), so no socket outlives its loop.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable

import sniffio

__all__ = ["LoopBinding"]


def _current_loop() -> object:
    """The running asyncio loop, or trio's token for the running `trio.run`."""
    if sniffio.current_async_library() == "trio":
        import trio  # only ever under trio, where it is loaded already

        return trio.lowlevel.current_trio_token()
    import asyncio  # loaded already under asyncio; at import it would cost ~9 ms

    return asyncio.get_running_loop()


async def _close_at_loop_end(close: Callable[[], Awaitable[None]]) -> AsyncGenerator[None]:
    try:
        yield
    finally:
        await close()


class LoopBinding:
    """The event loop a client (and its `with_options` copies) is bound to."""

    def __init__(self) -> None:
        self._loop: weakref.ref[object] | None = None
        self._closer: AsyncGenerator[None] | None = None

    async def check(self, close_at_loop_end: Callable[[], Awaitable[None]] | None) -> None:
        """Bind to the running loop on the first call; refuse any other loop afterwards.

        Args:
            close_at_loop_end: closes the client's own pool; run on the bound loop as it shuts
                down (None for a caller's `http_client`, which is theirs to close).

        Raises:
            RuntimeError: the running loop is not the one the client is bound to.
        """
        loop = _current_loop()
        if self._loop is None:
            self._loop = weakref.ref(loop)
            if close_at_loop_end is not None:
                self._closer = _close_at_loop_end(close_at_loop_end)
                await self._closer.asend(None)  # started: the loop finalizes it at shutdown
            return
        if self._loop() is not loop:
            raise RuntimeError(
                "this AsyncClient belongs to the event loop that first used it (its connections "
                "live there), and that loop is gone or is not the running one; create one client "
                "per event loop, e.g. inside the asyncio.run() or trio.run() that uses it"
            )

    async def release(self) -> None:
        """Forget the loop-end hook (the pool was closed): nothing keeps the pool alive."""
        closer, self._closer = self._closer, None
        if closer is not None:
            await closer.aclose()
