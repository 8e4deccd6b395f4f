"""Caller input that JSON or the API cannot carry faithfully is refused before anything is sent.

- Bodies: a naive `datetime` (it would be shifted by the machine's UTC offset) or a NaN/±Infinity
  float (invalid JSON) anywhere in a request body raises `ValueError` naming the parameter and the
  key path (`metadata.nested.v`, `records[3].metadata.x`); years below 1000 go as four digits.
- Durations: NaN, negative, zero and meaningless infinite durations (`wait`'s `poll_interval`,
  `timeout`, the client's `timeout`) raise `ValueError` naming the parameter; an infinite
  `timeout` means "no limit".
- `async_actions.wait()` ends at any status but the pending ones (`ENQUEUED`, `ACCEPTED`,
  `IN_PROGRESS`) and returns the action as it is, a status the SDK does not know included.
"""

from __future__ import annotations

import enum
import json
import math
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from voucherify_async import AsyncAction, AsyncClient, BulkUpdateError, CustomerUpdate
from voucherify_async.cli import main
from voucherify_async.testing._bulk import FakeAsyncActions

Call = Callable[[AsyncClient], Awaitable[Any]]

NAIVE = datetime(2024, 1, 1, 12, 0)
BAD_VALUES: dict[str, object] = {
    "naive datetime": NAIVE,
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
}


class Recorder:
    """A MockTransport handler answering every endpoint these tests call, recording requests."""

    def __init__(self, *statuses: str) -> None:
        self.requests: list[httpx.Request] = []
        self.statuses = statuses or ("DONE",)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path.endswith("/async") or path.endswith("/importCSV"):
            return httpx.Response(202, json={"async_action_id": f"aa_{len(self.requests)}"})
        if path.startswith("/v1/async-actions/"):
            polls = sum(r.url.path.startswith("/v1/async-actions/") for r in self.requests)
            status = self.statuses[min(polls, len(self.statuses)) - 1]
            return httpx.Response(200, json={"id": path.rsplit("/", 1)[1], "status": status})
        if path == "/v1/customers" and request.method == "GET":
            return httpx.Response(200, json={"object": "list", "customers": [], "has_more": False})
        return httpx.Response(200, json={"id": "cust_1", "object": "customer"})

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        "app", "secret", transport=httpx.MockTransport(recorder), max_retries=0
    ) as c:
        yield c


def four_records(bad: object) -> Iterator[dict[str, Any]]:
    for index in range(3):
        yield {"source_id": f"s{index}", "metadata": {"x": 1.5}}
    yield {"source_id": "s3", "metadata": {"x": bad}}


# Each call puts the bad value somewhere deep in one body; the key path the error must name.
BODY_CALLS: dict[str, tuple[Callable[[object], Call], str]] = {
    "create metadata": (
        lambda v: lambda c: c.customers.create(source_id="a", metadata={"nested": {"v": v}}),
        "metadata.nested.v",
    ),
    "update metadata list": (
        lambda v: lambda c: c.customers.update("a", metadata={"tags": ["x", v]}),
        "metadata.tags[1]",
    ),
    "update address": (
        lambda v: lambda c: c.customers.update("a", address={"city": "Oslo", "geo": {"lat": v}}),
        "address.geo.lat",
    ),
    "update_in_bulk mapping": (
        lambda v: lambda c: c.customers.update_in_bulk(four_records(v)),
        "records[3].metadata.x",
    ),
    "update_in_bulk CustomerUpdate": (
        lambda v: (
            lambda c: c.customers.update_in_bulk(
                [CustomerUpdate(source_id="s", metadata={"deep": [{"x": v}]})]
            )
        ),
        "records[0].metadata.deep[0].x",
    ),
    "update_metadata_in_bulk": (
        lambda v: lambda c: c.customers.update_metadata_in_bulk(["a"], {"nested": {"v": v}}),
        "metadata.nested.v",
    ),
}


class Opaque:
    """An object of the caller's own that JSON has no form for."""


# json.dumps raises deep in the client for these (bytes would go as base85, a set in no order).
NOT_JSON: dict[str, object] = {
    "Decimal": Decimal("1.10"),
    "custom class": Opaque(),
    "set": {"a", "b"},
    "bytes": b"raw",
    "complex": 1j,
}
# A value JSON cannot carry faithfully: ValueError; a type JSON has no form for: TypeError.
REFUSED: dict[str, tuple[object, type[Exception]]] = {
    **{name: (value, ValueError) for name, value in BAD_VALUES.items()},
    **{name: (value, TypeError) for name, value in NOT_JSON.items()},
}


@pytest.mark.parametrize("bad", sorted(REFUSED))
@pytest.mark.parametrize("call", sorted(BODY_CALLS))
async def test_a_value_json_cannot_carry_is_refused_naming_its_key_path(
    client: AsyncClient, recorder: Recorder, call: str, bad: str
) -> None:
    make_call, path = BODY_CALLS[call]
    value, error = REFUSED[bad]

    with pytest.raises(error) as caught:
        await make_call(value)(client)

    assert path in str(caught.value)
    assert recorder.requests == []


async def test_a_mapping_key_json_cannot_carry_is_refused_naming_its_path(
    client: AsyncClient, recorder: Recorder
) -> None:
    with pytest.raises(TypeError, match=r"metadata\.nested.*tuple key"):
        await client.customers.create(source_id="a", metadata={"nested": {(1, 2): "x"}})
    with pytest.raises(ValueError, match=r"metadata\.nan .*finite"):
        await client.customers.create(source_id="a", metadata={math.nan: "x"})

    assert recorder.requests == []


async def test_a_body_that_contains_itself_or_nests_too_deep_is_refused_naming_the_parameter(
    client: AsyncClient, recorder: Recorder
) -> None:
    looped: dict[str, object] = {}
    looped["self"] = looped
    deep: list[object] = []
    for _ in range(5_000):
        deep = [deep]

    with pytest.raises(ValueError, match=r"metadata.*contains itself"):
        await client.customers.create(source_id="a", metadata=looped)
    with pytest.raises(ValueError, match=r"metadata.*nests deeper"):
        await client.customers.update("a", metadata={"deep": deep})
    with pytest.raises(ValueError, match=r"records\[0\].*nests deeper"):
        await client.customers.update_in_bulk([{"source_id": "s", "metadata": {"d": deep}}])

    assert recorder.requests == []


async def test_dates_str_enums_and_int_keys_in_a_body_go_as_json_strings_and_values(
    client: AsyncClient, recorder: Recorder
) -> None:
    class Tier(enum.StrEnum):
        GOLD = "gold"

    await client.customers.update(
        "a",
        address={"city": "Oslo", "since": date(2020, 1, 2)},
        metadata={"tier": Tier.GOLD, 7: "seven", "tags": ("x", "y")},
    )

    assert recorder.body() == {
        "address": {"city": "Oslo", "since": "2020-01-02"},
        "metadata": {"tier": "gold", "7": "seven", "tags": ["x", "y"]},
    }


async def test_a_plain_enum_member_in_a_body_is_refused_naming_its_key_path(
    client: AsyncClient, recorder: Recorder
) -> None:
    class Tier(enum.Enum):  # no JSON form: its value could be anything
        GOLD = "gold"

    with pytest.raises(TypeError, match=r"metadata\.tier .*Tier"):
        await client.customers.update("a", metadata={"tier": Tier.GOLD})

    assert recorder.requests == []


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("method", ["list_redeemables", "iter_redeemables"])
async def test_a_non_finite_float_in_redeemable_filters_is_refused_naming_its_key_path(
    client: AsyncClient, recorder: Recorder, method: str, bad: float
) -> None:
    filters = {"holder_role": {"conditions": {"$in": ["OWNER", bad]}}}

    async def call() -> object:
        if method == "list_redeemables":
            return await client.customers.list_redeemables("cust_1", filters=filters)
        return await client.customers.iter_redeemables("cust_1", filters=filters).start()

    with pytest.raises(ValueError, match=r"filters\[holder_role\]\[conditions\]\[\$in\]\[1\]"):
        await call()

    assert recorder.requests == []


async def test_redeemable_filters_refuse_a_loop_and_send_an_enum_as_its_value(
    client: AsyncClient, recorder: Recorder
) -> None:
    class Role(enum.Enum):  # str() of a member is `Role.OWNER`, not its value
        OWNER = "OWNER"

    looped: dict[str, object] = {}
    looped["again"] = looped
    with pytest.raises(ValueError, match=r"filters.*contains itself"):
        await client.customers.list_redeemables("cust_1", filters={"x": looped})
    assert recorder.requests == []

    await client.customers.list_redeemables("cust_1", filters={"holder_role": Role.OWNER})

    assert recorder.requests[0].url.params["filters[holder_role]"] == "OWNER"


async def test_a_naive_datetime_is_refused_not_shifted_by_the_local_offset(
    client: AsyncClient, recorder: Recorder
) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await client.customers.create(source_id="a", metadata={"signed_up": NAIVE})

    assert recorder.requests == []


async def test_bulk_update_refuses_the_chunk_holding_a_bad_value_naming_the_record(
    client: AsyncClient, recorder: Recorder
) -> None:
    with pytest.raises(BulkUpdateError) as caught:
        await client.customers.bulk_update(four_records(math.nan), batch_size=2, max_concurrency=1)

    assert (caught.value.start, caught.value.stop) == (2, 4)
    assert isinstance(caught.value.__cause__, ValueError)
    assert "records[3].metadata.x" in str(caught.value.__cause__)
    assert [len(json.loads(r.content)) for r in recorder.requests] == [2]


async def test_aware_datetimes_in_a_body_go_as_utc_with_four_digit_years(
    client: AsyncClient, recorder: Recorder
) -> None:
    plus_two = timezone(timedelta(hours=2))
    metadata = {
        "old": datetime(999, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC),
        "ancient": datetime(5, 6, 7, tzinfo=UTC),
        "local": datetime(2024, 1, 1, 12, 0, tzinfo=plus_two),
        "finite": 1.5,
    }

    await client.customers.create(source_id="a", metadata=metadata)

    assert recorder.body()["metadata"] == {
        "old": "0999-01-02T03:04:05.678Z",
        "ancient": "0005-06-07T00:00:00.000Z",
        "local": "2024-01-01T10:00:00.000Z",
        "finite": 1.5,
    }


async def test_a_query_datetime_before_year_1000_goes_as_four_digits(
    client: AsyncClient, recorder: Recorder
) -> None:
    await client.customers.list(created_at_after=datetime(999, 12, 31, tzinfo=UTC))

    assert recorder.requests[0].url.params["created_at[after]"] == "0999-12-31T00:00:00.000Z"


async def test_a_datetime_outside_the_utc_calendar_is_refused_naming_its_path(
    client: AsyncClient, recorder: Recorder
) -> None:
    too_early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))  # year 0 in UTC

    with pytest.raises(ValueError, match=r"metadata\.first"):
        await client.customers.create(source_id="a", metadata={"first": too_early})
    with pytest.raises(ValueError, match="created_at_after"):
        await client.customers.list(created_at_after=too_early)

    assert recorder.requests == []


async def test_the_client_never_encodes_nan_as_json_whatever_reaches_it(
    client: AsyncClient, recorder: Recorder
) -> None:
    # The last line of defence, below the checks of each body (`_send` is the one request path).
    with pytest.raises(ValueError, match="JSON"):
        await client._send("POST", "/v1/customers", json_body={"x": [math.nan]})

    assert recorder.requests == []


# --- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("poll_interval", math.nan),
        ("poll_interval", math.inf),
        ("poll_interval", -math.inf),
        ("timeout", math.nan),
        ("timeout", -math.inf),
        ("timeout", -1.0),
    ],
)
async def test_wait_refuses_a_meaningless_duration_before_polling(
    client: AsyncClient, recorder: Recorder, name: str, value: float
) -> None:
    with pytest.raises(ValueError, match=name):
        await client.async_actions.wait("aa_1", **{name: value})

    assert recorder.requests == []


@pytest.mark.parametrize("name", ["poll_interval", "timeout"])
async def test_wait_refuses_a_duration_that_is_not_a_number(
    client: AsyncClient, recorder: Recorder, name: str
) -> None:
    with pytest.raises(TypeError, match=name):
        await client.async_actions.wait("aa_1", **{name: "5"})

    assert recorder.requests == []


async def test_wait_with_an_infinite_timeout_waits_as_long_as_it_takes() -> None:
    recorder = Recorder("IN_PROGRESS", "IN_PROGRESS", "DONE")
    async with AsyncClient("app", "secret", transport=httpx.MockTransport(recorder)) as client:
        action = await client.async_actions.wait("aa_1", timeout=math.inf, poll_interval=0.001)

    assert action.status == "DONE"
    assert len(recorder.requests) == 3


@pytest.mark.parametrize("value", [math.nan, -1.0, 0.0, -math.inf, httpx.Timeout(5, read=math.nan)])
def test_the_client_refuses_a_meaningless_timeout(value: object) -> None:
    with pytest.raises(ValueError, match="timeout"):
        AsyncClient("app", "secret", timeout=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [math.nan, -1.0, 0.0])
async def test_with_options_refuses_a_meaningless_timeout(
    client: AsyncClient, value: float
) -> None:
    with pytest.raises(ValueError, match="timeout"):
        client.with_options(timeout=value)


def test_the_client_refuses_a_timeout_that_is_not_a_number() -> None:
    with pytest.raises(TypeError, match="timeout"):
        AsyncClient("app", "secret", timeout="30")  # type: ignore[arg-type]


async def test_an_infinite_client_timeout_means_no_timeout(recorder: Recorder) -> None:
    async with AsyncClient(
        "app", "secret", transport=httpx.MockTransport(recorder), timeout=math.inf
    ) as client:
        customer = await client.with_options(timeout=math.inf).customers.get("a")

    assert client.timeout == httpx.Timeout(None)
    assert customer.id == "cust_1"
    assert recorder.requests[0].extensions["timeout"]["read"] is None


@pytest.mark.parametrize("name", ["batch_size", "max_concurrency"])
async def test_bulk_update_refuses_a_nan_count_before_reading_a_record(
    client: AsyncClient, recorder: Recorder, name: str
) -> None:
    read: list[int] = []

    def records() -> Iterator[dict[str, Any]]:
        read.append(1)
        yield {"source_id": "s"}

    with pytest.raises(TypeError, match=name):
        await client.customers.bulk_update(records(), **{name: math.nan})

    assert (read, recorder.requests) == ([], [])


def test_the_client_refuses_a_nan_max_concurrency() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        AsyncClient("app", "secret", max_concurrency=math.nan)  # type: ignore[arg-type]


def test_the_import_command_refuses_a_nan_timeout_before_uploading(tmp_path: Path) -> None:
    csv = tmp_path / "in.csv"
    csv.write_text("Source_id\ns1\n")
    script = Path(sys.executable).with_name("voucherify-async")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOUCHERIFY_")}

    done = subprocess.run(
        [str(script), "--fake", "customers", "import", str(csv), "--wait", "--timeout", "nan"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 2
    assert "--timeout" in done.stderr
    assert done.stdout == ""  # no async action id: nothing was uploaded


def test_an_import_whose_action_ends_in_an_unknown_status_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def canceled(self: object, action_id: str) -> dict[str, Any]:
        return {"id": action_id, "status": "CANCELED", "object": "async_action"}

    monkeypatch.setattr(FakeAsyncActions, "get", canceled)
    csv = tmp_path / "in.csv"
    csv.write_text("Source_id\ns1\n")

    with pytest.raises(SystemExit) as exited:
        main(["--fake", "customers", "import", str(csv), "--wait"])

    assert exited.value.code == 1
    assert "CANCELED: 0 imported, 0 failed" in capsys.readouterr().err


# --- async action statuses -------------------------------------------------------------------


async def test_wait_returns_an_action_whose_status_it_does_not_know() -> None:
    recorder = Recorder("IN_PROGRESS", "CANCELED")
    async with AsyncClient("app", "secret", transport=httpx.MockTransport(recorder)) as client:
        action = await client.async_actions.wait("aa_1", timeout=5, poll_interval=0.001)

    assert action.status == "CANCELED"
    assert len(recorder.requests) == 2


async def test_wait_keeps_polling_through_the_pending_statuses() -> None:
    recorder = Recorder("ENQUEUED", "ACCEPTED", "IN_PROGRESS", "DONE")
    async with AsyncClient("app", "secret", transport=httpx.MockTransport(recorder)) as client:
        action = await client.async_actions.wait("aa_1", timeout=5, poll_interval=0.001)

    assert action.status == "DONE"
    assert len(recorder.requests) == 4


@pytest.mark.parametrize(
    ("status", "finished"),
    [
        ("DONE", True),
        ("FAILED", True),
        ("CANCELED", True),
        ("ENQUEUED", False),
        ("ACCEPTED", False),
        ("IN_PROGRESS", False),
        (None, False),
    ],
)
def test_an_action_is_finished_at_any_status_but_a_pending_one(
    status: str | None, finished: bool
) -> None:
    assert AsyncAction(status=status).finished is finished


LONE = "\ud800"  # a lone surrogate: a str no URL or UTF-8 body can carry


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda c: c.customers.get(LONE), "customer_id"),
        (lambda c: c.customers.list(email=f"a{LONE}@b.c"), "email"),
        (
            lambda c: c.customers.list_activity("cust_1", starting_after_id=LONE),
            "starting_after_id",
        ),
        (lambda c: c.customers.create(source_id="a", metadata={"v": LONE}), "metadata.v"),
        (lambda c: c.customers.create(source_id="a", metadata={LONE: 1}), "metadata."),
        (lambda c: c.customers.update("a", name=LONE), "name"),
        (lambda c: c.async_actions.get(LONE), "async_action_id"),
    ],
    ids=["path", "query", "cursor", "metadata value", "metadata key", "field", "action id"],
)
async def test_a_lone_surrogate_is_refused_naming_the_parameter_before_sending(
    client: AsyncClient, recorder: Recorder, call: Call, name: str
) -> None:
    with pytest.raises(ValueError, match="lone surrogate") as caught:
        await call(client)

    assert name in str(caught.value)
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda c: c.async_actions.wait(None), TypeError, "ref_or_id"),
        (lambda c: c.async_actions.wait(""), ValueError, "ref_or_id"),
        (lambda c: c.async_actions.get(7), TypeError, "async_action_id"),
        (lambda c: c.customers.update_in_bulk(None), TypeError, "records"),
        (lambda c: c.customers.bulk_update(42), TypeError, "records"),
        (lambda c: c.customers.update_metadata_in_bulk(None, {}), TypeError, "source_ids"),
        (lambda c: c.customers.update_metadata_in_bulk([LONE], {}), ValueError, "source_ids[0]"),
        (lambda c: c.customers.import_csv(""), ValueError, "file"),
        (lambda c: c.customers.import_csv(LONE), ValueError, "file"),
    ],
    ids=[
        "wait None",
        "wait empty",
        "get int",
        "update_in_bulk None",
        "bulk_update int",
        "source_ids None",
        "source_ids surrogate",
        "import_csv empty path",
        "import_csv surrogate path",
    ],
)
async def test_an_argument_of_the_wrong_kind_is_refused_naming_the_parameter(
    client: AsyncClient, recorder: Recorder, call: Call, error: type[Exception], name: str
) -> None:
    with pytest.raises(error) as caught:
        await call(client)

    assert name in str(caught.value)
    assert recorder.requests == []


HUGE = 10**4400  # more digits than Python writes by default: repr() and str() raise ValueError


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda c: c.customers.list(limit=HUGE), "limit"),
        (lambda c: c.customers.list(order={"x": HUGE}), "order"),
        (lambda c: c.customers.list_redeemables("cust_1", filters={"x": HUGE}), "filters[x]"),
        (lambda c: c.async_actions.wait("aa_1", poll_interval=HUGE), "poll_interval"),
        (lambda c: c.async_actions.wait("aa_1", timeout=-HUGE), "timeout"),
    ],
    ids=["limit", "order", "filters", "poll_interval", "timeout"],
)
async def test_an_int_too_long_to_print_is_refused_naming_the_parameter(
    client: AsyncClient, recorder: Recorder, call: Call, name: str
) -> None:
    with pytest.raises(ValueError, match=r"bits|no repr") as caught:
        await call(client)

    assert name in str(caught.value)
    assert recorder.requests == []
