"""The converter: every spec example decodes without losing a field; unknown fields are kept.

Synchronous: decoding involves no I/O and no event loop.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from _identical import assert_identical

from voucherify_async import (
    AsyncAction,
    AsyncActionRef,
    Customer,
    CustomerActivity,
    CustomersPage,
    PermanentDeletion,
    RedeemablesPage,
    SegmentsList,
)
from voucherify_async import _convert as convert
from voucherify_async._convert import (
    ResponseShapeError,
    decode,
    format_datetime,
    loads,
    structure,
)

EXAMPLES = Path(__file__).parent / "spec" / "examples"

MODELS: dict[str, type[Any]] = {
    "create-customer.200": Customer,
    "get-customer.200": Customer,
    "update-customer.200": Customer,
    "list-customers.200": CustomersPage,
    "list-customer-redeemables.200": RedeemablesPage,
    "list-customer-segments.200": SegmentsList,
    "customer-permanently-deletion.200": PermanentDeletion,
    "import-customers-using-csv.202": AsyncActionRef,
    "update-customers-metadata-in-bulk.202": AsyncActionRef,
    **{path.stem: AsyncAction for path in sorted(EXAMPLES.glob("get-async-action.200.*.json"))},
}


def load(stem: str) -> Any:
    return json.loads((EXAMPLES / f"{stem}.json").read_text(encoding="utf-8"))


def assert_same(value: Any, data: Any, where: str) -> None:
    """Check that decoded `value` holds everything in the JSON `data`."""
    if attrs.has(type(value)):
        assert isinstance(data, dict), where
        fields = attrs.fields_dict(type(value))
        for key, item in data.items():
            if key in fields and key != "extra":
                assert_same(getattr(value, key), item, f"{where}.{key}")
            else:
                assert value.extra[key] == item, f"{where}.{key} not kept in extra"
    elif isinstance(value, datetime):
        assert value.tzinfo is not None, where
        assert value == datetime.fromisoformat(data), where
    elif isinstance(value, date):
        assert value == date.fromisoformat(data), where
    elif isinstance(value, list):
        assert isinstance(data, list), where
        assert len(value) == len(data), where
        for index, (v, d) in enumerate(zip(value, data, strict=True)):
            assert_same(v, d, f"{where}[{index}]")
    elif isinstance(value, dict) and any(attrs.has(type(v)) for v in value.values()):
        assert value.keys() == data.keys(), where
        for key in value:
            assert_same(value[key], data[key], f"{where}[{key!r}]")
    else:
        assert value == data, where
        assert type(value) is type(data), where


def test_every_response_example_has_a_model() -> None:
    index = load("index")
    stems = {
        file["file"].removesuffix(".json")
        for operation in index["operations"].values()
        for status, response in operation["responses"].items()
        if status.startswith("2")
        for file in response.get("files", [])
    }

    assert stems == set(MODELS)


@pytest.mark.parametrize("stem", sorted(MODELS))
def test_example_decodes_without_losing_a_field(stem: str) -> None:
    data = load(stem)

    decoded = structure(data, MODELS[stem])

    assert_same(decoded, data, MODELS[stem].__name__)


def test_async_action_result_fields_of_other_types_are_kept_in_extra() -> None:
    data = load("get-async-action.200.CAMPAIGN.VOUCHERS_GENERATE")

    action = structure(data, AsyncAction)

    assert action.result is not None
    known = {"done_count", "failed_count", "message", "failed", "reports"}
    for key, item in data["result"].items():
        if key not in known:
            assert action.result.extra[key] == item


# --- unknown fields -----------------------------------------------------------------------


def test_unknown_top_level_field_is_kept_in_extra() -> None:
    customer = structure({"id": "c1", "tier": {"level": 3}}, Customer)

    assert customer.id == "c1"
    assert customer.extra == {"tier": {"level": 3}}


def test_unknown_nested_field_is_kept_in_the_nested_extra() -> None:
    page = structure(
        {
            "customers": [{"id": "c1", "address": {"city": "Oslo", "geo": [59.9, 10.7]}}],
            "total": 1,
            "next_cursor": "abc",
        },
        CustomersPage,
    )

    assert page.extra == {"next_cursor": "abc"}
    address = page.customers[0].address
    assert address is not None
    assert address.city == "Oslo"
    assert address.extra == {"geo": [59.9, 10.7]}


def test_known_fields_leave_extra_empty() -> None:
    assert structure({"id": "c1", "name": "A"}, Customer).extra == {}


def test_extra_does_not_affect_equality() -> None:
    assert structure({"id": "c1", "new": 1}, Customer) == structure({"id": "c1"}, Customer)


@pytest.mark.parametrize(
    ("field", "cls"),
    [
        ("metadata", Customer),
        ("system_metadata", Customer),
        ("object", Customer),
        ("customers", CustomersPage),
        ("data_ref", CustomersPage),
        ("data", RedeemablesPage),
        ("data_json", PermanentDeletion),
        ("data", CustomerActivity),
    ],
)
def test_null_in_any_field_decodes_to_its_default(field: str, cls: type[Any]) -> None:
    decoded = structure({field: None}, cls)

    assert getattr(decoded, field) == getattr(cls(), field)


# --- date-times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-08-30T10:17:39.220Z", datetime(2022, 8, 30, 10, 17, 39, 220000, tzinfo=UTC)),
        ("2024-03-22T17:48:18.57+00:00", datetime(2024, 3, 22, 17, 48, 18, 570000, tzinfo=UTC)),
        (
            "2024-03-22T17:48:25.910974+00:00",
            datetime(2024, 3, 22, 17, 48, 25, 910974, tzinfo=UTC),
        ),
        ("2024-03-22T17:48:25Z", datetime(2024, 3, 22, 17, 48, 25, tzinfo=UTC)),
        (
            "2024-03-22T19:48:25.5+02:00",
            datetime(2024, 3, 22, 17, 48, 25, 500000, tzinfo=UTC),
        ),
    ],
)
def test_date_time_forms_decode_to_aware_datetimes(text: str, expected: datetime) -> None:
    decoded = structure({"created_at": text}, Customer).created_at

    assert decoded == expected
    assert decoded is not None
    assert decoded.utcoffset() is not None


def test_birthdate_decodes_to_a_date() -> None:
    assert structure({"birthdate": "2022-01-01"}, Customer).birthdate == date(2022, 1, 1)


def test_malformed_date_time_is_a_shape_error_naming_the_field() -> None:
    with pytest.raises(ResponseShapeError, match=r"Customer\.created_at"):
        structure({"created_at": "yesterday"}, Customer)


def test_format_datetime_writes_utc_milliseconds_with_z() -> None:
    value = datetime(2024, 1, 2, 5, 4, 5, 678999, tzinfo=timezone(timedelta(hours=2)))

    assert format_datetime(value) == "2024-01-02T03:04:05.678Z"


# --- strict primitives --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"name": 5}, "Customer.name"),
        ({"name": True}, "Customer.name"),
        ({"summary": {"orders": {"total_count": "2"}}}, "Customer.summary.orders.total_count"),
        ({"summary": {"orders": {"total_count": 2.5}}}, "Customer.summary.orders.total_count"),
        ({"summary": {"orders": {"total_count": False}}}, "Customer.summary.orders.total_count"),
    ],
)
def test_primitives_are_not_coerced(data: dict[str, Any], path: str) -> None:
    with pytest.raises(ResponseShapeError, match=path.replace(".", r"\.")):
        structure(data, Customer)


def test_has_more_string_false_is_not_true() -> None:
    with pytest.raises(ResponseShapeError, match=r"CustomersPage\.has_more"):
        structure({"has_more": "false"}, CustomersPage)


def test_none_never_becomes_the_string_none() -> None:
    customer = structure({"name": None, "email": None}, Customer)

    assert customer.name is None
    assert customer.email is None


# --- decode: bytes to models, on the fast path or the general one --------------------------


@pytest.mark.parametrize("stem", sorted(MODELS))
def test_decode_and_structure_agree_on_every_example(stem: str) -> None:
    body = (EXAMPLES / f"{stem}.json").read_bytes()

    assert_identical(decode(body, MODELS[stem]), structure(loads(body), MODELS[stem]), stem)


def test_decode_builds_known_fields_without_the_general_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = (EXAMPLES / "list-customers.200.json").read_bytes()
    monkeypatch.setattr(convert, "structure", lambda *_: pytest.fail("took the general path"))

    page = decode(body, CustomersPage)

    assert_same(page, json.loads(body), "CustomersPage")


@pytest.mark.parametrize(
    "body",
    [
        b'{"customers": [{"id": "c1", "address": {"city": "Oslo", "geo": [59.9, 10.7]}}]}',
        b'{"customers": [{"id": "c1", "summary": {"orders": {"total_count": 1, "new": true}}}]}',
        b'{"customers": [{"id": "c1"}], "next_cursor": "abc"}',
        b'{"customers": [{"id": "c1", "extra": {"a": 1}}]}',  # a wire field named `extra`
    ],
)
def test_decode_keeps_unknown_fields_at_any_depth(body: bytes) -> None:
    decoded = decode(body, CustomersPage)

    assert_same(decoded, json.loads(body), "CustomersPage")
    assert_identical(decoded, structure(loads(body), CustomersPage), "CustomersPage")


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": "c1", "created_at": "2024-03-22T17:48:18"}',  # no offset: read as UTC
        b'{"id": "c1", "metadata": null, "object": null}',  # null means the default
        b'{"id": "c1", "birthdate": "2022-01-01T00:00:00.000Z"}',  # a timestamp birthdate
        b'{"id": "c1", "referrals": {"campaigns": [null]}}',  # a null item, skipped
    ],
)
def test_decode_agrees_with_structure_where_msgspec_alone_would_not(body: bytes) -> None:
    assert_identical(decode(body, Customer), structure(loads(body), Customer), "Customer")


def test_decode_reads_a_date_time_without_offset_as_utc() -> None:
    customer = decode(b'{"created_at": "2024-03-22T17:48:18"}', Customer)

    assert customer.created_at == datetime(2024, 3, 22, 17, 48, 18, tzinfo=UTC)


@pytest.mark.parametrize("body", [b"", b"<html>", b'{"id": "c1"', b"NaN", b'{"a": 1e400}'])
def test_decode_of_a_body_that_is_not_json_raises_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        decode(body, Customer)


def test_decode_of_a_misfit_names_the_model_and_json_path() -> None:
    body = (
        b'{"customers": [{"id": "c1"}, {"id": "c2", "summary": {"orders": {"total_count": "2"}}}]}'
    )

    with pytest.raises(
        ResponseShapeError,
        match=r"CustomersPage\.customers\[1\]\.summary\.orders\.total_count: expected int, got str",
    ):
        decode(body, CustomersPage)


def test_loads_ignores_a_utf8_byte_order_mark() -> None:
    assert loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


def test_decoded_models_never_share_a_mutable_default() -> None:
    page = decode(b'{"customers": [{"id": "a"}, {"id": "b"}]}', CustomersPage)
    first, second = page.customers

    first.metadata["k"] = 1
    first.extra["k"] = 1

    assert second.metadata == {}
    assert second.extra == {}
    assert page.extra == {}
