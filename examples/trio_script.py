"""The SDK under trio: count customers per city while looking a few up concurrently.

Run it (keys from VOUCHERIFY_APP_ID / VOUCHERIFY_SECRET_KEY):

    python examples/trio_script.py seed-00001 seed-00002

The client is created inside `trio.run`, like every anyio object: one event loop owns it.
"""

from __future__ import annotations

import sys
from collections import Counter

import trio

from voucherify_async import AsyncClient, Customer, NotFoundError


async def look_up(client: AsyncClient, source_id: str, found: dict[str, Customer | None]) -> None:
    """Fetch one customer; a missing one is recorded as None."""
    try:
        found[source_id] = await client.customers.get(source_id)
    except NotFoundError:
        found[source_id] = None


async def main(source_ids: list[str]) -> None:
    """Look the customers up in parallel (a nursery), then walk all of them once."""
    async with AsyncClient() as client:
        found: dict[str, Customer | None] = {}
        async with trio.open_nursery() as nursery:
            for source_id in source_ids:
                nursery.start_soon(look_up, client, source_id, found)
        for source_id in source_ids:
            customer = found[source_id]
            print(f"{source_id}: {customer.name if customer else 'not found'}")

        cities: Counter[str] = Counter()
        async for customer in client.customers.iter_all():
            cities[
                customer.address.city if customer.address and customer.address.city else "-"
            ] += 1
        for city, count in sorted(cities.items(), key=lambda pair: (-pair[1], pair[0])):
            print(f"{city}: {count}")


if __name__ == "__main__":
    trio.run(main, sys.argv[1:])
