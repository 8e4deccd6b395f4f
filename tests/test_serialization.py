"""`to_dict` / `to_json`: models back to the JSON the API sends, and the round trip.

Synchronous: encoding involves no I/O and no event loop.
"""

from __future__ import annotations

import functools
import json
import types
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import attrs
import pytest
from _identical import assert_identical
from hypothesis import given, settings
from hypothesis import strategies as st

import voucherify_async
from voucherify_async import (
    Address,
    AsyncAction,
    AsyncActionResult,
    BulkChunk,
    BulkChunkFailure,
    Customer,
    CustomerLoyalty,
    CustomerReferrals,
    CustomersPage,
    CustomerUpdate,
    LoyaltyCampaignSummary,
    ReferralCampaign,
    _models,
    to_dict,
    to_json,
)
from voucherify_async._convert import decode, structure, unstructure_request

EXAMPLES = Path(__file__).parent / "spec" / "examples"

RESPONSE_MODELS = sorted(
    (
        obj
        for obj in (getattr(voucherify_async, name) for name in voucherify_async.__all__)
        if isinstance(obj, type) and attrs.has(obj) and "extra" in attrs.fields_dict(obj)
    ),
    key=lambda cls: cls.__name__,
)

# --- strategies built from the attrs fields -----------------------------------------------

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # no lone surrogates
INTS = st.integers(-(2**63), 2**63 - 1)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=4,
)
OFFSETS = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
)
# The API writes milliseconds, so that is the precision that survives a round trip.
DATETIMES = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS
).map(lambda value: value.replace(microsecond=value.microsecond // 1000 * 1000))


def strategy_for(annotation: Any) -> st.SearchStrategy[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return st.one_of(*(strategy_for(arg) for arg in get_args(annotation)))
    if annotation is type(None):
        return st.none()
    if annotation is Any:
        return JSON_VALUES
    simple: dict[Any, st.SearchStrategy[Any]] = {
        str: TEXT,
        int: INTS,
        bool: st.booleans(),
        float: st.floats(allow_nan=False, allow_infinity=False),
        datetime: DATETIMES,
        date: st.dates(),
    }
    if annotation in simple:
        return simple[annotation]
    if attrs.has(annotation):
        return model_strategy(annotation)
    args = get_args(annotation)
    if get_origin(annotation) is list:
        return st.lists(strategy_for(args[0]), max_size=2)
    if get_origin(annotation) is dict:
        return st.dictionaries(TEXT, strategy_for(args[1]), max_size=2)
    raise TypeError(f"no strategy for {annotation!r}")


@functools.cache  # built once per model: hypothesis validates each new strategy on its first draw
def model_strategy(cls: type[Any]) -> st.SearchStrategy[Any]:
    attrs.resolve_types(cls)
    fields = attrs.fields_dict(cls)
    known = set(fields)
    strategies = {name: strategy_for(a.type) for name, a in fields.items() if name != "extra"}
    strategies["extra"] = st.dictionaries(
        TEXT.filter(lambda key: key not in known), JSON_VALUES, max_size=2
    )
    return st.builds(cls, **strategies)


def test_every_response_model_is_covered() -> None:
    every_model = {getattr(_models, name) for name in _models.__all__}

    # The request record, and the results bulk_update builds (no API object has their shape).
    not_from_the_api = {CustomerUpdate, BulkChunk, BulkChunkFailure}

    assert set(RESPONSE_MODELS) == every_model - not_from_the_api


# --- the round trip, for every model ------------------------------------------------------


@pytest.mark.parametrize("cls", RESPONSE_MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_structure_of_to_dict_is_the_model(cls: type[Any], data: st.DataObject) -> None:
    model = data.draw(model_strategy(cls))

    again = structure(to_dict(model), cls)
    through_bytes = decode(to_json(model).encode(), cls)  # the fast path, where it applies

    assert again == model
    assert_identical(again, model, cls.__name__, same_offsets=False)
    assert_identical(through_bytes, model, cls.__name__, same_offsets=False)


@pytest.mark.parametrize("cls", RESPONSE_MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_exclude_none_round_trips_all_but_the_none_fields(
    cls: type[Any], data: st.DataObject
) -> None:
    model = data.draw(model_strategy(cls))

    encoded = to_dict(model, exclude_none=True)
    again = structure(encoded, cls)

    assert again == model
    assert None not in encoded.values()
    assert again.extra == {k: v for k, v in model.extra.items() if v is not None}


# --- the wire format ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "stem", ["list-customers.200", "create-customer.200", "update-customer.200"]
)
def test_a_decoded_example_encodes_back_to_the_same_json(stem: str) -> None:
    body = (EXAMPLES / f"{stem}.json").read_bytes()
    cls = CustomersPage if stem.startswith("list") else Customer

    assert to_dict(decode(body, cls), exclude_none=True) == json.loads(body)


def test_date_times_are_written_as_the_api_writes_them() -> None:
    customer = Customer(
        id="c1",
        created_at=datetime(2024, 3, 22, 19, 48, 18, 570999, tzinfo=timezone(timedelta(hours=2))),
        birthdate=date(990, 1, 2),
        referrals=CustomerReferrals(
            campaigns=[ReferralCampaign(date=datetime(5, 1, 2, 3, 4, 5, tzinfo=UTC))]
        ),
    )

    out = to_dict(customer)

    assert out["created_at"] == "2024-03-22T17:48:18.570Z"
    assert out["birthdate"] == "0990-01-02"
    assert out["referrals"]["campaigns"][0]["date"] == "0005-01-02T03:04:05.000Z"


def test_known_fields_come_first_then_extra_merged_back() -> None:
    customer = structure({"id": "c1", "tier": {"level": 3}, "name": "A"}, Customer)

    out = to_dict(customer)

    assert list(out)[-1] == "tier"
    assert out["tier"] == {"level": 3}
    assert "extra" not in out
    assert [name for name in out if name != "tier"] == [
        a.name for a in attrs.fields(Customer) if a.name != "extra"
    ]


def test_none_fields_are_kept_unless_excluded() -> None:
    customer = Customer(id="c1", address=Address(city="Oslo"), metadata={"gone": None})

    full = to_dict(customer)
    sparse = to_dict(customer, exclude_none=True)

    assert full["name"] is None
    assert full["address"] == {
        "city": "Oslo",
        "state": None,
        "line_1": None,
        "line_2": None,
        "country": None,
        "postal_code": None,
    }
    assert "name" not in sparse
    assert sparse["address"] == {"city": "Oslo"}
    assert sparse["metadata"] == {"gone": None}  # a None inside metadata is data


def test_nested_models_lists_and_maps_are_encoded() -> None:
    action = AsyncAction(id="aa_1", result=AsyncActionResult(done_count=2, reports=["r1"]))
    loyalty = CustomerLoyalty(campaigns={"Summer": LoyaltyCampaignSummary(points=5)})

    assert to_dict(action, exclude_none=True) == {
        "id": "aa_1",
        "result": {"done_count": 2, "failed": [], "reports": ["r1"], "errors": []},
        "object": "async_action",
    }
    assert to_dict(loyalty)["campaigns"] == {"Summer": {"points": 5, "referred_customers": None}}


def test_to_dict_is_a_copy() -> None:
    customer = Customer(id="c1", metadata={"tags": ["a"]})

    out = to_dict(customer)
    out["metadata"]["tags"].append("b")

    assert customer.metadata == {"tags": ["a"]}


def test_date_times_inside_metadata_are_encoded_too() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

    out = to_dict(Customer(metadata={"seen": when, "day": date(2024, 1, 2)}))

    assert out["metadata"] == {"seen": "2024-01-02T03:04:05.000Z", "day": "2024-01-02"}


def test_to_json_is_the_json_of_to_dict() -> None:
    customer = Customer(id="c1", name="Zoë", created_at=datetime(2024, 1, 2, tzinfo=UTC))

    text = to_json(customer)

    assert json.loads(text) == to_dict(customer)
    assert "Zoë" in text  # UTF-8, not \\u escapes
    assert "\n" not in text
    assert json.loads(to_json(customer, exclude_none=True)) == to_dict(customer, exclude_none=True)


def test_to_json_indent_is_for_people() -> None:
    text = to_json(Address(city="Oslo"), exclude_none=True, indent=True)

    assert text == '{\n  "city": "Oslo"\n}'


def test_a_request_model_encodes_as_the_request_body() -> None:
    record = CustomerUpdate(
        source_id="s1", birthdate=date(1990, 1, 2), address=Address(city="Oslo")
    )

    assert to_dict(record, exclude_none=True) == unstructure_request(record)
    assert to_dict(record, exclude_none=True) == {
        "source_id": "s1",
        "birthdate": "1990-01-02",
        "address": {"city": "Oslo"},
    }


@pytest.mark.parametrize("value", [{"id": "c1"}, [Customer()], Customer, None, 5])
def test_anything_but_a_model_is_a_type_error(value: Any) -> None:
    with pytest.raises(TypeError, match="model"):
        to_dict(value)
    with pytest.raises(TypeError, match="model"):
        to_json(value)


def test_a_naive_date_time_is_refused_not_shifted_by_the_local_offset() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_dict(Customer(created_at=datetime(2024, 1, 2, 3, 4, 5)))
