"""Soak: 2,000 calls at 50 concurrency against a loopback server injecting 10% faults.

Not in the default run; `nox -s soak` (or `pytest -m soak tests/test_soak.py -s`) runs it.
Every call must succeed or raise a documented error, no non-idempotent POST may be executed
twice, and the server may never see more connections open than the client's pool allows.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator

import anyio
import httpx
import pytest
from _fault_server import (
    Action,
    FaultServer,
    Hang,
    Reset,
    Seen,
    Truncate,
    client_on_pool,
    error_reply,
    html_502,
    rate_limited,
    running_server,
)

from voucherify_async import (
    APIConnectionError,
    APIStatusError,
    AsyncClient,
)

pytestmark = pytest.mark.soak

CALLS = 2_000
CONCURRENCY = 50
FAULT_RATE = 0.10
POOL_SIZE = 20
SEED = 20240601

Call = Callable[[AsyncClient, int], Awaitable[object]]

# (weight, name, call); each non-idempotent call names a unique record so a repeat shows up.
MIX: list[tuple[int, str, Call]] = [
    (40, "get", lambda c, i: c.customers.get(f"cust-{i}")),
    (10, "update", lambda c, i: c.customers.update(f"cust-{i}", name="N")),
    (5, "delete", lambda c, i: c.customers.delete(f"cust-{i}")),
    (10, "upsert", lambda c, i: c.customers.create(source_id=f"cust-{i}", name="N")),
    (5, "create", lambda c, i: c.customers.create(name=f"anonymous-{i}")),
    (10, "bulk", lambda c, i: c.customers.update_in_bulk([{"source_id": f"cust-{i}"}])),
    (10, "metadata", lambda c, i: c.customers.update_metadata_in_bulk([f"cust-{i}"], {"i": i})),
    (5, "import", lambda c, i: c.customers.import_csv(f"source_id\ncust-{i}\n".encode())),
    (5, "purge", lambda c, i: c.customers.delete_permanently(f"cust-{i}")),
]

FAULTS: list[tuple[str, Callable[[], Action]]] = [
    ("503", lambda: error_reply(503, "service_unavailable")),
    ("500", lambda: error_reply(500, "internal_error")),
    ("html502", html_502),
    ("429", lambda: rate_limited("1")),
    ("reset", Reset),
    ("truncate", Truncate),
    ("hang", Hang),
]


class FaultInjector:
    """The server's chooser: a seeded 10% of requests get one of `FAULTS`."""

    def __init__(self) -> None:
        self.random = random.Random(SEED)
        self.injected: Counter[str] = Counter()

    def __call__(self, seen: Seen) -> Action | None:
        if self.random.random() >= FAULT_RATE:
            return None
        name, make = self.random.choice(FAULTS)
        self.injected[name] += 1
        return make()


class RetryCounter(logging.Handler):
    """Counts the INFO `retrying ...` records of the SDK's logger."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.retries = 0
        self.lock_ = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("retrying "):
            with self.lock_:
                self.retries += 1


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as state:
        yield state


@pytest.fixture
def retry_counter() -> Iterator[RetryCounter]:
    logger = logging.getLogger("voucherify_async")
    handler = RetryCounter()
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_soak(
    server: FaultServer,
    retry_counter: RetryCounter,
    anyio_backend: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    injector = FaultInjector()
    server.chooser = injector
    weights = [weight for weight, _, _ in MIX]
    plan = random.Random(SEED + 1).choices(range(len(MIX)), weights=weights, k=CALLS)
    outcomes: Counter[str] = Counter()
    unexpected: list[BaseException] = []
    send, receive = anyio.create_memory_object_stream[int](CALLS)
    for index in range(CALLS):
        send.send_nowait(index)
    send.close()

    limits = httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE)
    async with httpx.AsyncClient(limits=limits) as pool:
        client = client_on_pool(server, pool, httpx.Timeout(1.0, pool=60.0))

        async def worker() -> None:
            async for index in receive:
                _, name, call = MIX[plan[index]]
                try:
                    await call(client, index)
                except (APIStatusError, APIConnectionError) as exc:
                    outcomes[f"{name}: {type(exc).__name__}"] += 1
                except Exception as exc:  # anything else is a bug the soak must report
                    unexpected.append(exc)
                else:
                    outcomes[f"{name}: ok"] += 1

        with anyio.fail_after(300):
            async with receive, anyio.create_task_group() as group:
                for _ in range(CONCURRENCY):
                    group.start_soon(worker)

    duplicates = {key: n for key, n in server.executed.items() if n > 1}
    failures = sum(n for key, n in outcomes.items() if not key.endswith(": ok"))
    figures = {
        "backend": anyio_backend,
        "calls": CALLS,
        "requests": len(server.requests),
        "faults injected": sum(injector.injected.values()),
        "retries": retry_counter.retries,
        "failures surfaced": failures,
        "duplicates": len(duplicates),
        "peak connections": server.peak_connections,
        "pool size": POOL_SIZE,
    }
    with capsys.disabled():
        print(f"\nsoak figures: {figures}")
        print(f"faults by kind: {dict(sorted(injector.injected.items()))}")
        print(f"outcomes: {dict(sorted(outcomes.items()))}")

    assert unexpected == []
    assert sum(outcomes.values()) == CALLS
    assert duplicates == {}
    assert server.peak_connections <= POOL_SIZE
    assert len(server.requests) == CALLS + retry_counter.retries
