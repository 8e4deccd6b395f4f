"""pytest plugin of voucherify_async: the `voucherify_fake` fixture.

Registered through the `pytest11` entry point, so installing the package is enough. The
fixture is synchronous on purpose (async fixtures break projects using pytest-asyncio in
strict mode); build your client inside your async test:

```python
async def test_checkout(voucherify_fake):
    voucherify_fake.seed_customers(3)
    async with AsyncClient(**voucherify_fake.client_kwargs()) as client:
        ...
```

Starlette is imported only when the fixture is used, so this module loads without the
`testing` extra installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from voucherify_async.testing import FakeVoucherify


@pytest.fixture
def voucherify_fake() -> FakeVoucherify:
    """Return a fresh, empty `voucherify_async.testing.FakeVoucherify`."""
    try:
        from voucherify_async.testing import FakeVoucherify
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.skip(f"voucherify_fake needs voucherify-async[testing] ({exc})")
    return FakeVoucherify()
