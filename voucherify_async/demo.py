"""A walk through the customers API: `python -m voucherify_async.demo`.

With `VOUCHERIFY_APP_ID` and `VOUCHERIFY_SECRET_KEY` set it talks to the real API (and
`VOUCHERIFY_BASE_URL` or `VOUCHERIFY_CLUSTER` pick the region); without them it runs on the
embedded fake API, in-process, and says so first. Everything it creates it deletes again.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TextIO

import anyio

from . import AsyncClient, Customer, VoucherifyError

__all__ = ["main", "run"]

SEEDED = 250


def _client_for_environment(out: TextIO) -> tuple[AsyncClient, bool]:
    """A client for the real API when keys are set (and True), else one on the embedded fake."""
    if os.environ.get("VOUCHERIFY_APP_ID") and os.environ.get("VOUCHERIFY_SECRET_KEY"):
        client = AsyncClient()  # the region from VOUCHERIFY_CLUSTER or VOUCHERIFY_BASE_URL
        print(f"Running against the real Voucherify API at {client.base_url}.", file=out)
        return client, True
    from .testing import FakeVoucherify  # the fake's own dependencies load when one is built

    try:
        fake = FakeVoucherify()
    except ModuleNotFoundError as exc:
        raise SystemExit(f"No VOUCHERIFY_APP_ID/VOUCHERIFY_SECRET_KEY set, and {exc}") from None
    fake.seed_customers(SEEDED)
    print(
        "Running on the embedded fake Voucherify API (no credentials set; "
        "set VOUCHERIFY_APP_ID and VOUCHERIFY_SECRET_KEY to use the real one).",
        file=out,
    )
    return AsyncClient(**fake.client_kwargs()), False


async def run(out: TextIO = sys.stdout) -> None:
    """Create, update, list, bulk-update and delete a few customers, printing each step."""
    client, real = _client_for_environment(out)
    tag = f"demo-{secrets.token_hex(3)}"
    started = datetime.now(UTC) - timedelta(seconds=5)
    created: list[Customer] = []
    async with client:
        try:
            for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing"):
                first = name.split()[0].lower()
                customer = await client.customers.create(
                    source_id=f"{tag}-{first}",
                    name=name,
                    email=f"{first}@example.com",
                    metadata={"demo": tag},
                )
                created.append(customer)
                print(f"created   {customer.id}  {customer.source_id}  {customer.name}", file=out)

            updated = await client.customers.update(
                created[0].source_id or "", address={"city": "London", "country": "UK"}
            )
            city = updated.address.city if updated.address else None
            print(f"updated   {updated.id}  address.city={city}", file=out)

            # On a real account, walk only what this demo created rather than every customer.
            await _walk(client, out, since=started if real else None)

            activity = await client.customers.list_activity(created[0].source_id or "", limit=5)
            print(f"activity  {len(activity.data)} event(s) for {created[0].source_id}", file=out)
            for event in activity.data:
                print(f"          {event.created_at:%Y-%m-%d %H:%M:%S}  {event.type}", file=out)
            segments = await client.customers.list_segments(created[0].source_id or "")
            names = ", ".join(s.name or "?" for s in segments.data) or "none"
            print(f"segments  {segments.total or 0}: {names}", file=out)

            ref = await client.customers.update_metadata_in_bulk(
                [c.source_id or "" for c in created], {"demo_step": "bulk"}
            )
            print(
                f"bulk      metadata update started as async action {ref.async_action_id}", file=out
            )
            action = await client.async_actions.wait(ref, timeout=60, poll_interval=0.5)
            result = action.result
            done = result.done_count if result else None
            print(f"bulk      {action.status}: {done} customer(s) updated", file=out)
        finally:
            await _delete(client, created, out)


async def _delete(client: AsyncClient, created: list[Customer], out: TextIO) -> None:
    """Delete what the demo created, each on its own.

    One failed delete neither stops the others nor hides the error that ended the demo.
    """
    deleted = 0
    for customer in created:
        try:
            await client.customers.delete(customer.id or customer.source_id or "")
            deleted += 1
        except VoucherifyError as exc:
            print(f"could not delete {customer.id}: {type(exc).__name__}: {exc}", file=out)
    if deleted:
        print(f"deleted   the {deleted} customer(s) this demo created", file=out)


async def _walk(client: AsyncClient, out: TextIO, *, since: datetime | None) -> None:
    """Iterate customers with `iter_all`, printing a progress line as pages arrive."""
    count = 0
    live = out.isatty()  # a progress line redrawn in place makes sense on a terminal only
    begin = time.perf_counter()
    async with client.customers.iter_all(limit=100, created_at_after=since) as pager:
        async for _customer in pager:
            count += 1
            if live and count % 100 == 0:
                print(f"\riter_all  {count} customers...", end="", file=out, flush=True)
    elapsed = time.perf_counter() - begin
    print(f"{chr(13) if live else ''}iter_all  {count} customers in {elapsed:.2f} s", file=out)


def main() -> None:
    """Entry point of `python -m voucherify_async.demo`."""
    try:
        anyio.run(run)
    except VoucherifyError as exc:
        raise SystemExit(f"demo failed: {type(exc).__name__}: {exc}") from None


if __name__ == "__main__":
    main()
