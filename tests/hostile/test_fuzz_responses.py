"""A hostile server, generated: every endpoint ends in its declared type or a `VoucherifyError`.

Hypothesis draws what a broken proxy, a buggy deploy or an attacker could answer: any status from
200 to 599 (3xx with and without `Location`), lying or garbage headers (`Content-Type`,
`Retry-After` and `X-Rate-Limit-*` of `nan`, `inf`, `1e400`, `-1`, huge ints, non-ASCII bytes,
`Content-Encoding: gzip` over data that is not gzip), bodies that are not JSON, JSON of the wrong
shape, nested 100,000 levels deep, with `1e400`, ints beyond 64 bits, lone surrogates, invalid
UTF-8, a BOM or UTF-16, and the spec's example bodies with fields replaced by such values.

For each public method of `client.customers` (the iterators walked a bounded number of pages,
with and without prefetch) and of `client.async_actions`, on asyncio and on trio, without retries
and with two zero-sleep retries, every example must:

- return the declared type (each item of a walk of its item type), or raise a `VoucherifyError`
  subclass: any other exception fails with the drawn responses shown;
- finish within `GUARD` seconds (no hang, no endless walk), the waits at the rate-limit gate
  counted in (on a virtual clock, so a closed gate costs the suite no real time);
- yield no item id twice in a walk;
- keep both secret keys out of `str()` and `repr()` of the error and of its chained causes.

Examples are derandomized (the same ones on every run) and bounded, so the module stays fast.
"""

from __future__ import annotations

import copy
import gzip
import json
import math
from collections.abc import Awaitable, Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import attrs
import httpx
import pytest
from _fault_server import Sleeps
from _hostile_keys import reachable_errors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voucherify_async import (
    ActivitiesPage,
    ActivityPage,
    AsyncAction,
    AsyncActionRef,
    AsyncClient,
    AsyncPager,
    Customer,
    CustomerActivity,
    CustomerRedeemable,
    CustomersPage,
    PermanentDeletion,
    RedeemablesPage,
    SegmentsList,
    VoucherifyError,
)

BASE_URL = "https://api.voucherify.test"
SECRET = "sk_FUZZ-SECRET-never-in-an-error"
CLIENT_SECRET = "ck_FUZZ-CLIENT-SECRET-never-in-an-error"
GUARD = 5.0  # seconds one example may take
MAX_WALK = 300  # items a walk may yield before the test calls it endless
EXAMPLES = Path(__file__).parent.parent / "spec" / "examples"
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.function_scoped_fixture,
    ],
)
BACKENDS = pytest.mark.parametrize("backend", ["asyncio", "trio"])
# Found by this fuzz on trio after client11's attempt budget landed (reported to the lead): a
# response whose body read is abandoned leaves httpx's stream generators to the garbage collector.
# Narrowly ignored here until the request path closes them; every other warning still fails.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Async generator 'httpx.:ResourceWarning"),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <async_generator object (BoundAsyncStream|ByteStream|"
        "Response)[.]:pytest.PytestUnraisableExceptionWarning"
    ),
]

# Holes the fuzzer found whose fix belongs to a module another helper is changing: kept out of
# the strategies below and pinned by `test_a_hole_being_fixed_elsewhere` (strict xfail) until the
# fix lands, then removed from here (the strategies draw them again).
PENDING: dict[str, str] = {}


def example(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


# -- what a hostile server answers -------------------------------------------------------------

STATUSES = st.one_of(
    st.sampled_from([200, 201, 202, 204, 206, 299, 301, 302, 303, 304, 307, 308, 400, 401]),
    st.sampled_from([403, 404, 409, 413, 418, 422, 429, 500, 502, 503, 504, 599]),
    st.integers(200, 599),
)
INFINITE = [b"inf", b"-inf", b"Infinity", b"1e400", b"-1e400"]
NAN = [b"nan", b"NaN"]
NUMBERS = [
    b"-1",
    b"0",
    *([] if "infinite rate-limit header" in PENDING else INFINITE),
    *([] if "nan Retry-After" in PENDING else NAN),
]
HEADER_VALUES = st.one_of(
    st.sampled_from(NUMBERS),
    st.sampled_from([b"", b" ", b"1.5", b"3", b"99999999999999999999999999999999999999", b"1e3"]),
    st.sampled_from([b"Wed, 21 Oct 2015 07:28:00 GMT", b"Fri, 31 Dec 9999 23:59:59 GMT"]),
    st.sampled_from([b"\xff\xfe\x00", "\u00e9t\u00e9".encode(), b"\x80abc", "\u2603".encode()]),
    st.binary(max_size=12).filter(lambda v: b"\n" not in v and b"\r" not in v),
)
CONTENT_TYPES = st.sampled_from(
    [
        b"application/json",
        *([] if "lying utf-16 charset" in PENDING else [b"application/json; charset=utf-16"]),
        b"application/json; charset=bogus",
        b"text/html",
        b"text/plain; charset=latin-1",
        b"application/octet-stream",
        b"",
    ]
)
LOCATIONS = st.sampled_from(
    [b"https://evil.example/steal", b"/v1/customers/other", b"", b"\xff", b"//evil.example/x"]
)
HEADERS = st.lists(
    st.one_of(
        st.tuples(st.just(b"Content-Type"), CONTENT_TYPES),
        st.tuples(st.just(b"Location"), LOCATIONS),
        st.tuples(
            st.sampled_from(
                [
                    b"Retry-After",
                    b"X-Rate-Limit-Limit",
                    b"X-Rate-Limit-Remaining",
                    b"X-Rate-Limit-Retry",
                    b"X-Rate-Limit-Type",
                    b"X-Request-Id",
                    b"X-Voucherify-Request-Id",
                ]
            ),
            HEADER_VALUES,
        ),
        st.tuples(st.sampled_from([b"X-Garbage", b"Set-Cookie", b"Link"]), HEADER_VALUES),
    ),
    max_size=5,
)

DEEP = 100_000
FIXED_BODIES = [
    b"",
    b"null",
    b"[]",
    b"{}",
    b'"a string"',
    b"1e400",
    b"-1e400",
    b"NaN",
    b"123456789012345678901234567890",
    b"9" * 5_000,  # more digits than int() converts by default
    b'"\\ud800"',
    b'{"id": "\\ud800", "object": "customer"}',
    b'{"id": "\xff\xfe", "object": "customer"}',
    b'\xef\xbb\xbf{"id": "cust_1", "object": "customer"}',
    '{"id": "cust_1", "object": "customer"}'.encode("utf-16"),
    b"<html><body>502 Bad Gateway</body></html>",
    b'{"code": 429, "message": "Too many"}',
    b'{"statusCode": 413, "error": "Payload Too Large", "message": "request entity too large"}',
    b'{"code": "\\ud800", "key": [], "message": {}, "details": 1e400, "request_id": 7}',
    b'{"id": "cust_1", "object": "customer"}' * 3,
    gzip.compress(b'{"id": "cust_1", "object": "customer"}')[:-4],
]

DEEP_BODIES = [
    b"[" * DEEP + b"]" * DEEP,
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    b'{"customers": ' + b"[" * DEEP + b"]" * DEEP + b"}",
]
if "deep nesting" not in PENDING:
    FIXED_BODIES += DEEP_BODIES

JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["\ud800", "not-a-date", "2024-03-22t17:48:18z", "0001-01-01T00:00:00+01:00"]),
    st.sampled_from(["9999-12-31T23:59:59.999Z", "2024-01-01", "", "IN_PROGRESS", "DONE"]),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _slots(doc: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) of a JSON document, depth first."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield doc, key
            yield from _slots(value)
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield doc, index
            yield from _slots(value)


@st.composite
def mutated(draw: st.DrawFn, original: Any) -> Any:
    """`original` with one to three of its values (or keys' values) replaced by hostile ones."""
    doc = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        slots = list(_slots(doc))
        if not slots:
            return draw(JSON_VALUES)
        container, key = draw(st.sampled_from(slots))
        container[key] = draw(JSON_VALUES)
    return doc


@st.composite
def encoded(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> bytes:
    """A JSON document as bytes: escaped, raw UTF-8 (lone surrogates as invalid bytes), BOM."""
    doc = draw(values)
    how = draw(st.sampled_from(["ascii", "utf-8", "bom", "utf-16"]))
    if how == "ascii":
        return json.dumps(doc).encode()
    text = json.dumps(doc, ensure_ascii=False)
    if how == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    raw = text.encode("utf-8", "surrogatepass")
    return b"\xef\xbb\xbf" + raw if how == "bom" else raw


def bodies(good: Any) -> st.SearchStrategy[bytes]:
    """Hostile bodies, and `good` (the endpoint's example) more or less intact."""
    return st.one_of(
        st.sampled_from(FIXED_BODIES),
        st.binary(max_size=48),
        encoded(JSON_VALUES),
        encoded(st.just(good)),
        encoded(mutated(good)),
    )


@dataclass(frozen=True)
class Answer:
    """One response of the hostile server."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    gzip: str  # "no", "valid" (the body gzipped) or "corrupt" (gzip header over the raw body)

    def response(self) -> httpx.Response:
        headers = list(self.headers)
        content = self.body
        if self.gzip != "no":
            headers.append((b"Content-Encoding", b"gzip"))
            if self.gzip == "valid":
                content = gzip.compress(content)
        # A stream, as a transport gives it: the client decodes (and fails to) as it reads.
        return httpx.Response(self.status, headers=headers, stream=httpx.ByteStream(content))


def answers(good: Any) -> st.SearchStrategy[Answer]:
    return st.builds(
        Answer,
        status=st.one_of(st.just(200), STATUSES),
        headers=HEADERS,
        body=bodies(good),
        gzip=st.sampled_from(
            ["no", "no", "no", "valid", *([] if "corrupt gzip" in PENDING else ["corrupt"])]
        ),
    )


# Pages a walk can follow: few ids and cursors, so repeats and cycles come up often.
IDS = st.sampled_from(["a", "b", "c", "d", "e", "f", None])
STAMPS = st.sampled_from(
    [
        "2024-01-01T00:00:00.000Z",
        "2024-01-01T00:00:00.001Z",
        "2023-12-31T23:59:59.999Z",
        "2024-01-01T00:00:00.000+01:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59.999Z",
        "2024-03-22t17:48:18z",
        "not-a-date",
    ]
)
ITEMS = st.fixed_dictionaries(
    {"id": IDS, "created_at": STAMPS}, optional={"object": st.text(max_size=3)}
)


def page(data_key: str) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {data_key: st.lists(ITEMS, max_size=4)},
        optional={
            "has_more": st.one_of(st.booleans(), st.none(), st.just("true")),
            "more_starting_after": st.one_of(IDS, st.just("\ud800"), st.just("")),
            "total": st.one_of(st.integers(-5, 2**70), st.floats(), st.none()),
            "object": st.just("list"),
        },
    )


def page_answers(data_key: str) -> st.SearchStrategy[Answer]:
    valid = st.builds(
        Answer,
        status=st.just(200),
        headers=HEADERS,
        body=encoded(page(data_key)),
        gzip=st.just("no"),
    )
    return st.one_of(valid, valid, answers({data_key: [], "has_more": True}))


# -- the endpoints -------------------------------------------------------------------------------

Call = Callable[[AsyncClient], Awaitable[Any]]
Walk = Callable[[AsyncClient], AsyncPager[Any]]

ACTIVITY = {
    "object": "list",
    "data_ref": "data",
    "data": [{"id": "evcus_1", "type": "customer.created", "created_at": "2024-01-01T00:00:00Z"}],
    "has_more": True,
    "more_starting_after": "evcus_1",
    "total": 1,
}
ACTION = example("get-async-action.200.CUSTOMERS.BULK_UPDATE")
REF = example("update-customers-metadata-in-bulk.202")
RECORDS = [{"source_id": "s1"}, {"source_id": "s2"}, {"source_id": "s3"}]

# name: (call, what it returns, the example body the server mangles)
CALLS: dict[str, tuple[Call, type | tuple[type, ...], Any]] = {
    "create": (
        lambda c: c.customers.create(source_id="s1"),
        Customer,
        example("create-customer.200"),
    ),
    "get": (lambda c: c.customers.get("cust_1"), Customer, example("get-customer.200")),
    "update": (
        lambda c: c.customers.update("cust_1", name="N"),
        Customer,
        example("update-customer.200"),
    ),
    "delete": (lambda c: c.customers.delete("cust_1"), type(None), None),
    "delete_permanently": (
        lambda c: c.customers.delete_permanently("cust_1"),
        PermanentDeletion,
        example("customer-permanently-deletion.200"),
    ),
    "list": (lambda c: c.customers.list(limit=5), CustomersPage, example("list-customers.200")),
    "list_activity": (
        lambda c: c.customers.list_activity("cust_1"),
        ActivityPage,
        ACTIVITY,
    ),
    "list_activities": (
        lambda c: c.customers.list_activities("cust_1"),
        ActivitiesPage,
        ACTIVITY,
    ),
    "list_redeemables": (
        lambda c: c.customers.list_redeemables("cust_1", filters={"holder_role": "OWNER"}),
        RedeemablesPage,
        example("list-customer-redeemables.200"),
    ),
    "list_segments": (
        lambda c: c.customers.list_segments("cust_1"),
        SegmentsList,
        example("list-customer-segments.200"),
    ),
    "import_csv": (
        lambda c: c.customers.import_csv(b"source_id\ns1\n"),
        AsyncActionRef,
        example("import-customers-using-csv.202"),
    ),
    "update_in_bulk": (lambda c: c.customers.update_in_bulk(RECORDS), AsyncActionRef, REF),
    "update_metadata_in_bulk": (
        lambda c: c.customers.update_metadata_in_bulk(["s1"], {"tier": "gold"}),
        AsyncActionRef,
        REF,
    ),
    "update_consents": (
        lambda c: c.customers.update_consents("cust_1", {"unsubscribed": True}),
        type(None),
        None,
    ),
    "update_consents_client_side": (
        lambda c: c.customers.update_consents_client_side("cust_1", {"cons_1": False}),
        type(None),
        None,
    ),
    "bulk_update": (lambda c: c.customers.bulk_update(RECORDS, batch_size=2), list, REF),
    "async_actions.get": (lambda c: c.async_actions.get("aa_1"), AsyncAction, ACTION),
    "async_actions.wait": (
        lambda c: c.async_actions.wait("aa_1", timeout=0.05, poll_interval=0.01),
        AsyncAction,
        ACTION,
    ),
}

# name: (walk, its item type, the key of its items in a page)
WALKS: dict[str, tuple[Walk, type, str]] = {
    "iter_all": (lambda c: c.customers.iter_all(limit=3), Customer, "customers"),
    "iter_all source_id": (
        lambda c: c.customers.iter_all(limit=3, order="source_id"),
        Customer,
        "customers",
    ),
    "iter_activity": (
        lambda c: c.customers.iter_activity("cust_1", limit=3),
        CustomerActivity,
        "data",
    ),
    "iter_activities": (
        lambda c: c.customers.iter_activities("cust_1", limit=3),
        CustomerActivity,
        "data",
    ),
    "iter_redeemables": (
        lambda c: c.customers.iter_redeemables("cust_1", limit=3),
        CustomerRedeemable,
        "data",
    ),
}


# Each endpoint's strategy, built once: hypothesis validates a strategy object on its first draw,
# which cost more than the draw when a new one was built for every example.
CALL_ANSWERS = {
    name: st.lists(answers(good), min_size=1, max_size=3) for name, (_, _, good) in CALLS.items()
}
WALK_PAGES = {
    name: st.lists(page_answers(key), min_size=1, max_size=4) for name, (_, _, key) in WALKS.items()
}

# -- running one example -------------------------------------------------------------------------


@dataclass
class Server:
    """Answers the drawn responses in turn, cycling; counts the requests."""

    answers: list[Answer]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers[(len(self.requests) - 1) % len(self.answers)].response()


async def _no_sleep(delay: float) -> None:
    """The retry policy's sleep, without the wait; a delay no sleep can take fails the example."""
    assert 0 <= delay < math.inf, f"the client would sleep {delay!r} s"
    await anyio.lowlevel.checkpoint()


@dataclass
class GateWaits(Sleeps):
    """The rate-limit gate's clock and sleep: virtual, so a closed gate is waited out at once.

    `elapsed` is what the gate would have held the example in real time; `outcome` counts it
    against `GUARD` as if it had been waited.
    """

    async def __call__(self, delay: float) -> None:
        assert 0 <= delay < math.inf, f"the rate-limit gate would sleep {delay!r} s"
        await super().__call__(delay)


def client_for(server: Server, retries: int, gate: GateWaits) -> AsyncClient:
    client = AsyncClient(
        "app-id",
        SECRET,
        client_app_id="client-app-id",
        client_secret_key=CLIENT_SECRET,
        origin="https://shop.example.com",
        base_url=BASE_URL,
        max_retries=retries,
        transport=httpx.MockTransport(server),
    )
    client._retry = attrs.evolve(client._retry, sleep=_no_sleep)  # retries without waiting
    return gate.install_gate(client)


def assert_keeps_secrets(error: BaseException) -> None:
    for link in reachable_errors(error):
        for text in (str(link), repr(link)):
            assert SECRET not in text, f"the secret key is in {type(link).__name__}: {text}"
            assert CLIENT_SECRET not in text, f"the client key is in {type(link).__name__}"


async def outcome(run: Callable[[GateWaits], Awaitable[None]]) -> None:
    """Run one example: a `VoucherifyError` is an answer; anything else escapes and fails.

    The example must end within `GUARD` seconds, the gate's virtual waits included.
    """
    gate = GateWaits()
    try:
        with anyio.fail_after(GUARD):
            await run(gate)
    except VoucherifyError as error:
        assert_keeps_secrets(error)
    assert gate.elapsed < GUARD, f"the rate-limit gate would hold the example {gate.elapsed} s"


@BACKENDS
@pytest.mark.parametrize("name", sorted(CALLS))
@FUZZ
@given(data=st.data(), retries=st.sampled_from([0, 0, 2]))
def test_every_call_returns_its_type_or_raises_voucherify_error(
    backend: str, name: str, data: st.DataObject, retries: int
) -> None:
    call, returns, _ = CALLS[name]
    server = Server(data.draw(CALL_ANSWERS[name], label="answers"))

    async def run(gate: GateWaits) -> None:
        async with client_for(server, retries, gate) as client:
            result = await call(client)
        assert isinstance(result, returns), f"{name} returned {result!r}"

    anyio.run(outcome, run, backend=backend)


@BACKENDS
@pytest.mark.parametrize("name", sorted(WALKS))
@FUZZ
@given(data=st.data(), retries=st.sampled_from([0, 0, 2]), prefetch=st.booleans())
def test_every_walk_yields_its_items_once_or_raises_voucherify_error(
    backend: str, name: str, data: st.DataObject, retries: int, prefetch: bool
) -> None:
    walk, item_type, _ = WALKS[name]
    server = Server(data.draw(WALK_PAGES[name], label="pages"))

    async def run(gate: GateWaits) -> None:
        ids: list[str] = []
        count = 0
        async with client_for(server, retries, gate) as client:
            pager = walk(client)
            async with pager if prefetch else nullcontext():
                async for item in pager:
                    assert isinstance(item, item_type), f"{name} yielded {item!r}"
                    if item.id is not None:
                        assert item.id not in ids, f"{name} yielded {item.id} twice"
                        ids.append(item.id)
                    count += 1
                    assert count < MAX_WALK, f"{name} does not end"

    anyio.run(outcome, run, backend=backend)


HOLES: dict[str, Answer] = {
    "infinite rate-limit header": Answer(200, [(b"X-Rate-Limit-Remaining", b"inf")], b"{}", "no"),
    "nan Retry-After": Answer(429, [(b"Retry-After", b"nan")], b"", "no"),
    "deep nesting": Answer(200, [], DEEP_BODIES[0], "no"),
    "lying utf-16 charset": Answer(
        502, [(b"Content-Type", b"text/html; charset=utf-16")], b"<html>bad gateway</html>", "no"
    ),
}


@BACKENDS
@pytest.mark.parametrize(
    "hole",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=PENDING[name]))
        if name in PENDING
        else name
        for name in HOLES
    ],
)
def test_a_hole_being_fixed_elsewhere(backend: str, hole: str) -> None:
    server = Server([HOLES[hole]])

    async def run(gate: GateWaits) -> None:
        async with client_for(server, 1, gate) as client:
            await client.customers.get("cust_1")

    anyio.run(outcome, run, backend=backend)  # the declared type or a VoucherifyError
