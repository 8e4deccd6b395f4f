"""A page's response is freed by reference counting, not left for the garbage collector.

httpx binds each response's body stream to the response in a reference cycle; left alone, every
page of a walk would stay in memory until the GC ran (S3's peak memory in `nox -s bench`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import httpx
import pytest
from _fake_http import FakeHTTPServer

from voucherify_async import AsyncClient, NotFoundError


@pytest.fixture
def gc_off() -> Iterator[None]:
    """The GC disabled, then every unreachable object kept in `gc.garbage` on `gc.collect()`."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.usefixtures("gc_off")
async def test_a_walk_and_an_error_leave_no_response_in_a_reference_cycle(
    fake_http: FakeHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_http.reset(customers=50)
    for name, value in fake_http.env().items():
        monkeypatch.setenv(name, value)
    async with AsyncClient() as client:
        ids = [c.id async for c in client.customers.iter_all(limit=10)]
        with pytest.raises(NotFoundError) as caught:
            await client.customers.get("cust_missing")
    assert len(ids) == 50
    assert caught.value.response.json() == caught.value.body  # the read body stays readable
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    cyclic = [o for o in gc.garbage if isinstance(o, httpx.Response)]
    assert cyclic == []
