"""`IdSet`, the ids a walk has yielded: exact like a `set`, in ~32 bytes per id, not ~110.

Then the walks that keep one: 10,000 ids later, they still stop at a repeat of the first one.
"""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voucherify_async import VoucherifyError
from voucherify_async._cursors import NextIdCursor, customers_cursor
from voucherify_async._idset import IdSet
from voucherify_async._models import ActivityPage, Customer, CustomerActivity, CustomersPage

ID = "cust_0a1B2c3D4e5F6g7H8i9J0kLm"  # 29 characters, as the API's ids


def test_add_says_whether_the_id_was_new_and_in_and_len_follow() -> None:
    ids = IdSet()
    assert ids.add(ID)
    assert not ids.add(ID)
    assert ID in ids
    assert "cust_other" not in ids
    assert len(ids) == 1


def test_ids_that_contain_one_another_are_told_apart() -> None:
    ids = IdSet()
    for key in ("ab", "a", "b", ""):
        assert ids.add(key)
    # Substrings and concatenations of what is stored, none of them stored.
    for absent in ("abb", "ba", "aab", "bab", "ab\xff", " ", "a\x00b", "A"):
        assert absent not in ids
        assert ids.add(absent)
    assert len(ids) == 12


def test_only_strings_are_members() -> None:
    ids = IdSet()
    ids.add("1")
    assert 1 not in ids
    assert b"1" not in ids


def test_non_ascii_ids_and_lone_surrogates_are_kept_exactly() -> None:
    keys = ["klient_żółć", "顧客_1", "顧客_2", "👤", "ÿ", "\uffff"]
    keys += ["\ud800", "\udc00", "\ud800\udc00"]  # lone surrogates, and a pair left unjoined
    ids = IdSet()
    for key in keys:
        assert ids.add(key)
    for key in keys:
        assert key in ids
        assert not ids.add(key)
    assert "\U00010000" not in ids  # the character the surrogate pair above would encode
    assert "klient_zolc" not in ids


def test_ids_in_one_bucket_are_confirmed_by_their_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every id hashes alike: one bucket at every size, so only the bytes tell them apart.
    monkeypatch.setattr("voucherify_async._idset.hash", lambda _: 7, raising=False)
    ids = IdSet()
    keys = [f"cust_{n}" for n in range(200)]  # past several doublings of the buckets
    for key in keys:
        assert ids.add(key)
    assert all(key in ids for key in keys)
    assert not any(ids.add(key) for key in keys)
    assert "cust_200" not in ids
    assert "cust_1" in ids
    assert "cust_" not in ids
    assert "ust_1" not in ids
    assert len(ids) == 200


def test_growing_keeps_every_id_and_finds_no_other() -> None:
    ids = IdSet()
    keys = [f"cust_{n:024d}" for n in range(5000)]
    for count, key in enumerate(keys, 1):
        assert ids.add(key)
        assert len(ids) == count
    assert all(key in ids for key in keys)
    assert not any(ids.add(key) for key in keys)
    assert not any(f"cust_{n:024d}" in ids for n in range(5000, 6000))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=()), max_size=12), max_size=300))
def test_it_answers_as_a_set_does(keys: list[str]) -> None:
    ids, model = IdSet(), set[str]()
    for key in keys:
        assert ids.add(key) == (key not in model)
        model.add(key)
    assert len(ids) == len(model)
    assert all(key in ids for key in model)


def test_an_id_of_the_apis_length_costs_under_40_bytes() -> None:
    ids = IdSet()
    count = 20_000
    for n in range(count):
        ids.add(f"cust_{n:024x}")
    assert sys.getsizeof(ids) < 40 * count


# -- the walks that keep one ----------------------------------------------------------------------

COUNT = 10_000  # customers walked before the repeat
START = datetime(2024, 1, 1, tzinfo=UTC)
Step = tuple[object, list[Any], object]  # the cursor, the items of its last page, what next
Walk = Callable[[], Step]


def retained_per_id(walk: Walk) -> tuple[float, list[Any], object]:
    """The bytes the cursor of `walk` holds per item at its end; its last items and next.

    Each page is made fresh and let go, so what stays allocated is what the cursor holds.
    """
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        cursor, items, following = walk()
        held = tracemalloc.get_traced_memory()[0] - before
        del cursor
    finally:
        tracemalloc.stop()
    return held / COUNT, items, following


def customers_walk() -> Step:
    cursor = customers_cursor([], order=None, starting_after=None)  # newest first, created_at
    cursor.start()

    def page(numbers: range | list[int], stamps: range | list[int]) -> CustomersPage:
        customers = [
            Customer(id=f"cust_{n:024d}", created_at=START - timedelta(milliseconds=ms))
            for n, ms in zip(numbers, stamps, strict=True)
        ]
        return CustomersPage(customers=customers, has_more=True)

    for first in range(0, COUNT, 100):
        numbers = range(first, first + 100)
        cursor.advance(page(numbers, numbers), 100)
    # A new customer, then the first one again, stamped past the walk's boundary.
    return cursor, *cursor.advance(page([COUNT, 0], [COUNT, COUNT + 1]), 100)


def activity_walk() -> Step:
    cursor: NextIdCursor[CustomerActivity] = NextIdCursor([], [])
    cursor.start()

    def page(numbers: range, more: str) -> ActivityPage:
        data = [CustomerActivity(id=f"evcus_{n:023d}") for n in numbers]
        return ActivityPage(data=data, has_more=True, more_starting_after=more)

    for first in range(0, COUNT, 100):
        cursor.advance(page(range(first, first + 100), f"cursor-{first}"), 100)
    last = ActivityPage(
        data=[CustomerActivity(id=f"evcus_{n:023d}") for n in (COUNT, 0)],
        has_more=True,
        more_starting_after="cursor-last",
    )
    return cursor, *cursor.advance(last, 100)


@pytest.mark.parametrize(
    ("walk", "repeated"),
    [
        pytest.param(customers_walk, f"cust_{0:024d}", id="iter_all created_at"),
        pytest.param(activity_walk, f"evcus_{0:023d}", id="iter_activity"),
    ],
)
def test_a_walk_keeps_10000_ids_in_under_40_bytes_each_and_still_stops_at_a_repeat(
    walk: Walk, repeated: str
) -> None:
    per_id, items, following = retained_per_id(walk)
    assert [item.id for item in items] == [items[0].id]  # the new one, not the repeat
    assert isinstance(following, VoucherifyError)
    assert repeated in str(following)
    assert per_id < 40
