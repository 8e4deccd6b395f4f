"""`AsyncPager`: one generic pager for every list endpoint, with a one-page-ahead prefetch.

An endpoint tells the pager two things, as a `Cursor` (see `_cursors.py`): how to read a page
(`fetch`, a coroutine taking query pairs) and how to build the next request from the page it
got (`Cursor.advance`). The pager does the rest, the same way for every endpoint:

- `limit` is the page size of every request; with `max_items` the request asks for no more than
  it still needs (when the cursor allows a smaller page), and no request is sent once
  `max_items` items have been received.
- Every filter the caller gave is part of every request: cursors only add or narrow parameters.
- A cursor that answers the same next request twice in a row raises `VoucherifyError` instead
  of looping forever (each cursor also remembers what its walk has seen: `_cursors.py`). Errors
  a cursor defers (a page cap reached, a server repeating itself) are raised after the items
  before them have been yielded, and again on every later step: a walk that could not finish
  never ends as if it had. Their message starts with `GET <path>:`, the endpoint walked.
- A request that fails (an API error after the retries, a timeout, a cancelled step) is sent
  again by the next step: iterating the same pager again retries the walk where it stopped.

Concurrency. Plain `async for item in pager` fetches each page when the previous one is used
up, in the caller's task: nothing runs between two steps of the loop, so breaking out of it, an
exception in its body or cancelling the task leaves nothing behind, and no `aclose()` is needed.

`async with pager:` adds the prefetch: a task group owned by the pager (entered by `__aenter__`,
left by `__aexit__`) runs one producer task that fetches page N+1 while the caller processes page
N, and hands pages over a zero-buffer memory object stream, so it is never more than one page
ahead (about two pages in memory). A failed request is handed over as a value and raised at the
point of the loop a sequential walk would have raised it; the producer stops there, and a
caller who iterates again goes on without prefetch, from the failed request. Leaving the block
(normally, by `break`, by an exception or by cancellation) or `await pager.aclose()` cancels
the producer and waits, shielded, until it has stopped, so no task, request or connection
outlives the block.
Nothing is ever yielded from inside a task group: the task group belongs to the pager object,
never to an async generator. (`contextlib.aclosing(pager)` works too, but only calls `aclose()`;
without `async with pager` there is no prefetch task to stop.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Self, TypeVar

import anyio

from ._cursors import Cursor, Query
from ._errors import VoucherifyError

if TYPE_CHECKING:  # at run time they load with the first prefetching walk (~4 ms at import)
    from anyio.abc import TaskStatus
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

__all__ = ["AsyncPager"]

T = TypeVar("T")
P = TypeVar("P")


class _Failure:
    """An exception raised by the producer task, handed to the consumer to raise in its turn."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class _Walk(Generic[P, T]):
    """Runs a cursor one request at a time, counting items against `max_items`."""

    def __init__(
        self,
        fetch: Callable[[Query], Awaitable[P]],
        cursor: Cursor[P, T],
        *,
        path: str,
        limit: int,
        max_items: int | None,
    ) -> None:
        self._fetch = fetch
        self._cursor = cursor
        self._path = path
        self._limit = limit
        self._remaining = max_items
        self._next: Query | VoucherifyError | None = cursor.start()
        self.requests = 0  # page requests sent (each call of `fetch`, failed ones included)
        self.total: int | None = None  # the first page's `total`
        self._answered = False

    async def next_page(self) -> list[T] | None:
        """Send the next request and return its new items, or `None` when the walk is over."""
        sent = self._next
        if sent is None or self._remaining == 0:
            return None
        if isinstance(sent, VoucherifyError):
            raise sent  # again on every call: an unfinished walk never looks finished
        asked = self._cursor.page_size(self._limit, self._remaining)
        # A request that fails (or is cancelled) leaves `_next` as it was: the next call
        # sends it again, so a caller can retry the walk where it stopped.
        self.requests += 1
        page = await self._fetch([("limit", str(asked)), *sent])
        if not self._answered:
            self._answered = True
            total = getattr(page, "total", None)  # list customers, activities, redeemables
            self.total = total if isinstance(total, int) else None
        try:
            items, following = self._cursor.advance(page, asked)
        except VoucherifyError as error:  # a page the cursor cannot read at all
            raise self._located(error) from None
        if following == sent:
            following = VoucherifyError(
                "the API answered the same cursor twice in a row "
                f"({_describe(sent)}); stopping instead of requesting the same page forever"
            )
        if isinstance(following, VoucherifyError):
            following = self._located(following)
        self._next = following
        if self._remaining is not None:
            items = items[: self._remaining]
            self._remaining -= len(items)
        return items

    def _located(self, error: VoucherifyError) -> VoucherifyError:
        """A cursor's error with the endpoint it walks in front (a cursor does not know it)."""
        if type(error) is VoucherifyError:
            return VoucherifyError(f"GET {self._path}: {error}")
        return error


def _describe(query: Query) -> str:
    return "&".join(f"{name}={value}" for name, value in query) or "no parameters"


class AsyncPager(Generic[T]):
    """An async iterator over every item of a list endpoint, page after page.

    Returned by `client.customers.iter_all()`, `iter_activity()`, `iter_activities()` and
    `iter_redeemables()`; creating it sends nothing. Each item is yielded once, in the server's
    order, and at most about two pages are held in memory whatever the total.

    ```python
    async for customer in client.customers.iter_all():      # one page at a time
        ...

    async with client.customers.iter_all() as pager:        # page N+1 fetched during page N
        async for customer in pager:
            ...

    async for page in client.customers.iter_all().pages():  # whole pages (lists of items)
        ...

    pager = await client.customers.iter_all().start()       # the first page now: its errors
    print(pager.total, pager.requests)                       # raise here, before you stream
    ```

    Breaking out of either loop, an exception in its body or cancelling the task leaves no task,
    request or connection behind. `aclose()` ends the walk early (idempotent).
    """

    def __init__(
        self,
        fetch: Callable[[Query], Awaitable[P]],
        cursor: Cursor[P, T],
        *,
        path: str,
        limit: int,
        max_items: int | None = None,
        ahead: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._walk: _Walk[P, T] = _Walk(fetch, cursor, path=path, limit=limit, max_items=max_items)
        self._ahead = ahead  # awaited before a prefetch: the client's rate-limit gate opening
        self._buffer: list[T] = []
        self._index = 0
        self._first: list[T] | None = None  # the page `start()` fetched, not yet iterated
        self._started = False  # a page has been received (or the walk is over)
        self._closed = False
        self._entered = False
        self._stack: AsyncExitStack | None = None
        self._receive: MemoryObjectReceiveStream[list[T] | _Failure] | None = None
        self._producer_scope: anyio.CancelScope | None = None
        self._producer_done: anyio.Event | None = None

    def __aiter__(self) -> Self:
        return self

    @property
    def total(self) -> int | None:
        """The number of matching items, as the API reported it on the first page.

        `None` before the first page has arrived and for endpoints whose pages carry no
        `total` (`iter_activity`). It is the API's count for the filters, not a promise of
        what the walk yields: `max_items` or a `starting_after` may stop it sooner.
        """
        return self._walk.total

    @property
    def requests(self) -> int:
        """How many page requests the walk has sent, the one in flight and failed ones included.

        Retries of one request by the client (`max_retries`) are not counted again.
        """
        return self._walk.requests

    async def start(self) -> Self:
        """Fetch the first page now, so its errors are raised here, before you stream.

        A web service calls it before it sends the status line of a streamed response: an
        `APIStatusError`, a timeout or a bad cursor then becomes the right status code instead
        of a `200` with a truncated body. Iterating then begins with that page, which is not
        fetched again. Idempotent: once a page has been received (by `start()` or by
        iterating), or after `aclose()`, it sends nothing. Works with and without
        `async with pager` (with it, the prefetch fetches the second page meanwhile).

        Returns:
            The pager itself, so `pager = await client.customers.iter_all().start()` reads well.

        Raises:
            VoucherifyError: what the first request raised; calling `start()` (or iterating)
                again sends it again.
        """
        if not self._started and not self._closed:
            self._first = await self._next_page()
        return self

    async def __anext__(self) -> T:
        while self._index >= len(self._buffer):
            page = await self._next_page()
            if page is None:
                raise StopAsyncIteration
            self._buffer, self._index = page, 0
        item = self._buffer[self._index]
        self._index += 1
        return item

    def pages(self) -> AsyncIterator[list[T]]:
        """Iterate whole pages: the new items of each request, in order (a page may be empty).

        Items already taken one by one from the current page are not repeated. Shares the
        pager's state, prefetch and `aclose()`.
        """
        return _Pages(self)

    async def _next_page(self) -> list[T] | None:
        if self._index < len(self._buffer):
            rest = self._buffer[self._index :]
            self._buffer, self._index = [], 0
            return rest
        self._buffer, self._index = [], 0
        if self._first is not None:
            first, self._first = self._first, None
            return first
        if self._closed:
            return None
        page = await self._receive_page()
        self._started = True
        return page

    async def _receive_page(self) -> list[T] | None:
        if self._receive is None:
            return await self._walk.next_page()
        try:
            page = await self._receive.receive()
        except anyio.EndOfStream:
            return None
        if isinstance(page, _Failure):
            # The producer has stopped: go on without prefetch, from the failed request.
            self._receive.close()
            self._receive = None
            raise page.error
        return page

    async def __aenter__(self) -> Self:
        """Start prefetching: one page is fetched ahead while the caller works on the current one.

        Raises:
            RuntimeError: if the pager was already entered or closed.
        """
        if self._entered or self._closed:
            raise RuntimeError("An AsyncPager can be entered once, and not after aclose().")
        self._entered = True
        send, receive = anyio.create_memory_object_stream[list[T] | _Failure](0)
        async with AsyncExitStack() as stack:
            stack.enter_context(receive)
            task_group = await stack.enter_async_context(anyio.create_task_group())
            self._producer_scope = anyio.CancelScope()
            self._producer_done = anyio.Event()
            # The producer owns the only send side: its end is the stream's end.
            await task_group.start(self._produce, send)
            self._receive = receive
            self._stack = stack.pop_all()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        """Stop the prefetch, wait until its task has ended, and leave the task group.

        The caller's exception propagates as it was raised: the task group, empty by now, is
        left as if the block had ended normally, so it cannot wrap the exception in an
        `ExceptionGroup` (`except ValueError:` around the block keeps working).
        """
        await self.aclose()
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.__aexit__(None, None, None)
        return False

    async def aclose(self) -> None:
        """End the walk: cancel a prefetch in flight and wait until it has stopped. Idempotent."""
        self._closed = True
        self._buffer, self._index, self._first = [], 0, None
        if self._producer_scope is not None and self._producer_done is not None:
            self._producer_scope.cancel()
            with anyio.CancelScope(shield=True):
                await self._producer_done.wait()
        if self._receive is not None:
            self._receive.close()

    async def _produce(
        self,
        send: MemoryObjectSendStream[list[T] | _Failure],
        *,
        task_status: TaskStatus[None],  # no default: `anyio.TASK_STATUS_IGNORED` loads anyio.abc
    ) -> None:
        assert self._producer_scope is not None
        assert self._producer_done is not None
        try:
            with send, self._producer_scope:
                task_status.started()
                ahead = False
                while True:
                    if ahead and self._ahead is not None:
                        await self._ahead()  # no fetching ahead of need while the window is spent
                    ahead = True
                    result: list[T] | _Failure | None
                    try:
                        result = await self._walk.next_page()
                    except Exception as error:  # handed to the consumer, raised there
                        result = _Failure(error)
                    if result is None:
                        return
                    try:
                        await send.send(result)
                    except anyio.BrokenResourceError:
                        return
                    if isinstance(result, _Failure):
                        return
        finally:
            self._producer_done.set()


class _Pages(Generic[T]):
    """`AsyncPager.pages()`: the same walk, one list per request."""

    def __init__(self, pager: AsyncPager[T]) -> None:
        self._pager = pager

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> list[T]:
        page = await self._pager._next_page()
        if page is None:
            raise StopAsyncIteration
        return page

    async def aclose(self) -> None:
        """End the walk, as `AsyncPager.aclose()`."""
        await self._pager.aclose()
