"""The credentials the hostile tests configure, to search for them in everything that leaves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from voucherify_async import AsyncClient, BulkUpdateError

API: Final = "https://api.voucherify.test"
APP_ID: Final = "app-id-0001"
SECRET_KEY: Final = "sk_SERVER-SECRET-never-printed"
CLIENT_APP_ID: Final = "client-app-id-0002"
CLIENT_SECRET_KEY: Final = "ck_CLIENT-SECRET-never-printed"
ORIGIN: Final = "https://shop.example.com"
SECRETS: Final = (APP_ID, SECRET_KEY, CLIENT_APP_ID, CLIENT_SECRET_KEY)


def both_pairs(**kwargs: Any) -> AsyncClient:
    """A client on `API` holding both key pairs and the origin (`kwargs` add to them)."""
    return AsyncClient(
        APP_ID,
        SECRET_KEY,
        client_app_id=CLIENT_APP_ID,
        client_secret_key=CLIENT_SECRET_KEY,
        origin=ORIGIN,
        base_url=API,
        **kwargs,
    )


def reachable_errors(error: BaseException) -> Iterator[BaseException]:
    """`error`, its chain (`__cause__`, `__context__`) and the errors a BulkUpdateError holds."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [current.__cause__, current.__context__]
        if isinstance(current, BulkUpdateError):
            stack += [failure.error for failure in current.failures]
