"""`bulk_update`: any number of customer records, sent as bounded, concurrent 100-record chunks.

The records are read lazily, one chunk at a time, only when a sender is free: memory holds at most
`max_concurrency + 1` chunks, whatever the total. A failure stops the sending of new chunks, lets
the chunks already in flight finish (so their outcome is known, not guessed), and is raised as a
`BulkUpdateError` that says which records failed and which chunks were accepted.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import anyio
import anyio.lowlevel
import attrs
from anyio.abc import ObjectReceiveStream, ObjectSendStream

from ._errors import VoucherifyError
from ._models import AsyncAction, AsyncActionRef, CustomerUpdate
from .customers import _bulk_record

if TYPE_CHECKING:
    from .async_actions import AsyncActions
    from .customers import Customers

__all__ = ["BulkChunk", "BulkChunkFailure", "BulkRecord", "BulkUpdateError", "bulk_update"]

MAX_BATCH_SIZE: Final = 100

BulkRecord = CustomerUpdate | Mapping[str, Any]
"""One record of a bulk update: a `CustomerUpdate` or a mapping with a `source_id`."""


@attrs.frozen(kw_only=True)
class BulkChunk:
    """One chunk that the API accepted: records `start` (inclusive) to `stop` (exclusive).

    Attributes:
        start: the index of the chunk's first record in the input.
        stop: one past the index of its last record.
        ref: the async action the API started for it.
        action: the finished action, when `bulk_update(wait=True)` waited for it.
    """

    start: int
    stop: int
    ref: AsyncActionRef
    action: AsyncAction | None = None


@attrs.frozen(kw_only=True)
class BulkChunkFailure:
    """One chunk that failed: records `start` (inclusive) to `stop` (exclusive).

    Attributes:
        start: the index of the chunk's first record in the input.
        stop: one past the index of its last record.
        error: what went wrong (an `APIStatusError`, `APIConnectionError`, a `ValueError` for a
            malformed record, or whatever the records' iterator raised).
        ref: the chunk's async action when the API accepted it but waiting for it failed, else
            None (the chunk was not accepted).
    """

    start: int
    stop: int
    error: Exception
    ref: AsyncActionRef | None = None


class BulkUpdateError(VoucherifyError):
    """Raised by `bulk_update` when a chunk fails; says what failed and what was accepted.

    When a chunk fails no further chunk is sent; the chunks already in flight are finished. Every
    record before `start` was accepted. The records of `succeeded` were accepted too (including
    chunks after the failed one that were in flight); all others were not.

    Attributes:
        start: the index of the first record of the first failed chunk.
        stop: one past the index of its last record.
        succeeded: the accepted chunks, in input order, each with its range and async action.
        failures: every failed chunk, in input order (the first is the one `start`/`stop` name).
        refs: the async action refs of the accepted chunks, in input order.
    """

    def __init__(self, succeeded: list[BulkChunk], failures: list[BulkChunkFailure]) -> None:
        self.succeeded = succeeded
        self.failures = failures
        first = failures[0]
        self.start = first.start
        self.stop = first.stop
        accepted = sum(chunk.stop - chunk.start for chunk in succeeded)
        super().__init__(
            f"bulk_update failed on records {first.start}..{first.stop - 1}: "
            f"{type(first.error).__name__}: {first.error}; "
            f"{len(succeeded)} chunk(s) ({accepted} records) were accepted, "
            f"{len(failures)} chunk(s) failed, later records were not sent"
        )
        self.__cause__ = first.error

    @property
    def refs(self) -> list[AsyncActionRef]:
        """The async action refs of the accepted chunks, in input order."""
        return [chunk.ref for chunk in self.succeeded]


@attrs.define
class _Chunk:
    start: int
    records: list[BulkRecord]

    @property
    def stop(self) -> int:
        return self.start + len(self.records)


@attrs.define
class _Outcome:
    succeeded: dict[int, BulkChunk] = attrs.field(factory=dict)
    failures: dict[int, BulkChunkFailure] = attrs.field(factory=dict)

    def fail(self, failure: BulkChunkFailure) -> None:
        self.failures[failure.start] = failure

    @property
    def failed(self) -> bool:
        return bool(self.failures)


async def bulk_update(
    customers: Customers,
    actions: AsyncActions,
    records: Iterable[BulkRecord] | AsyncIterable[BulkRecord],
    *,
    batch_size: int = MAX_BATCH_SIZE,
    max_concurrency: int = 4,
    wait: bool = False,
) -> list[BulkChunk]:
    """Send `records` as `update_in_bulk` chunks; see `Customers.bulk_update`.

    Returns:
        The accepted chunks in input order.

    Raises:
        BulkUpdateError: a chunk failed; nothing is lost silently.
    """
    _check_int(batch_size, "batch_size", 1, MAX_BATCH_SIZE)
    _check_int(max_concurrency, "max_concurrency", 1, None)
    if isinstance(records, Mapping | str | bytes):
        raise TypeError("records must be an iterable of records, not a single record")
    outcome = _Outcome()
    send, receive = anyio.create_memory_object_stream[_Chunk](0)

    async def sender(chunks: ObjectReceiveStream[_Chunk]) -> None:
        async with chunks:
            async for chunk in chunks:
                if not outcome.failed:
                    await _send_chunk(customers, actions, chunk, outcome, wait=wait)

    async with anyio.create_task_group() as tg:
        async with receive:
            for _ in range(max_concurrency):
                tg.start_soon(sender, receive.clone())
        async with send:
            iterator = _aiter(records)
            try:
                await _produce(iterator, batch_size, send, outcome)
            finally:
                with anyio.CancelScope(shield=True):
                    await iterator.aclose()
    if outcome.failures:
        raise BulkUpdateError(
            [outcome.succeeded[key] for key in sorted(outcome.succeeded)],
            [outcome.failures[key] for key in sorted(outcome.failures)],
        )
    return [outcome.succeeded[key] for key in sorted(outcome.succeeded)]


async def _send_chunk(
    customers: Customers, actions: AsyncActions, chunk: _Chunk, outcome: _Outcome, *, wait: bool
) -> None:
    """Send one chunk (and wait for its action); record the outcome instead of raising."""
    ref: AsyncActionRef | None = None
    try:
        # Checked here with their index in the whole input, so an error names the right record.
        body = [_bulk_record(record, chunk.start + i) for i, record in enumerate(chunk.records)]
        ref = await customers.update_in_bulk(body)
        action = await actions.wait(ref) if wait else None
    except Exception as exc:
        outcome.fail(BulkChunkFailure(start=chunk.start, stop=chunk.stop, error=exc, ref=ref))
        return
    outcome.succeeded[chunk.start] = BulkChunk(
        start=chunk.start, stop=chunk.stop, ref=ref, action=action
    )


async def _produce(
    records: AsyncIterator[BulkRecord],
    size: int,
    send: ObjectSendStream[_Chunk],
    outcome: _Outcome,
) -> None:
    """Read the records a chunk at a time, each only once a sender is free to take it."""
    start = 0
    exhausted = False
    while not exhausted and not outcome.failed:
        batch: list[BulkRecord] = []
        try:
            while len(batch) < size:
                batch.append(await anext(records))
        except StopAsyncIteration:
            exhausted = True
        except Exception as exc:  # the caller's iterator failed: report where
            outcome.fail(BulkChunkFailure(start=start, stop=start + len(batch) + 1, error=exc))
            return
        if batch:
            await send.send(_Chunk(start, batch))
            start += len(batch)


async def _aiter(
    records: Iterable[BulkRecord] | AsyncIterable[BulkRecord],
) -> AsyncGenerator[BulkRecord, None]:
    if isinstance(records, AsyncIterable):
        async for record in records:
            yield record
        return
    for count, record in enumerate(records, 1):
        yield record
        if count % MAX_BATCH_SIZE == 0:
            # A sync iterator never yields to the event loop by itself: let other tasks run.
            await anyio.lowlevel.checkpoint()


def _check_int(value: object, name: str, low: int, high: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {value}")
