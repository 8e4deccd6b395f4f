"""`bulk_update`: any number of customer records, sent as bounded, concurrent 100-record chunks.

The records are read lazily, one chunk at a time, only when a sender is free: memory holds at most
`max_concurrency + 1` chunks, whatever the total. A failure stops the sending of new chunks, lets
the chunks already in flight finish (so their outcome is known, not guessed), and is raised as a
`BulkUpdateError` that says which records failed and which chunks were accepted.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import anyio.lowlevel
import attrs
from anyio.abc import ObjectReceiveStream, ObjectSendStream

from ._bodies import MAX_BULK_RECORDS, BulkRecord, BulkRecords, bulk_body, check_records
from ._errors import BulkUpdateError
from ._models import AsyncAction, AsyncActionRef, BulkChunk, BulkChunkFailure
from ._params import check_int_range

__all__ = ["ChunkSender", "Waiter", "bulk_update"]

ChunkSender = Callable[[list[dict[str, Any]]], Awaitable[AsyncActionRef]]
"""Sends one encoded chunk (`POST /v1/customers/bulk/async`) and returns its async action."""

Waiter = Callable[[AsyncActionRef], Awaitable[AsyncAction]]
"""Waits for a chunk's async action to finish (`AsyncActions.wait`)."""


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
    send: ChunkSender,
    records: BulkRecords,
    *,
    batch_size: int = MAX_BULK_RECORDS,
    max_concurrency: int = 4,
    wait: Waiter | None = None,
) -> list[BulkChunk]:
    """Send `records` as `update_in_bulk` chunks; see `Customers.bulk_update`.

    Args:
        send: sends one encoded chunk and returns its async action.
        records: the records, read lazily one chunk at a time.
        batch_size: records per chunk, 1..100.
        max_concurrency: how many chunks are in flight at once.
        wait: when given, awaited with each accepted chunk's action ref.

    Returns:
        The accepted chunks in input order.

    Raises:
        BulkUpdateError: a chunk failed; nothing is lost silently.
    """
    check_int_range(batch_size, "batch_size", 1, MAX_BULK_RECORDS)
    check_int_range(max_concurrency, "max_concurrency", 1, None)
    check_records(records, asynchronous=True)
    outcome = _Outcome()
    chunks_out, chunks_in = anyio.create_memory_object_stream[_Chunk](0)

    async def sender(chunks: ObjectReceiveStream[_Chunk]) -> None:
        async with chunks:
            async for chunk in chunks:
                if not outcome.failed:
                    await _send_chunk(send, wait, chunk, outcome)

    def add_sender() -> None:
        tg.start_soon(sender, chunks_in.clone())

    async with anyio.create_task_group() as tg, chunks_in, chunks_out:
        iterator = _aiter(records)
        try:
            await _produce(iterator, batch_size, chunks_out, outcome, add_sender, max_concurrency)
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
    send: ChunkSender, wait: Waiter | None, chunk: _Chunk, outcome: _Outcome
) -> None:
    """Send one chunk (and wait for its action); record the outcome instead of raising."""
    ref: AsyncActionRef | None = None
    try:
        # Checked here with their index in the whole input, so an error names the right record.
        ref = await send(bulk_body(chunk.records, start=chunk.start))
        action = await wait(ref) if wait is not None else None
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
    add_sender: Callable[[], None],
    max_senders: int,
) -> None:
    """Read the records a chunk at a time, each only once a sender is free to take it.

    A sender task is added with each of the first `max_senders` chunks, so there are never more
    senders than chunks, whatever `max_concurrency` says.
    """
    start = 0
    senders = 0
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
            if senders < max_senders:
                add_sender()
                senders += 1
            await send.send(_Chunk(start, batch))
            start += len(batch)


async def _aiter(records: BulkRecords) -> AsyncGenerator[BulkRecord, None]:
    if isinstance(records, AsyncIterable):
        async for record in records:
            yield record
        return
    for count, record in enumerate(records, 1):
        yield record
        if count % MAX_BULK_RECORDS == 0:
            # A sync iterator never yields to the event loop by itself: let other tasks run.
            await anyio.lowlevel.checkpoint()
