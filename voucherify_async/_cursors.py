"""How each list endpoint pages: the cursors `AsyncPager` drives.

A `Cursor` turns the page the API answered into the items to yield and the next request (its
query pairs without `limit`, which the pager adds). Returning `None` ends the walk; returning a
`VoucherifyError` ends it with that error, raised after the page's items have been yielded.

`TimeCursor` (list customers in a date order: the default newest-first, `created_at`,
`updated_at`, `-created_at`, `-updated_at`) is the one with an algorithm worth writing down.
`created_at` has millisecond precision, and a bulk import gives hundreds of customers the same
millisecond, more than fit on one page. The spec does not say whether `starting_after` or the
`created_at[before]`/`[after]` filters include their bound, so the walk works either way:

1. **Boundary.** After each page the cursor remembers the boundary: the millisecond T of the
   last customer yielded, and the ids yielded at T. Everything earlier in the walk than T has
   been yielded (the server's order is trusted), so a returned customer earlier than T, or at T
   with a remembered id, is a repeat and is dropped.
2. **Re-read the boundary.** The next request asks for T itself again: `starting_after` one
   millisecond before T in the walk's direction (T+1 ms newest-first, T-1 ms oldest-first),
   which returns T's customers whether the bound is exclusive or inclusive. Customers at T not
   seen yet are therefore never lost; those seen are dropped by step 1.
3. **Ties wider than a page.** If a full page brings nothing past T, the cursor would repeat
   its request forever. It walks the millisecond T alone instead: the order's date filters are
   narrowed to the window (T-1 ms, T+1 ms), intersected with the caller's own bounds (narrowed,
   never widened or dropped), and read with `page` = 1, 2, ... at the full `limit`, keeping only
   customers exactly at T. A short page, or one that reaches past T (inclusive bounds), ends
   the window; after page 99 (the API's cap: 99 pages of `limit`, so up to 9,900 customers in one
   millisecond at `limit=100`) with more to come, the walk raises `VoucherifyError`
   (`has_more: false` there means none; when the filters may include their bounds, page 99 of
   [T, T] is asked first, since what follows may be a neighbour 1 ms away). Reading by page
   offset assumes what any offset pagination does: the server keeps one order among the
   customers of T from page to page, and none of them is deleted or re-stamped while T is
   walked.
4. **Past the tie.** Once T is complete, the walk resumes strictly past it: `starting_after` = T.
5. **Learning the bounds.** A bound is known to be inclusive as soon as a customer exactly at a
   bound the cursor sent comes back. From then on the cursor sends tighter bounds (T instead of
   T+1 ms in step 2, T-1 ms in step 4, the window [T, T] in step 3; a window that learns it
   midway starts again at [T, T], so T's neighbours never use up its pages). Without that, an
   inclusive `starting_after` would hand T's customers back in step 4 forever.

Every request carries every filter the caller gave; a customer updated during an `updated_at`
walk moves to its new place in the order and can be met again there, with its new data.

**A server that misbehaves** ends the walk with `VoucherifyError` instead of a silent loss or a
repeat (the pager names the endpoint in the message):

- a customer on the wrong side of the start bound of its request (the `starting_after` cursor,
  or the date filter on the walk's side), or a page out of the order asked for: the walk would
  otherwise take it for a repeat and drop it, and could complete with customers missing. A
  customer exactly at a bound is not an error: the bounds may be inclusive (step 5);
- a customer listed twice within the pages of one window (step 3): page offsets never overlap;
- in `created_at` orders, a customer yielded before that comes back anywhere but in the re-read
  of the boundary (step 2), whose overlap is skipped as before. The walk keeps the ids it has
  yielded for that, in an `IdSet` (`_idset.py`: exact, ~32 bytes for a 29-character id, so
  ~32 MB per million customers, where a `set` of the strings took ~110). `updated_at` orders
  keep no such set, since a customer updated during the walk is rightly met again.

`PageNumberCursor` walks `page` for orders without a date cursor (`source_id`), dropping ids it
has yielded (it holds at most 99 pages of them: customers created during the walk shift the
offsets, so an overlap is expected there), and raises at the page cap. `NextIdCursor` follows
`more_starting_after` (activity, redeemables); `LastItemCursor` takes the old `/activities`
cursor from the last item. Both remember every cursor they followed and every item id they
yielded (`_Seen`, the same cost per id as above) and end the walk at the first repeat of
either, after the items before it: a server cycling its cursors (A, B, A, ...) or serving the
same items under ever new cursors is stopped at once instead of looping forever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Generic, Protocol, TypeVar

from ._convert import format_datetime
from ._errors import VoucherifyError
from ._idset import IdSet
from ._models import ActivitiesPage, Customer, CustomerActivity, CustomersPage
from ._queries import MAX_PAGE
from ._types import Query

__all__ = [
    "Cursor",
    "LastItemCursor",
    "NextIdCursor",
    "PageNumberCursor",
    "Query",
    "TimeCursor",
    "customers_cursor",
]

Next = Query | VoucherifyError | None

P_contra = TypeVar("P_contra", contravariant=True)
T = TypeVar("T")

_MS = timedelta(milliseconds=1)
# The first and last instants with a millisecond on either side, which a cursor next to them needs.
_FIRST_MS = datetime.min.replace(tzinfo=UTC) + _MS
_LAST_MS = datetime.max.replace(tzinfo=UTC) - _MS


class Cursor(Protocol[P_contra, T]):
    """How one list endpoint pages."""

    def start(self) -> Next:
        """The first request (every filter the caller gave, and the caller's own cursor)."""
        ...

    def page_size(self, limit: int, remaining: int | None) -> int:
        """The `limit` to ask for when `remaining` more items are wanted (`None`: all)."""
        ...

    def advance(self, page: P_contra, asked: int) -> tuple[list[T], Next]:
        """The new items of `page` (asked with `limit=asked`) and the request after it."""
        ...


def _full(count: int, asked: int, has_more: bool | None) -> bool:
    """Whether more may follow a page of `count` items asked with `limit=asked`."""
    return count >= asked or has_more is True


def _past_cap(count: int, asked: int, has_more: bool | None) -> bool:
    """Whether items remain after the last page the API serves (page 99 of `count` items).

    Stricter than `_full`: a full last page with `has_more: false` has nothing after it, and
    raising the cap error there would claim items that do not exist.
    """
    return has_more if has_more is not None else count >= asked


def _smaller(limit: int, remaining: int | None) -> int:
    return limit if remaining is None else max(1, min(limit, remaining))


# -- list customers by date ---------------------------------------------------------------------


@dataclass
class _Boundary:
    """The millisecond of the last customer yielded, and who was yielded there."""

    ms: datetime
    ids: set[str] = field(default_factory=set)
    complete: bool = False  # every customer at `ms` has been yielded (after a tie walk)


@dataclass
class _Window:
    """The bounds of one request that walks the tied millisecond `ms` page by page."""

    ms: datetime
    after: datetime
    before: datetime
    page: int = 1
    probe: bool = False  # page 99 of [T, T], asked to tell T's customers from its neighbours'
    listed: set[str] = field(default_factory=set)  # every id its pages listed: none may recur


class TimeCursor:
    """`starting_after` on list customers, tie-safe (the algorithm: this module's docstring).

    Args:
        filters: every query pair of the caller except the two date bounds of `stamp`.
        stamp: `created_at` or `updated_at`, the field the order sorts by.
        descending: newest first (the default order, `-created_at`, `-updated_at`).
        after: the caller's `{stamp}[after]` bound, if any.
        before: the caller's `{stamp}[before]` bound, if any.
        starting_after: the caller's own first cursor, as sent on the wire.
    """

    def __init__(
        self,
        filters: Query,
        *,
        stamp: str,
        descending: bool,
        after: datetime | None = None,
        before: datetime | None = None,
        starting_after: str | None = None,
    ) -> None:
        self._filters = filters
        self._stamp = stamp
        self._descending = descending
        self._step = -_MS if descending else _MS  # one millisecond further along the walk
        self._after = after
        self._before = before
        self._first_cursor = starting_after
        self._boundary: _Boundary | None = None
        self._window: _Window | None = None
        self._cursor_inclusive = False
        self._filter_inclusive = False
        self._sent_cursor: datetime | None = (
            datetime.fromisoformat(starting_after) if starting_after is not None else None
        )
        self._last: Query | None = None
        # The bound on the walk's side of the request in flight: no customer may precede it.
        self._floor: datetime | None = None
        # `created_at` never changes, so a customer met twice is the server repeating itself.
        self._yielded: IdSet | None = IdSet() if stamp == "created_at" else None

    def start(self) -> Next:
        """The caller's filters and bounds, with the caller's `starting_after` if any."""
        query = [*self._filters, *self._bounds(self._after, self._before)]
        if self._first_cursor is not None:
            query.append(("starting_after", self._first_cursor))
        self._floor = self._start_side(self._sent_cursor, self._after, self._before)
        self._last = query
        return query

    def page_size(self, limit: int, remaining: int | None) -> int:
        """Full pages while a millisecond is walked; else room for the re-read boundary too."""
        boundary = self._boundary
        if self._window is not None or remaining is None:
            return limit
        overlap = len(boundary.ids) if boundary is not None and not boundary.complete else 0
        return _smaller(limit, remaining + overlap)

    def advance(self, page: CustomersPage, asked: int) -> tuple[list[Customer], Next]:
        """Keep the customers not yielded yet, and pick the next request.

        A page out of the order asked for ends the walk after the customers before the first
        one out of place.
        """
        raw = page.customers
        stamps, disorder = self._stamps(raw)
        if disorder is None:
            return self._advance(raw, stamps, page.has_more, asked)
        cut, message = disorder
        items, following = self._advance(raw[:cut], stamps[:cut], page.has_more, asked)
        if isinstance(following, VoucherifyError):
            return items, following  # a repeat earlier in the page than the disorder
        return items, VoucherifyError(message)

    def _advance(
        self, raw: list[Customer], stamps: list[datetime], has_more: bool | None, asked: int
    ) -> tuple[list[Customer], Next]:
        """`advance` for the customers in order, `stamps[i]` being `raw[i]`'s millisecond."""
        self._learn(raw)
        more = _full(len(raw), asked, has_more)
        window = self._window
        if window is not None:
            if raw and self._beyond(stamps[-1], window.ms):
                more = False  # the page reached past the tie (inclusive bounds): it is complete
            elif window.page >= MAX_PAGE:
                more = _past_cap(len(raw), asked, has_more)
            return self._advance_window(window, raw, stamps, more, asked)
        items: list[Customer] = []
        for customer, ms in zip(raw, stamps, strict=True):
            if self._is_new(customer, ms):
                repeat = self._repeat(customer)
                if repeat is not None:
                    return items, repeat
                items.append(customer)
        if not more:
            return items, None
        boundary = self._boundary
        if boundary is None:
            return items, self._last  # nothing to go on: the pager's repeat guard stops it
        tied = not boundary.complete and len(raw) >= asked
        if tied and stamps[0] == stamps[-1] == boundary.ms:
            return items, self._enter_window(boundary.ms)  # a whole (sorted) page in one ms
        following = self._past(boundary)
        if tied and following == self._last:
            return items, self._enter_window(boundary.ms)  # nothing past the boundary fitted
        self._last = following
        return items, following

    # -- the window over one millisecond --------------------------------------------------------

    def _enter_window(self, ms: datetime) -> Query:
        if self._filter_inclusive:
            after, before = ms, ms
        else:
            after, before = ms - _MS, ms + _MS
        self._window = _Window(ms, after, before)
        return self._window_query(self._window)

    def _window_query(self, window: _Window) -> Query:
        after = window.after if self._after is None else max(window.after, self._after)
        before = window.before if self._before is None else min(window.before, self._before)
        self._sent_cursor = None
        self._floor = self._start_side(None, after, before)
        query = [*self._filters, *self._bounds(after, before), ("page", str(window.page))]
        self._last = query
        return query

    def _advance_window(
        self, window: _Window, raw: list[Customer], stamps: list[datetime], more: bool, asked: int
    ) -> tuple[list[Customer], Next]:
        boundary = self._boundary
        assert boundary is not None
        assert boundary.ms == window.ms
        items: list[Customer] = []
        for customer, ms in zip(raw, stamps, strict=True):
            customer_id = _id(customer)
            if customer_id in window.listed:
                return items, VoucherifyError(
                    f"the API listed customer {customer_id} twice in the pages of "
                    f"{self._stamp} {format_datetime(window.ms)} (page {window.page} repeats "
                    "an earlier page): stopping rather than yielding it twice"
                )
            window.listed.add(customer_id)
            if ms == window.ms and customer_id not in boundary.ids:
                repeat = self._repeat(customer)
                if repeat is not None:
                    return items, repeat
                boundary.ids.add(customer_id)
                items.append(customer)
        cap = VoucherifyError(
            f"more customers share {self._stamp} {format_datetime(window.ms)} than "
            f"{MAX_PAGE} pages of {asked} hold (the API's page cap): the walk cannot "
            "go past them (a larger limit, up to 100, holds more)"
        )
        if window.probe and not raw:
            return items, cap  # exclusive filters: the wide window held T's customers only
        if more:
            wide = window.after != window.before
            if self._filter_inclusive and wide:
                # The filters turned out to include their bounds, so the window holds T's
                # neighbours too: read T alone from page 1 (the ids seen drop the repeats),
                # lest the neighbours use up pages of the cap.
                return items, self._enter_window(window.ms)
            if window.page >= MAX_PAGE:
                if not wide:
                    return items, cap
                # What follows page 99 may be a neighbour 1 ms away, if the filters include
                # their bounds: page 99 of [T, T] tells (empty when they do not).
                self._window = _Window(window.ms, window.ms, window.ms, MAX_PAGE, probe=True)
                return items, self._window_query(self._window)
            window.page += 1
            return items, self._window_query(window)
        self._window = None
        boundary.complete = True
        boundary.ids.clear()
        following = self._past(boundary)
        self._last = following
        return items, following

    # -- the ordinary step ----------------------------------------------------------------------

    def _past(self, boundary: _Boundary) -> Query:
        """The request that re-reads the boundary (or goes strictly past a complete one)."""
        if boundary.complete:
            cursor = boundary.ms + self._step if self._cursor_inclusive else boundary.ms
        else:
            cursor = boundary.ms if self._cursor_inclusive else boundary.ms - self._step
        self._sent_cursor = cursor
        self._floor = self._start_side(cursor, self._after, self._before)
        return [
            *self._filters,
            *self._bounds(self._after, self._before),
            ("starting_after", format_datetime(cursor)),
        ]

    def _beyond(self, ms: datetime, reference: datetime) -> bool:
        """Whether `ms` comes after `reference` in the walk's direction."""
        return ms < reference if self._descending else ms > reference

    def _start_side(
        self, cursor: datetime | None, after: datetime | None, before: datetime | None
    ) -> datetime | None:
        """The tightest bound a request sets on the side the walk starts from."""
        bounds = [b for b in (cursor, before if self._descending else after) if b is not None]
        if not bounds:
            return None
        return min(bounds) if self._descending else max(bounds)

    def _stamps(self, raw: list[Customer]) -> tuple[list[datetime], tuple[int, str] | None]:
        """The customers' milliseconds (`_ms`, read once a page), up to the first out of order.

        Returns the milliseconds, and the index of the first customer out of the order asked for
        with the reason, or `None`. Out of order: before the start bound of its request (a
        customer exactly at the bound is fine: the bounds may be inclusive), or before the
        customer listed ahead of it.
        """
        order = f"{self._stamp} {'newest' if self._descending else 'oldest'} first"
        floor = self._floor
        stamps: list[datetime] = []
        for index, customer in enumerate(raw):
            ms = self._ms(customer)
            if floor is not None and self._beyond(floor, ms):
                side = "after" if self._descending else "before"
                problem = (
                    f"the API went backwards: asked for customers from {format_datetime(floor)} "
                    f"on ({order}), it listed customer {_id(customer)} at "
                    f"{format_datetime(ms)}, {side} that bound; stopping rather than "
                    "completing the walk with customers missing"
                )
                return stamps, (index, problem)
            if stamps and self._beyond(stamps[-1], ms):
                problem = (
                    f"the API listed customer {_id(customer)} ({format_datetime(ms)}) after "
                    f"customer {_id(raw[index - 1])} ({format_datetime(stamps[-1])}), out of "
                    f"the order asked for ({order}); stopping rather than completing the walk "
                    "with customers missing"
                )
                return stamps, (index, problem)
            stamps.append(ms)
        return stamps, None

    def _repeat(self, customer: Customer) -> VoucherifyError | None:
        """The error for a customer yielded before (`created_at` orders), else note it."""
        if self._yielded is None:
            return None
        customer_id = _id(customer)
        if self._yielded.add(customer_id):
            return None
        return VoucherifyError(
            f"the API listed customer {customer_id} again ({self._stamp} "
            f"{format_datetime(self._ms(customer))}), where the walk's cursor excludes it "
            "(it was yielded already): stopping rather than yielding it twice"
        )

    def _is_new(self, customer: Customer, ms: datetime) -> bool:
        boundary = self._boundary
        if boundary is not None:
            if self._beyond(boundary.ms, ms):
                return False  # earlier in the walk than the boundary: yielded already
            if ms == boundary.ms:
                if boundary.complete or _id(customer) in boundary.ids:
                    return False
                boundary.ids.add(_id(customer))
                return True
        self._boundary = _Boundary(ms, {_id(customer)})
        return True

    def _learn(self, raw: list[Customer]) -> None:
        """Note a bound the server included: a customer exactly at a bound we sent."""
        window = self._window  # the window of the request that `raw` answers, if any
        for customer in raw:
            value = getattr(customer, self._stamp)
            if value is None:
                continue
            if self._sent_cursor is not None and value == self._sent_cursor:
                self._cursor_inclusive = True
            if window is not None and value in (window.after, window.before):
                self._filter_inclusive = True

    def _ms(self, customer: Customer) -> datetime:
        value: datetime | None = getattr(customer, self._stamp)
        if value is None:
            raise VoucherifyError(
                f"customer {customer.id} has no {self._stamp}: the walk cannot continue past it"
            )
        try:
            return _cursor_ms(value)
        except OverflowError:
            raise _beyond_the_calendar(value, f"customer {customer.id}'s {self._stamp}") from None

    def _bounds(self, after: datetime | None, before: datetime | None) -> Query:
        query = []
        if before is not None:
            query.append((f"{self._stamp}[before]", format_datetime(before)))
        if after is not None:
            query.append((f"{self._stamp}[after]", format_datetime(after)))
        return query


def _cursor_ms(value: datetime) -> datetime:
    """`value` in UTC, to the millisecond, with room for a cursor 1 ms either side of it.

    The server's date-times are read as sent: `0001-01-01T00:00:00+01:00` has no UTC form, and
    `9999-12-31T23:59:59.999Z` no millisecond after it; a walk cannot page past either.

    Raises:
        OverflowError: for such a value (`_beyond_the_calendar` says why, for the walk's error).
    """
    utc = value.astimezone(UTC)
    if not _FIRST_MS <= utc <= _LAST_MS:
        raise OverflowError(value)
    extra = utc.microsecond % 1000
    return utc.replace(microsecond=utc.microsecond - extra) if extra else utc


def _beyond_the_calendar(value: datetime, what: str) -> VoucherifyError:
    return VoucherifyError(
        f"{what} {value.isoformat()} lies outside the years 1..9999 in UTC, or on their "
        "edge: the walk cannot build a cursor next to it"
    )


def _id(customer: Customer) -> str:
    if customer.id is None:
        raise VoucherifyError("the API listed a customer without an id: cannot de-duplicate")
    return customer.id


# -- list customers by page number ---------------------------------------------------------------


class PageNumberCursor:
    """`page` = 1, 2, ... 99 at the full `limit` (list customers in `source_id` orders)."""

    def __init__(self, filters: Query) -> None:
        self._filters = filters
        self._page = 1
        self._seen = IdSet()

    def start(self) -> Next:
        """The caller's filters, page 1."""
        return [*self._filters, ("page", "1")]

    def page_size(self, limit: int, remaining: int | None) -> int:
        """Always `limit`: the page numbers count pages of that size."""
        return limit

    def advance(self, page: CustomersPage, asked: int) -> tuple[list[Customer], Next]:
        """The customers not yielded yet; the next page, or the cap error after page 99."""
        items = []
        for customer in page.customers:  # one by one: a page may list a customer twice too
            if self._seen.add(_id(customer)):
                items.append(customer)
        if not _full(len(page.customers), asked, page.has_more):
            return items, None
        if self._page >= MAX_PAGE:
            if not _past_cap(len(page.customers), asked, page.has_more):
                return items, None
            return items, VoucherifyError(
                f"list customers stops at page {MAX_PAGE} (the API's page cap) in orders "
                "without a date cursor, and more customers remain: narrow the walk with "
                "filters (e.g. created_at_after/created_at_before) or use a date order"
            )
        self._page += 1
        return items, [*self._filters, ("page", str(self._page))]


# -- activity, redeemables, the old activities ----------------------------------------------------


class _Identified(Protocol):
    @property
    def id(self) -> str | None: ...


Item = TypeVar("Item", bound=_Identified)


class _NextIdPage(Protocol[Item]):
    """What `ActivityPage` and `RedeemablesPage` share."""

    @property
    def data(self) -> list[Item]: ...

    @property
    def has_more(self) -> bool | None: ...

    @property
    def more_starting_after(self) -> str | None: ...


class _Seen(Generic[Item]):
    """The cursors one walk followed and the ids of the items it yielded: none may come back.

    Items without an id cannot be told apart and are let through; a cycle of cursors is still
    caught by the cursors.
    """

    def __init__(self, first: Query) -> None:
        self._cursors = {pair for pair in first if pair[0] in _CURSOR_NAMES}
        self._ids = IdSet()

    def new_items(self, items: list[Item]) -> tuple[list[Item], VoucherifyError | None]:
        """The items up to the first one yielded before, and the error for that one."""
        for index, item in enumerate(items):
            if item.id is None:
                continue
            if not self._ids.add(item.id):
                return items[:index], VoucherifyError(
                    f"the API listed item {item.id!r} again after the walk had yielded it: "
                    "stopping rather than yielding it twice"
                )
        return items, None

    def follow(self, filters: Query, name: str, value: str) -> Next:
        """The next request, or the error if the walk followed this cursor before."""
        if (name, value) in self._cursors:
            return VoucherifyError(
                f"the API gave the cursor {name}={value} a second time (its cursors cycle): "
                "stopping instead of requesting the same pages forever"
            )
        self._cursors.add((name, value))
        return [*filters, (name, value)]


_CURSOR_NAMES = ("starting_after", "starting_after_id")


class NextIdCursor(Generic[Item]):
    """`starting_after_id` = `more_starting_after` while `has_more` (activity, redeemables).

    Without `more_starting_after` on a page that has more, the last item's id is the cursor.
    """

    def __init__(self, filters: Query, first: Query) -> None:
        self._filters = filters
        self._first = first
        self._seen: _Seen[Item] = _Seen(first)

    def start(self) -> Next:
        """The caller's filters, with the caller's `starting_after_id` if any."""
        return [*self._filters, *self._first]

    def page_size(self, limit: int, remaining: int | None) -> int:
        """No more than still wanted."""
        return _smaller(limit, remaining)

    def advance(self, page: _NextIdPage[Item], asked: int) -> tuple[list[Item], Next]:
        """The page's new items; the next request while `has_more`; an error at a repeat."""
        items, repeat = self._seen.new_items(page.data)
        if repeat is not None:
            return items, repeat
        if not page.has_more:
            return items, None
        cursor = page.more_starting_after or (items[-1].id if items else None)
        if cursor is None:
            return items, VoucherifyError(
                "the API said has_more but gave no more_starting_after cursor and no items"
            )
        return items, self._seen.follow(self._filters, "starting_after_id", cursor)


class LastItemCursor:
    """The old `/activities`: the last item's id as `starting_after_id`, until a short page.

    An item without an id gives its `created_at` as `starting_after` instead.
    """

    def __init__(self, filters: Query, first: Query) -> None:
        self._filters = filters
        self._first = first
        self._seen: _Seen[CustomerActivity] = _Seen(first)

    def start(self) -> Next:
        """The caller's filters and cursor."""
        return [*self._filters, *self._first]

    def page_size(self, limit: int, remaining: int | None) -> int:
        """No more than still wanted."""
        return _smaller(limit, remaining)

    def advance(self, page: ActivitiesPage, asked: int) -> tuple[list[CustomerActivity], Next]:
        """The page's new items; the next request after a full page; an error at a repeat."""
        items, repeat = self._seen.new_items(page.data)
        if repeat is not None:
            return items, repeat
        if len(items) < asked:
            return items, None
        last = items[-1]
        if last.id is not None:
            return items, self._seen.follow(self._filters, "starting_after_id", last.id)
        if last.created_at is not None:
            try:
                cursor = _cursor_ms(last.created_at)
            except OverflowError:  # after the items of the page
                return items, _beyond_the_calendar(
                    last.created_at, "the last activity's created_at"
                )
            return items, self._seen.follow(
                self._filters, "starting_after", format_datetime(cursor)
            )
        return items, VoucherifyError(
            "the last activity of a full page has neither id nor created_at: no cursor to follow"
        )


def customers_cursor(
    filters: Query, *, order: str | None, starting_after: str | None
) -> TimeCursor | PageNumberCursor:
    """The cursor of list customers for `order`, over the caller's `filters` (order included).

    Date orders get the tie-safe `TimeCursor`, whose order date bounds are taken out of
    `filters` so that a tie walk can narrow them; `source_id` orders walk page numbers.
    """
    if order is not None and order.lstrip("-") == "source_id":
        if starting_after is not None:
            filters = [*filters, ("starting_after", starting_after)]
        return PageNumberCursor(filters)
    stamp = (
        "updated_at" if order is not None and order.lstrip("-") == "updated_at" else "created_at"
    )
    bounds: dict[str, datetime | None] = {f"{stamp}[after]": None, f"{stamp}[before]": None}
    rest = []
    for name, value in filters:
        if name in bounds:
            bounds[name] = datetime.fromisoformat(value)
        else:
            rest.append((name, value))
    return TimeCursor(
        rest,
        stamp=stamp,
        descending=order not in ("created_at", "updated_at"),
        after=bounds[f"{stamp}[after]"],
        before=bounds[f"{stamp}[before]"],
        starting_after=starting_after,
    )
