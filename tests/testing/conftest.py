"""Fixtures for the fake's own tests: a fake and an httpx client that validates every exchange."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from _conformance import FAKE_TESTS, ValidatingTransport, pretty

from voucherify_async.testing import FakeVoucherify, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    """A clock standing still at 2024-01-01T00:00:00Z unless advanced."""
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> FakeVoucherify:
    return FakeVoucherify(clock=clock)


@pytest.fixture
async def http(fake: FakeVoucherify) -> AsyncIterator[httpx.AsyncClient]:
    """Server-side client; every exchange must conform to the spec subset."""
    transport = ValidatingTransport(fake.transport, source=FAKE_TESTS)
    async with httpx.AsyncClient(
        transport=transport, base_url=fake.base_url, headers=fake.server_headers()
    ) as client:
        yield client
    assert not transport.failures, pretty(transport.failures)


@pytest.fixture
async def raw(fake: FakeVoucherify) -> AsyncIterator[httpx.AsyncClient]:
    """A client without auth headers or validation, for deliberately wrong requests."""
    async with httpx.AsyncClient(transport=fake.transport, base_url=fake.base_url) as client:
        yield client
