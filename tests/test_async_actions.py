"""client.async_actions: get one action, and wait for it with growing poll intervals."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from _conformance import Conformance

from voucherify_async import (
    APITimeoutError,
    AsyncActionRef,
    AsyncClient,
    NotFoundError,
)
from voucherify_async.async_actions import poll_intervals

EXAMPLES = Path(__file__).parent / "spec" / "examples"


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data


class ActionServer:
    """Answers GET /v1/async-actions/{id} with the given bodies in turn (the last repeats)."""

    def __init__(self, *bodies: dict[str, Any], status: int = 200) -> None:
        self.bodies = bodies
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = self.bodies[min(len(self.requests), len(self.bodies)) - 1]
        return httpx.Response(self.status, json=body)


def client_for(server: ActionServer) -> AsyncClient:
    return AsyncClient("app", "secret", transport=httpx.MockTransport(server), max_retries=0)


def in_progress(progress: int) -> dict[str, Any]:
    return {"id": "aa_1", "status": "IN_PROGRESS", "progress": progress}


async def test_get_sends_a_get_with_the_server_keys_and_decodes_the_action() -> None:
    server = ActionServer(example("get-async-action.200.CUSTOMERS.BULK_UPDATE.json"))
    async with client_for(server) as client:
        action = await client.async_actions.get("aa_0c5547cc5e17b617b6")
    request = server.requests[0]
    assert (request.method, request.url.path) == ("GET", "/v1/async-actions/aa_0c5547cc5e17b617b6")
    assert request.headers["X-App-Id"] == "app"
    assert request.headers["X-App-Token"] == "secret"
    assert (action.type, action.status, action.progress) == ("CUSTOMERS.BULK_UPDATE", "DONE", 100)
    assert action.result is not None
    assert action.result.done_count == 3


async def test_get_takes_the_ref_a_bulk_call_returned() -> None:
    server = ActionServer(example("get-async-action.200.CUSTOMERS.IMPORT_CSV.json"))
    async with client_for(server) as client:
        await client.async_actions.get(AsyncActionRef(async_action_id="aa_x"))
    assert server.requests[0].url.path == "/v1/async-actions/aa_x"


async def test_get_of_an_unknown_action_raises_not_found() -> None:
    server = ActionServer(example("get-async-action.404.json"), status=404)
    async with client_for(server) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.async_actions.get("aa_0aeb82bd55d5beffb")
    assert caught.value.resource_type == "async_action"


async def test_wait_polls_until_done_and_returns_the_finished_action() -> None:
    done = example("get-async-action.200.CUSTOMERS.BULK_UPDATE.json")
    server = ActionServer(in_progress(0), in_progress(50), done)
    async with client_for(server) as client:
        action = await client.async_actions.wait("aa_1", poll_interval=0.001)
    assert len(server.requests) == 3
    assert action.status == "DONE"


async def test_wait_returns_a_failed_action_with_its_result_instead_of_raising() -> None:
    failed = {
        "id": "aa_1",
        "type": "CUSTOMERS.IMPORT_CSV",
        "status": "FAILED",
        "result": {"failed_count": 1, "failed": [{"source_id": "x", "row": 2, "reason": "bad"}]},
    }
    server = ActionServer(in_progress(10), failed)
    async with client_for(server) as client:
        action = await client.async_actions.wait("aa_1", poll_interval=0.001)
    assert action.status == "FAILED"
    assert action.result is not None
    assert action.result.failed[0].reason == "bad"


async def test_wait_raises_api_timeout_naming_the_action_and_its_last_state() -> None:
    server = ActionServer(in_progress(40))
    async with client_for(server) as client:
        with pytest.raises(APITimeoutError) as caught:
            await client.async_actions.wait("aa_1", timeout=0.05, poll_interval=0.001)
    assert "aa_1" in str(caught.value)
    assert "IN_PROGRESS, 40%" in str(caught.value)
    assert caught.value.path == "/v1/async-actions/aa_1"


def test_poll_intervals_grow_by_half_up_to_ten_seconds() -> None:
    assert list(itertools.islice(poll_intervals(1.0), 8)) == [
        1.0,
        1.5,
        2.25,
        3.375,
        5.0625,
        7.59375,
        10.0,
        10.0,
    ]


def test_poll_intervals_keep_a_first_interval_above_the_cap() -> None:
    assert list(itertools.islice(poll_intervals(30.0), 2)) == [30.0, 30.0]


@pytest.mark.parametrize(("name", "value"), [("timeout", 0), ("poll_interval", -1)])
async def test_wait_refuses_a_non_positive_duration_before_polling(name: str, value: float) -> None:
    server = ActionServer(in_progress(0))
    async with client_for(server) as client:
        with pytest.raises(ValueError, match=name):
            await client.async_actions.wait("aa_1", **{name: value})
    assert server.requests == []


async def test_wait_follows_a_bulk_update_on_the_fake_to_done(
    voucherify_fake: Any, conformance: Conformance
) -> None:
    voucherify_fake.async_polls_before_done = 2
    async with AsyncClient(**conformance.client_kwargs(voucherify_fake)) as client:
        ref = await client.customers.update_in_bulk([{"source_id": "a", "name": "A"}])
        action = await client.async_actions.wait(ref, poll_interval=0.001)
    assert action.status == "DONE"
    assert action.type == "CUSTOMERS.BULK_UPDATE"
