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
`testing` extra installed; a test using the fixture without it fails (it is not skipped) with a
message naming the extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from voucherify_async.testing import FakeVoucherify


@pytest.fixture
def voucherify_fake() -> FakeVoucherify:
    """Return a fresh, empty `voucherify_async.testing.FakeVoucherify`."""
    from voucherify_async.testing import FakeVoucherify

    try:
        return FakeVoucherify()
    except ModuleNotFoundError as exc:
        pytest.fail(f"the voucherify_fake fixture: {exc}", pytrace=False)
