"""customers.bulk_update: lazy chunks, bounded concurrency, failures that lose nothing."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest
from _conformance import Conformance

from voucherify_async import (
    AsyncAction,
    AsyncActionRef,
    AsyncClient,
    BadRequestError,
    BulkUpdateError,
    CustomerUpdate,
)
from voucherify_async.testing import FakeVoucherify

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def records(count: int, start: int = 0) -> Iterator[dict[str, Any]]:
    for index in range(start, start + count):
        yield {"source_id": f"src-{index}", "name": f"Customer {index}"}


class BulkServer:
    """A MockTransport handler that accepts bulk posts and records their bodies in order."""

    def __init__(self) -> None:
        self.bodies: list[list[dict[str, Any]]] = []
        self.fail_first_source_ids: set[str] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        self.release = anyio.Event()
        self.block = False

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        assert request.url.path == "/v1/customers/bulk/async"
        body = json.loads(request.content)
        self.bodies.append(body)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.block:
                await self.release.wait()
            else:
                await anyio.sleep(0.001 * (len(self.bodies) % 3))  # finish out of order
        finally:
            self.in_flight -= 1
        if body[0]["source_id"] in self.fail_first_source_ids:
            return httpx.Response(
                400,
                json={
                    "code": 400,
                    "key": "invalid_payload",
                    "message": "Invalid payload",
                    "request_id": "v-bad",
                },
            )
        return httpx.Response(202, json={"async_action_id": f"aa_{body[0]['source_id']}"})


def client_for(handler: Handler) -> AsyncClient:
    return AsyncClient("app", "secret", transport=httpx.MockTransport(handler), max_retries=0)


async def test_records_are_sent_in_chunks_of_batch_size_as_json_arrays() -> None:
    server = BulkServer()
    async with client_for(server) as client:
        await client.customers.bulk_update(records(250), max_concurrency=1)
    assert [len(body) for body in server.bodies] == [100, 100, 50]
    assert server.bodies[2][49] == {"source_id": "src-249", "name": "Customer 249"}


async def test_batch_size_sets_the_chunk_size() -> None:
    server = BulkServer()
    async with client_for(server) as client:
        await client.customers.bulk_update(records(7), batch_size=3)
    assert sorted(len(body) for body in server.bodies) == [1, 3, 3]


async def test_refs_are_returned_in_input_order_whatever_order_chunks_finish() -> None:
    server = BulkServer()
    async with client_for(server) as client:
        refs = await client.customers.bulk_update(records(1000), batch_size=50, max_concurrency=4)
    assert refs == [AsyncActionRef(async_action_id=f"aa_src-{i}") for i in range(0, 1000, 50)]


async def test_an_async_iterable_of_customer_updates_is_accepted() -> None:
    async def crm_export() -> AsyncIterator[CustomerUpdate]:
        for index in range(150):
            yield CustomerUpdate(source_id=f"src-{index}", email=f"c{index}@example.com")

    server = BulkServer()
    async with client_for(server) as client:
        refs = await client.customers.bulk_update(crm_export(), max_concurrency=1)
    assert len(refs) == 2
    assert server.bodies[1][0] == {"source_id": "src-100", "email": "c100@example.com"}


async def test_no_more_than_max_concurrency_chunks_are_in_flight() -> None:
    server = BulkServer()
    async with client_for(server) as client:
        await client.customers.bulk_update(records(2000), batch_size=10, max_concurrency=3)
    assert server.max_in_flight == 3
    assert len(server.bodies) == 200


async def test_a_huge_max_concurrency_starts_no_more_senders_than_chunks() -> None:
    # One sender task per chunk up to max_concurrency: 100,000 idle tasks would take ~100 MB.
    server = BulkServer()
    async with client_for(server) as client:
        tracemalloc.start()
        try:
            refs = await client.customers.bulk_update(records(250), max_concurrency=100_000)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert len(refs) == 3
    assert len(server.bodies) == 3
    assert peak < 5_000_000


async def test_records_are_read_only_as_far_as_the_free_senders_need() -> None:
    pulled = 0

    def counting() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for record in records(1_000_000):
            pulled += 1
            yield record

    server = BulkServer()
    server.block = True
    async with client_for(server) as client:
        with anyio.move_on_after(0.2):
            await client.customers.bulk_update(counting(), batch_size=100, max_concurrency=2)
    # Two chunks in flight, one more read and waiting for a sender: never the whole input.
    assert len(server.bodies) == 2
    assert pulled <= 3 * 100 + 1


async def test_an_empty_input_sends_nothing_and_returns_no_refs() -> None:
    server = BulkServer()
    async with client_for(server) as client:
        assert await client.customers.bulk_update([]) == []
    assert server.bodies == []


async def test_a_failed_chunk_names_its_record_range_and_the_refs_accepted_before_it() -> None:
    server = BulkServer()
    server.fail_first_source_ids = {"src-200"}
    async with client_for(server) as client:
        with pytest.raises(BulkUpdateError) as caught:
            await client.customers.bulk_update(records(1000), max_concurrency=1)
    error = caught.value
    assert (error.start, error.stop) == (200, 300)
    assert isinstance(error.__cause__, BadRequestError)
    assert error.refs == [
        AsyncActionRef(async_action_id="aa_src-0"),
        AsyncActionRef(async_action_id="aa_src-100"),
    ]
    assert [(c.start, c.stop) for c in error.succeeded] == [(0, 100), (100, 200)]
    assert "records 200..299" in str(error)
    assert "v-bad" in str(error.__cause__)


async def test_no_chunk_is_sent_after_a_failure() -> None:
    server = BulkServer()
    server.fail_first_source_ids = {"src-200"}
    async with client_for(server) as client:
        with pytest.raises(BulkUpdateError):
            await client.customers.bulk_update(records(1000), max_concurrency=1)
    assert [body[0]["source_id"] for body in server.bodies] == ["src-0", "src-100", "src-200"]


async def test_chunks_in_flight_when_another_fails_are_finished_and_reported() -> None:
    server = BulkServer()
    server.fail_first_source_ids = {"src-0"}
    async with client_for(server) as client:
        with pytest.raises(BulkUpdateError) as caught:
            await client.customers.bulk_update(records(1000), batch_size=10, max_concurrency=3)
    error = caught.value
    sent = {body[0]["source_id"] for body in server.bodies}
    accepted = {f"aa_{source_id}" for source_id in sent - {"src-0"}}
    assert {ref.async_action_id for ref in error.refs} == accepted
    assert (error.start, error.stop) == (0, 10)


async def test_a_malformed_record_is_reported_with_its_index_in_the_whole_input() -> None:
    def with_bad_record() -> Iterator[dict[str, Any]]:
        yield from records(250)
        yield {"name": "no source id"}
        yield from records(10, start=251)

    server = BulkServer()
    async with client_for(server) as client:
        with pytest.raises(BulkUpdateError) as caught:
            await client.customers.bulk_update(with_bad_record(), max_concurrency=1)
    assert (caught.value.start, caught.value.stop) == (200, 261)
    assert isinstance(caught.value.__cause__, ValueError)
    assert "records[250].source_id" in str(caught.value.__cause__)
    assert len(server.bodies) == 2


async def test_an_error_of_the_records_iterator_is_reported_after_the_accepted_chunks() -> None:
    def broken_export() -> Iterator[dict[str, Any]]:
        yield from records(150)
        raise OSError("CRM connection lost")

    server = BulkServer()
    async with client_for(server) as client:
        with pytest.raises(BulkUpdateError) as caught:
            await client.customers.bulk_update(broken_export(), max_concurrency=1)
    error = caught.value
    assert isinstance(error.__cause__, OSError)
    assert (error.start, error.stop) == (100, 151)
    assert error.refs == [AsyncActionRef(async_action_id="aa_src-0")]


@pytest.mark.parametrize(("name", "value"), [("batch_size", 0), ("batch_size", 101)])
async def test_a_batch_size_outside_1_to_100_is_refused_before_sending(
    name: str, value: int
) -> None:
    server = BulkServer()
    async with client_for(server) as client:
        with pytest.raises(ValueError, match=name):
            await client.customers.bulk_update(records(10), **{name: value})
    assert server.bodies == []


async def test_a_max_concurrency_below_1_is_refused() -> None:
    server = BulkServer()
    async with client_for(server) as client:
        with pytest.raises(ValueError, match="max_concurrency"):
            await client.customers.bulk_update(records(10), max_concurrency=0)


async def test_a_single_mapping_instead_of_records_is_refused() -> None:
    server = BulkServer()
    async with client_for(server) as client:
        with pytest.raises(TypeError, match="not a single record"):
            await client.customers.bulk_update({"source_id": "x"})


async def test_cancelling_the_caller_cancels_the_chunks_in_flight() -> None:
    server = BulkServer()
    server.block = True
    async with client_for(server) as client:
        with anyio.move_on_after(0.1) as scope:
            await client.customers.bulk_update(records(1000), max_concurrency=4)
    assert scope.cancelled_caught
    assert server.in_flight == 0


async def test_all_records_reach_the_fake_and_wait_returns_finished_actions(
    conformance: Conformance,
) -> None:
    fake = FakeVoucherify()
    async with AsyncClient(**conformance.client_kwargs(fake)) as client:
        actions = await client.customers.bulk_update(records(450), wait=True)
        customer = await client.customers.get("src-449")
    assert all(isinstance(action, AsyncAction) for action in actions)
    assert [action.status for action in actions] == ["DONE"] * 5
    assert sum(action.result.done_count for action in actions if action.result) == 450
    assert customer.name == "Customer 449"


async def test_each_record_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import voucherify_async._bodies as bodies

    encoded: list[object] = []
    encode = bodies.unstructure_request

    def counting(record: Any) -> dict[str, Any]:
        encoded.append(record)
        return encode(record)

    monkeypatch.setattr(bodies, "unstructure_request", counting)
    server = BulkServer()
    async with client_for(server) as client:
        await client.customers.bulk_update(records(250), batch_size=100)
    assert len(encoded) == 250
    assert [len(body) for body in server.bodies] == [100, 100, 50]
