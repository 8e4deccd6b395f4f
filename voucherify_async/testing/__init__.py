"""An embedded fake of the Voucherify customers API, for tests of code that uses the SDK.

`FakeVoucherify` is an ASGI app (Starlette; install `voucherify-async[testing]`) with
in-memory state, seeding helpers, request recording and fault injection:

```python
from voucherify_async import AsyncClient
from voucherify_async.testing import FakeVoucherify

fake = FakeVoucherify()
fake.seed_customers(3)
async with AsyncClient(**fake.client_kwargs()) as client:
    customer = await client.customers.get("seed-00001")
```

The pytest plugin (`voucherify_async.testing.pytest_plugin`, registered automatically)
provides the `voucherify_fake` fixture. `python -m voucherify_async.testing --port 8090`
serves a fake over HTTP on 127.0.0.1.

Semantics worth knowing (the API leaves them open; do not rely on them in SDK code):

* Timestamps have millisecond precision; ties are ordered by id in the order's direction.
* `created_at[before]`/`[after]`, `updated_at[...]` and `starting_after` are strict.
* Every response carries `X-Rate-Limit-Limit/Remaining/Retry` and `X-Request-Id` (the
  request id also appears in error bodies as `request_id`).
"""

from ._clock import ManualClock
from ._fake import FakeVoucherify
from ._recording import RecordedRequest

__all__ = ["FakeVoucherify", "ManualClock", "RecordedRequest"]
