"""customers.import_csv streams a file from disk: memory stays flat whatever the file's size."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import httpx

from voucherify_async import AsyncActionRef, AsyncClient

FILE_BYTES = 40 * 1024 * 1024


class CountingTransport(httpx.AsyncBaseTransport):
    """Reads the request body chunk by chunk, keeping only its size and first chunk."""

    def __init__(self) -> None:
        self.received = 0
        self.largest_chunk = 0
        self.head = b""
        self.content_length: int | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.content_length = int(request.headers["Content-Length"])
        assert isinstance(request.stream, httpx.AsyncByteStream)
        async for chunk in request.stream:
            if len(self.head) < 300:
                self.head += bytes(chunk[: 300 - len(self.head)])
            self.received += len(chunk)
            self.largest_chunk = max(self.largest_chunk, len(chunk))
        return httpx.Response(202, json={"async_action_id": "aa_big"})


def write_csv(path: Path, size: int) -> None:
    row = b"".join(
        f"src-{i:07d},Customer {i:07d},c{i:07d}@example.com\n".encode() for i in range(1000)
    )
    with path.open("wb") as out:
        out.write(b"Source_id,Name,Email\n")
        written = 0
        while written < size:
            out.write(row)
            written += len(row)


async def test_a_large_file_is_sent_whole_in_small_chunks_with_flat_memory(
    tmp_path: Path,
) -> None:
    csv_path = tmp_path / "customers.csv"
    write_csv(csv_path, FILE_BYTES)
    transport = CountingTransport()
    async with AsyncClient("app", "secret", transport=transport, max_retries=0) as client:
        tracemalloc.start()
        try:
            ref = await client.customers.import_csv(csv_path)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert ref == AsyncActionRef(async_action_id="aa_big")
    assert transport.received == transport.content_length
    assert transport.received > csv_path.stat().st_size
    assert b'name="file"; filename="customers.csv"' in transport.head
    assert transport.largest_chunk <= 1024 * 1024
    assert peak < 4 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a 40 MiB file"
