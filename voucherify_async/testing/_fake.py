"""`FakeVoucherify`: the embedded fake customers API, its seeding and its test controls."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import httpx

from .._optional import TESTING, require_extra
from . import _auth
from ._activity import SEED_TYPES, ActivityEvent
from ._bulk import FakeAsyncActions
from ._faults import FaultKind, Faults
from ._middleware import ASGIApp, FakeMiddleware, RateLimitCounter
from ._recording import RecordedRequest
from ._redeemables import Holder
from ._store import Store, StoredSegment
from ._wire import Clock, IdFactory, add_ms, parse_datetime, to_ms, utc_now

_ROLES = ("OWNER", "REFERRER", "REFEREE")
_CAMPAIGNS = (
    ("DISCOUNT_COUPONS", "DISCOUNT_VOUCHER"),
    ("LOYALTY_PROGRAM", "LOYALTY_CARD"),
    ("GIFT_VOUCHERS", "GIFT_VOUCHER"),
    ("REFERRAL_PROGRAM", "DISCOUNT_VOUCHER"),
)


class FakeVoucherify:
    """An in-process fake of the Voucherify customers API (a Starlette ASGI app).

    It keeps customers, segments, activity events, redeemables and async actions in memory and
    answers like the real API (status codes, bodies, pagination rules, auth, rate-limit headers);
    see the package docs for the exact semantics. It imports nothing from the SDK.

    Example:
        ```python
        fake = FakeVoucherify()
        fake.seed_customers(250)
        async with AsyncClient(**fake.client_kwargs()) as client:
            page = await client.customers.list(limit=100)
        ```

    Args:
        app_id: Accepted `X-App-Id`.
        secret_key: Accepted `X-App-Token`.
        client_app_id: Accepted `X-Client-Application-Id` (`/client/v1` routes only).
        client_secret_key: Accepted `X-Client-Token`.
        clock: Returns the current aware datetime; default the system clock (UTC). All
            stored timestamps are truncated to milliseconds.
        rate_limit: The `X-Rate-Limit-Limit` value (requests per minute; not enforced).
        seed: Seed of the id generator (ids are deterministic for one seed).

    Raises:
        ModuleNotFoundError: the `testing` extra is not installed (the message says so).
    """

    base_url = "http://voucherify.test"
    """The URL the fake pretends to live at (any host works with `transport`)."""

    def __init__(
        self,
        *,
        app_id: str = "fake-app-id",
        secret_key: str = "fake-secret-key",
        client_app_id: str = "fake-client-app-id",
        client_secret_key: str = "fake-client-secret",
        clock: Clock | None = None,
        rate_limit: int = 2000,
        seed: int | None = 0,
    ) -> None:
        self.credentials = _auth.Credentials(app_id, secret_key, client_app_id, client_secret_key)
        self._clock: Clock = clock or utc_now
        self._ids = IdFactory(seed)
        self._store = Store(self._clock, self._ids)
        self._actions = FakeAsyncActions(self._store)
        self._faults = Faults()
        self._seeded = itertools.count(1)
        self.requests: list[RecordedRequest] = []
        """Every request received, oldest first (clear it with `fake.requests.clear()`)."""
        require_extra("the embedded fake API", "testing", TESTING)
        from ._app import build_app  # Starlette is imported only when a fake is built.

        self.app: ASGIApp = FakeMiddleware(
            build_app(self._store, self._actions),
            credentials=self.credentials,
            faults=self._faults,
            requests=self.requests,
            rate_limit=RateLimitCounter(rate_limit),
            clock=self._clock,
            ids=self._ids,
        )

    # -- connecting -------------------------------------------------------------------------

    @property
    def transport(self) -> httpx.ASGITransport:
        """A new `httpx.ASGITransport` to `app` on every access.

        A fresh one each time, because a client closes the transport it was given; all of
        them share this fake's state.
        """
        return httpx.ASGITransport(app=self.app)

    def client_kwargs(self) -> dict[str, Any]:
        """Return keyword arguments for `AsyncClient` that point it at this fake.

        Keys: `app_id`, `secret_key`, `client_app_id`, `client_secret_key`, `origin`
        (`http://localhost`), `base_url` and `transport` (a new one per call).
        """
        return {
            "app_id": self.credentials.app_id,
            "secret_key": self.credentials.secret_key,
            "client_app_id": self.credentials.client_app_id,
            "client_secret_key": self.credentials.client_secret_key,
            "origin": "http://localhost",
            "base_url": self.base_url,
            "transport": self.transport,
        }

    def server_headers(self) -> dict[str, str]:
        """Return the server-side auth headers, for raw httpx requests."""
        return {"X-App-Id": self.credentials.app_id, "X-App-Token": self.credentials.secret_key}

    def client_headers(self) -> dict[str, str]:
        """Return the client-side auth headers (with `Origin`), for raw httpx requests."""
        return {
            "X-Client-Application-Id": self.credentials.client_app_id,
            "X-Client-Token": self.credentials.client_secret_key,
            "Origin": "http://localhost",
        }

    # -- faults -----------------------------------------------------------------------------

    def inject_fault(
        self,
        status_or_kind: FaultKind,
        *,
        path: str | None = None,
        method: str | None = None,
        count: int = 1,
        retry_after: float | None = None,
    ) -> None:
        """Make the next `count` matching requests fail (before auth and routing).

        The fault's response carries an `X-Fake-Fault` header naming its kind.

        Args:
            status_or_kind: A 4xx/5xx status (`429` gets the API's rate-limit body and
                headers, others an `Error` body), `"html502"` (a proxy's HTML 502 page) or
                `"drop"` (the connection breaks mid-response; the client sees
                `httpx.RemoteProtocolError`).
            path: Only requests whose decoded path starts with this prefix.
            method: Only requests with this HTTP method.
            count: How many matching requests get the fault.
            retry_after: Seconds sent as `Retry-After` (and in `X-Rate-Limit-Retry` for 429).

        Raises:
            ValueError: An unknown kind or a `count` below 1.
        """
        self._faults.add(
            status_or_kind, path=path, method=method, count=count, retry_after=retry_after
        )

    def clear_faults(self) -> None:
        """Drop every fault not yet consumed."""
        self._faults.rules.clear()

    @property
    def async_polls_before_done(self) -> int:
        """How many GETs of a new async action report `IN_PROGRESS` before `DONE` (0)."""
        return self._actions.polls_before_done

    @async_polls_before_done.setter
    def async_polls_before_done(self, value: int) -> None:
        self._actions.polls_before_done = value

    # -- seeding ----------------------------------------------------------------------------

    def add_customer(
        self,
        *,
        created_at: datetime | str | None = None,
        updated_at: datetime | str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Store one customer directly and return it as the API renders it.

        Args:
            created_at: Its creation time (default: the clock's now).
            updated_at: Its update time (default: `created_at`).
            **fields: Customer body fields (`source_id`, `name`, `email`, `address`,
                `metadata`, ...), validated as POST /v1/customers would.

        Raises:
            ValueError: A field is invalid or the `source_id` is taken.
        """
        from ._customers import validate_changes
        from ._errors import FakeAPIError

        try:
            changes = validate_changes(fields)
        except FakeAPIError as exc:
            raise ValueError(exc.details) from None
        source_id = fields.get("source_id")
        if source_id is not None and self._store.find(source_id) is not None:
            raise ValueError(f"a customer with source_id {source_id!r} exists already")
        created = _as_datetime(created_at) if created_at is not None else self._store.now()
        record = self._store.insert(changes, source_id=source_id, at=created)
        if updated_at is not None:
            record.updated_at = to_ms(_as_datetime(updated_at))
        return record.render()

    def seed_customers(
        self,
        n: int,
        *,
        same_created_at: datetime | str | None = None,
        start: datetime | str | None = None,
        step_ms: int = 1000,
        prefix: str = "seed",
    ) -> list[dict[str, Any]]:
        """Create `n` customers `{prefix}-00001` ... with names, e-mails and cities.

        Args:
            n: How many.
            same_created_at: Give all of them this one creation time (a bulk import's tie).
            start: Creation time of the first; default `now - n * step_ms` so the last
                lands just before now.
            step_ms: Milliseconds between consecutive creation times (0 makes ties).
            prefix: Prefix of `source_id` / e-mail, unique across calls if you vary it.

        Returns:
            The created customers as the API renders them, in creation order.
        """
        if same_created_at is not None:
            first, step_ms = _as_datetime(same_created_at), 0
        elif start is not None:
            first = _as_datetime(start)
        else:
            first = add_ms(self._store.now(), -n * step_ms)
        created = []
        for index in range(n):
            number = next(self._seeded)
            created.append(
                self.add_customer(
                    created_at=add_ms(first, index * step_ms),
                    source_id=f"{prefix}-{number:05d}",
                    name=f"Seed Customer {number}",
                    email=f"{prefix}-{number:05d}@example.com",
                    address={"city": ("Warsaw", "Berlin", "New York")[number % 3]},
                    metadata={"seed": number},
                )
            )
        return created

    def seed_activity(
        self,
        customer_id: str,
        n: int,
        *,
        start: datetime | str | None = None,
        step_ms: int = 1000,
        type: str | None = None,
        campaign_id: str | None = None,
        campaign_type: str | None = None,
    ) -> list[dict[str, Any]]:
        """Add `n` activity events to a customer (types cycle through a realistic few).

        Args:
            customer_id: The customer's id or source_id.
            n: How many events.
            start: Time of the first event; default `now - n * step_ms`.
            step_ms: Milliseconds between events (0 makes ties).
            type: One event type for all, instead of cycling.
            campaign_id: Campaign the events belong to (filterable).
            campaign_type: Its type, e.g. `LOYALTY_PROGRAM` (filterable).

        Returns:
            The events as `CustomerActivity` objects, oldest first.

        Raises:
            KeyError: No such customer.
        """
        record = self._require(customer_id)
        first = (
            _as_datetime(start) if start is not None else add_ms(self._store.now(), -n * step_ms)
        )
        events = self._store.events.setdefault(record.id, [])
        made = []
        for index in range(n):
            at = to_ms(add_ms(first, index * step_ms))
            event_type, category = SEED_TYPES[(len(events)) % len(SEED_TYPES)]
            if type is not None:
                event_type = type
            event = ActivityEvent(
                id=self._ids.hex_id("evcus_", at),
                customer_id=record.id,
                type=event_type,
                category=category,
                created_at=at,
                group_id=self._ids.hex_id("v-", at),
                customer={"id": record.id, "source_id": record.source_id, "object": "customer"},
                campaign_id=campaign_id,
                campaign_type=campaign_type,
            )
            events.append(event)
            made.append(event.render())
        return made

    def seed_redeemables(
        self,
        customer_id: str,
        n: int,
        *,
        start: datetime | str | None = None,
        step_ms: int = 1000,
        holder_role: str | None = None,
        campaign_type: str | None = None,
    ) -> list[dict[str, Any]]:
        """Give a customer `n` vouchers (roles and campaign types cycle unless fixed).

        Args:
            customer_id: The customer's id or source_id.
            n: How many redeemables.
            start: `created_at` of the first; default `now - n * step_ms`.
            step_ms: Milliseconds between them.
            holder_role: `OWNER`, `REFERRER` or `REFEREE` for all, instead of cycling.
            campaign_type: One campaign type for all (`LOYALTY_PROGRAM`, `GIFT_VOUCHERS`,
                `DISCOUNT_COUPONS`, `REFERRAL_PROGRAM`), instead of cycling.

        Returns:
            The redeemables as `CustomerRedeemable` objects, oldest first.

        Raises:
            KeyError: No such customer.
        """
        record = self._require(customer_id)
        first = (
            _as_datetime(start) if start is not None else add_ms(self._store.now(), -n * step_ms)
        )
        holders = self._store.holders.setdefault(record.id, [])
        voucher_types = dict(_CAMPAIGNS)
        made = []
        for index in range(n):
            at = to_ms(add_ms(first, index * step_ms))
            position = len(holders)
            kind = campaign_type or _CAMPAIGNS[position % len(_CAMPAIGNS)][0]
            campaign_id = self._ids.random_id("camp_")
            holder = Holder(
                id=self._ids.hex_id("rh_", at),
                customer_id=record.id,
                created_at=at,
                holder_role=holder_role or _ROLES[position % len(_ROLES)],
                campaign_id=campaign_id,
                campaign_type=kind,
                voucher_type=voucher_types.get(kind, "DISCOUNT_VOUCHER"),
                voucher_id=self._ids.random_id("v_") + self._ids.random_id("")[:8],
                code=self._ids.random_id("")[:8],
                campaign_name=f"{kind.title().replace('_', ' ')} {position + 1}",
            )
            holders.append(holder)
            made.append(holder.render())
        return made

    def add_segment(
        self, name: str, *, customer_ids: Iterable[str] = (), id: str | None = None
    ) -> dict[str, Any]:
        """Create a static segment holding the given customers (ids or source_ids).

        Returns:
            The segment as a `SimpleSegment` object.

        Raises:
            KeyError: One of the customers does not exist.
        """
        segment = StoredSegment(id or self._ids.random_id("seg_"), name)
        segment.customer_ids = {self._require(customer).id for customer in customer_ids}
        self._store.segments[segment.id] = segment
        return segment.render()

    # -- inspecting -------------------------------------------------------------------------

    def get_customer(self, customer_id: str) -> dict[str, Any] | None:
        """Return a stored customer (by id or source_id) as rendered, or `None`."""
        record = self._store.find(customer_id)
        return record.render() if record is not None else None

    def customers(self) -> list[dict[str, Any]]:
        """Return every stored customer as rendered, oldest first (ties by id)."""
        records = sorted(self._store.customers.values(), key=lambda r: (r.created_at, r.id))
        return [record.render() for record in records]

    def consents(self, customer_id: str) -> dict[str, bool]:
        """Return the consents stored for a customer.

        Raises:
            KeyError: No such customer.
        """
        return dict(self._require(customer_id).consents)

    def async_action(self, action_id: str) -> dict[str, Any] | None:
        """Return a stored async action as its final (`DONE`) object, or `None`."""
        action = self._store.async_actions.get(action_id)
        return dict(action) if action is not None else None

    def _require(self, customer_id: str) -> Any:
        record = self._store.find(customer_id)
        if record is None:
            raise KeyError(f"no customer {customer_id!r} in the fake")
        return record


def _as_datetime(value: datetime | str) -> datetime:
    return parse_datetime(value) if isinstance(value, str) else to_ms(value)
