"""`customers export` on the wire: the walk's page requests and not one more (issue 14 item 4).

The progress bar's total comes from the walk's first page (`pager.start()`, `pager.total`), not
from a separate `list(limit=1)`. Run in process (`export_customers`) on `_list_server`, whose
every request is recorded, against a bare `iter_all` walk of the same server.
"""

from __future__ import annotations

import io

import anyio
import pytest
from _list_server import GUARD, ListServer, rows_at, walk

from voucherify_async.cli._export import export_customers


@pytest.mark.parametrize("max_items", [None, 130])
async def test_export_sends_exactly_the_walks_page_requests_and_shows_the_apis_total(
    max_items: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    server = ListServer(rows_at(range(250)))
    expected = await walk(server, limit=100, max_items=max_items)
    walk_requests = list(server.requests)
    server.requests.clear()
    stream = io.StringIO()
    async with server.client() as client:
        with anyio.fail_after(GUARD):
            count, _ = await export_customers(
                client, stream, fmt="jsonl", filters={}, max_items=max_items, progress=True
            )
    assert count == len(stream.getvalue().splitlines()) == len(expected)
    assert server.requests == walk_requests  # the same requests, in order: none added
    assert all(dict(pairs)["limit"] != "1" for pairs in server.requests)
    shown = len(expected)
    assert f"{shown}/{shown}" in capsys.readouterr().err  # the total, from the first page


async def test_export_with_filters_reads_the_total_for_those_filters() -> None:
    server = ListServer(rows_at(range(40)))
    stream = io.StringIO()
    async with server.client() as client:
        count, _ = await export_customers(
            client, stream, fmt="csv", filters={"city": "Berlin"}, max_items=None, progress=False
        )
    assert count == 20
    assert len(server.requests) == 1  # one page holds them all: one request
    assert dict(server.requests[0])["city"] == "Berlin"
