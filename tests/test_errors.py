"""The error tree: each status to its class, fields from realistic bodies, readable messages.

The `client` fixture has `max_retries=0`, so each failure surfaces after one request whether or not
the status or transport error is one that retries would repeat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import respx

from voucherify_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RateLimitInfo,
    VoucherifyError,
)
from voucherify_async._response import parse_retry_after

if TYPE_CHECKING:
    from conftest import Keys

Example = Callable[[str], Any]
Call = Callable[[AsyncClient], Awaitable[Any]]

HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    + "<!-- padding -->\r\n" * 500
    + "</body>\r\n</html>\r\n"
)


async def raised(client: AsyncClient, call: Call) -> BaseException:
    with pytest.raises(VoucherifyError) as info:
        await call(client)
    return info.value


def get_customer(client: AsyncClient) -> Awaitable[Any]:
    return client.customers.get("cust_x")


# --- status to class ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
    ],
)
async def test_status_maps_to_its_error_class(
    client: AsyncClient, api: respx.MockRouter, status: int, cls: type[APIStatusError]
) -> None:
    api.route().respond(status, json={"code": status, "message": "nope"})

    error = await raised(client, get_customer)

    assert type(error) is cls
    assert isinstance(error, APIStatusError)
    assert error.status_code == status


@pytest.mark.parametrize("status", [402, 405, 413, 418, 423])
async def test_other_statuses_raise_api_status_error_itself(
    client: AsyncClient, api: respx.MockRouter, status: int
) -> None:
    api.route().respond(status, json={"code": status, "message": "nope"})

    error = await raised(client, get_customer)

    assert type(error) is APIStatusError
    assert isinstance(error, APIStatusError)
    assert error.status_code == status


# --- fields from the spec's error examples ------------------------------------------------

NOT_FOUND_CALLS: list[tuple[str, Call]] = [
    ("get-customer.404", lambda c: c.customers.get("cust_sehkNIi8Uq2qQuRqSr7xn4Z")),
    ("update-customer.404", lambda c: c.customers.update("cust_1", name="x")),
    ("delete-customer.404", lambda c: c.customers.delete("cust_1")),
    ("customer-permanently-deletion.404", lambda c: c.customers.delete_permanently("cust_1")),
    ("list-customer-activity.404", lambda c: c.customers.list_activity("jck-wbh")),
    ("list-customer-redeemables.404", lambda c: c.customers.list_redeemables("cust_1")),
    ("get-async-action.404", lambda c: c.async_actions.get("aa_0aeb82bd55d5beffb")),
]


@pytest.mark.parametrize(("name", "call"), NOT_FOUND_CALLS, ids=[n for n, _ in NOT_FOUND_CALLS])
async def test_not_found_example_fills_every_field(
    client: AsyncClient, api: respx.MockRouter, example: Example, name: str, call: Call
) -> None:
    body = example(name)
    api.route().respond(404, json=body)

    error = await raised(client, call)

    assert isinstance(error, NotFoundError)
    assert error.code == 404
    assert error.key == body["key"]
    assert error.message == body["message"]
    assert error.details == body["details"]
    assert error.request_id == body["request_id"]
    assert error.resource_id == body["resource_id"]
    assert error.resource_type == body["resource_type"]
    assert error.body == body
    assert error.response.status_code == 404


async def test_error_message_reads_as_one_actionable_line(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    api.route().respond(404, json=example("get-customer.404"))

    error = await raised(client, lambda c: c.customers.get("cust_sehkNIi8Uq2qQuRqSr7xn4Z"))

    assert str(error) == (
        "404 not_found on GET /v1/customers/cust_sehkNIi8Uq2qQuRqSr7xn4Z: Resource not found "
        "(Cannot find customer with id cust_sehkNIi8Uq2qQuRqSr7xn4Z) "
        "[request v-0b4c590350857970df]"
    )


async def test_error_message_shows_the_encoded_path(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    api.route().respond(404, json=example("get-customer.404"))

    error = await raised(client, lambda c: c.customers.get("a/b"))

    assert "on GET /v1/customers/a%2Fb:" in str(error)


async def test_consents_400_example_is_a_bad_request_with_its_key(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    api.route().respond(400, json=example("update-customers-consents.400"))

    error = await raised(client, lambda c: c.customers.update_consents("c1", {"cnst_1": True}))

    assert isinstance(error, BadRequestError)
    assert error.key == "invalid_payload"
    assert error.details == "The payload cannot be empty"
    assert str(error) == (
        "400 invalid_payload on PUT /v1/customers/c1/consents: Invalid payload "
        "(The payload cannot be empty) [request v-0ba675252cc3bf6b03]"
    )


async def test_empty_object_error_body_still_raises_its_class(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    api.route().respond(400, json=example("update-customers-consents-client-side.400"))

    error = await raised(
        client, lambda c: c.customers.update_consents_client_side("c1", {"cnst_1": True})
    )

    assert isinstance(error, BadRequestError)
    assert error.key is None
    assert error.message is None
    assert str(error) == "400 on PUT /client/v1/customers/c1/consents"


async def test_413_body_fills_code_and_message(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    api.route().respond(413, json=example("update-customers-in-bulk.413"))

    error = await raised(client, lambda c: c.customers.update_in_bulk([{"source_id": "s"}]))

    assert type(error) is APIStatusError
    assert error.status_code == 413
    assert error.code == 413
    assert error.key is None
    assert error.message == "Payload content length greater than maximum allowed: 10485760"
    assert str(error) == (
        "413 on POST /v1/customers/bulk/async: "
        "Payload content length greater than maximum allowed: 10485760"
    )


async def test_custom_rule_message_under_error_is_used_when_message_is_missing(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().respond(
        400, json={"code": 400, "key": "invalid_customer", "error": {"message": "VIPs only"}}
    )

    error = await raised(client, lambda c: c.customers.create(source_id="s"))

    assert isinstance(error, BadRequestError)
    assert error.message == "VIPs only"


# --- rate limits --------------------------------------------------------------------------

RATE_HEADERS = {
    "X-Rate-Limit-Limit": "100",
    "X-Rate-Limit-Remaining": "0",
    "X-Rate-Limit-Retry": "1700000060",
    "X-Rate-Limit-Type": "api_calls",
    "Retry-After": "30",
}


async def test_429_carries_code_message_and_rate_limit_headers(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().respond(
        429,
        json={"code": 429, "message": "Too many requests hit the API too quickly."},
        headers=RATE_HEADERS,
    )

    error = await raised(client, get_customer)

    assert isinstance(error, RateLimitError)
    assert error.code == 429
    assert error.message == "Too many requests hit the API too quickly."
    assert error.rate_limit == RateLimitInfo(
        limit=100, remaining=0, retry_at=1700000060, limit_type="api_calls", retry_after=30.0
    )
    assert error.retry_after == 30.0


async def test_429_without_headers_has_an_empty_rate_limit(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().respond(429, json={"code": 429, "message": "Too many requests"})

    error = await raised(client, get_customer)

    assert isinstance(error, RateLimitError)
    assert error.rate_limit == RateLimitInfo()
    assert error.retry_after is None


def test_retry_after_http_date_counts_from_now() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=90), usegmt=True)

    assert parse_retry_after(header, now=now) == 90.0


@pytest.mark.parametrize(("header", "seconds"), [("0", 0.0), ("-5", 0.0), ("junk", None)])
def test_retry_after_odd_values(header: str, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


# --- bodies that are not JSON -------------------------------------------------------------


async def test_html_502_from_a_proxy_is_an_internal_server_error_with_an_excerpt(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().respond(502, text=HTML_502, headers={"Content-Type": "text/html"})

    error = await raised(client, get_customer)

    assert isinstance(error, InternalServerError)
    assert not isinstance(error, APIResponseValidationError)
    assert error.body is None
    assert error.message is not None
    assert error.message.startswith("<html> <head><title>502 Bad Gateway</title>")
    assert len(error.message) <= 201
    assert "\n" not in str(error)
    assert str(error).startswith("502 on GET /v1/customers/cust_x: <html>")


async def test_empty_error_body_uses_the_reason_phrase(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().respond(503)

    error = await raised(client, get_customer)

    assert isinstance(error, InternalServerError)
    assert error.message == "Service Unavailable"


async def test_json_error_body_that_is_not_an_object_is_kept_as_text(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().respond(500, json=["boom"])

    error = await raised(client, get_customer)

    assert isinstance(error, InternalServerError)
    assert error.body is None
    assert error.message == '["boom"]'


# --- 2xx bodies the SDK cannot read -------------------------------------------------------


async def test_invalid_json_on_200_names_the_model_and_path(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, text="<html>maintenance</html>")

    error = await raised(client, get_customer)

    assert isinstance(error, APIResponseValidationError)
    assert error.status_code == 200
    assert error.method == "GET"
    assert error.path == "/v1/customers/cust_x"
    assert error.body_excerpt == "<html>maintenance</html>"
    assert "Customer" in str(error)
    assert "GET /v1/customers/cust_x" in str(error)


async def test_wrong_shape_names_the_model_and_json_path(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, json={"customers": "not a list", "total": 1})

    error = await raised(client, lambda c: c.customers.list())

    assert isinstance(error, APIResponseValidationError)
    assert "CustomersPage.customers" in str(error)
    assert "GET /v1/customers" in str(error)


async def test_wrong_nested_type_names_the_full_json_path(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, json={"id": "c", "summary": {"orders": {"total_amount": "lots"}}})

    error = await raised(client, get_customer)

    assert isinstance(error, APIResponseValidationError)
    assert "Customer.summary.orders.total_amount" in str(error)


async def test_a_list_where_an_object_belongs_is_a_validation_error(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, json=[{"id": "c"}])

    error = await raised(client, get_customer)

    assert isinstance(error, APIResponseValidationError)
    assert "Customer" in str(error)


# --- transport errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("connection refused"), httpx.RemoteProtocolError("peer closed")],
)
async def test_transport_failure_is_an_api_connection_error(
    client: AsyncClient, api: respx.MockRouter, exc: httpx.TransportError
) -> None:
    route = api.route().mock(side_effect=exc)

    error = await raised(client, get_customer)

    assert type(error) is APIConnectionError
    assert isinstance(error.__cause__, type(exc))
    assert error.method == "GET"
    assert error.path == "/v1/customers/cust_x"
    assert "GET /v1/customers/cust_x" in str(error)
    assert route.call_count == 1


@pytest.mark.parametrize(
    "exc", [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"), httpx.PoolTimeout("full")]
)
async def test_timeout_is_an_api_timeout_error(
    client: AsyncClient, api: respx.MockRouter, exc: httpx.TimeoutException
) -> None:
    api.route().mock(side_effect=exc)

    error = await raised(client, get_customer)

    assert isinstance(error, APITimeoutError)
    assert isinstance(error, APIConnectionError)
    assert isinstance(error.__cause__, httpx.TimeoutException)


async def test_transport_failure_on_an_upload_is_an_api_connection_error(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().mock(side_effect=httpx.ReadError("reset"))

    error = await raised(client, lambda c: c.customers.import_csv(b"Source_id\ns1\n"))

    assert isinstance(error, APIConnectionError)
    assert error.path == "/v1/customers/importCSV"


# --- secrets ------------------------------------------------------------------------------

FAILURES: list[tuple[str, Callable[[respx.Route], Any]]] = [
    ("404", lambda r: r.respond(404, json={"code": 404, "message": "not found"})),
    # Retry-After 0: the second call of the test finds the rate-limit gate open again at once
    # (with RATE_HEADERS' 30 s it would wait there 30 s, as a real client should).
    (
        "429",
        lambda r: r.respond(429, json={"code": 429}, headers={**RATE_HEADERS, "Retry-After": "0"}),
    ),
    ("502-html", lambda r: r.respond(502, text=HTML_502)),
    ("connect", lambda r: r.mock(side_effect=httpx.ConnectError("refused"))),
    ("timeout", lambda r: r.mock(side_effect=httpx.ReadTimeout("slow"))),
]


@pytest.mark.parametrize(("name", "fail"), FAILURES, ids=[n for n, _ in FAILURES])
async def test_error_text_never_contains_a_secret(
    client: AsyncClient,
    api: respx.MockRouter,
    keys: Keys,
    name: str,
    fail: Callable[[respx.Route], Any],
) -> None:
    fail(api.route())

    errors = [
        await raised(client, get_customer),
        await raised(client, lambda c: c.customers.update_consents_client_side("c", {"x": True})),
    ]

    for error in errors:
        for text in (str(error), repr(error), *map(str, error.args)):
            assert keys.secret_key not in text
            assert keys.client_secret_key not in text


async def test_response_validation_error_text_never_contains_a_secret(
    client: AsyncClient, api: respx.MockRouter, keys: Keys
) -> None:
    api.route().respond(200, text="{")

    error = await raised(client, get_customer)

    assert isinstance(error, APIResponseValidationError)
    assert keys.secret_key not in str(error)
    assert keys.secret_key not in repr(error)
