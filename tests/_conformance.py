"""Validate HTTP exchanges against the repo's spec subset with openapi-core.

``validate_exchange(request, response)`` checks one httpx request *and* its response against
``tests/spec/voucherify-customers.openapi.json`` and returns the problems left after the known
spec quirks (NOTES.md §9) are taken out — each quirk by a narrow, named rule below, never by
turning a check off. ``ValidatingTransport`` wraps any ``httpx.AsyncBaseTransport`` and runs
every exchange through it, recording failures and counting validated operations.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
from jsonschema.exceptions import ValidationError
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = Path(__file__).parent / "spec" / "voucherify-customers.openapi.json"
#: A host the spec's ``servers`` entry (``https://{cluster}.voucherify.io``) accepts.
SPEC_HOST = "https://api.voucherify.io"

#: Query parameters whose literal names contain brackets. openapi-core looks them up by name
#: (they pass through as flat keys); ``filters[...]`` is the redeemables deepObject, which
#: openapi-core 0.23 cannot read in the Voucherify indexed form (NOTES §7) — it is checked by
#: ``_check_redeemable_filters`` here instead, and removed from what openapi-core sees.
DEEP_OBJECT_PREFIX = "filters["


@cache
def spec() -> OpenAPI:
    """Load the spec subset once."""
    return OpenAPI.from_file_path(str(SPEC_PATH))


@dataclass
class _OpenAPIRequest:
    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None


@dataclass
class _OpenAPIResponse:
    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None


def _adapt_request(request: httpx.Request) -> _OpenAPIRequest:
    pairs = parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)
    query = ImmutableMultiDict([(k, v) for k, v in pairs if not k.startswith(DEEP_OBJECT_PREFIX)])
    raw_path = request.url.raw_path.split(b"?")[0].decode("ascii")
    content = request.content
    return _OpenAPIRequest(
        host_url=SPEC_HOST,
        # The raw path keeps a %2F inside {customerId} one segment, as the server sees it.
        path=raw_path,
        method=request.method.lower(),
        parameters=RequestParameters(query=query, header=Headers(list(request.headers.items()))),
        content_type=request.headers.get("content-type", "application/json"),
        body=content or None,
    )


def _adapt_response(response: httpx.Response) -> _OpenAPIResponse:
    return _OpenAPIResponse(
        status_code=response.status_code,
        content_type=response.headers.get("content-type", "application/json"),
        headers=Headers(list(response.headers.items())),
        data=response.content or None,
    )


def _leaves(error: BaseException) -> Iterator[BaseException]:
    """Yield the innermost errors (jsonschema errors where openapi-core has them)."""
    nested: Iterable[BaseException] = getattr(error, "schema_errors", None) or ()
    nested = list(nested)
    if nested:
        for item in nested:
            yield from _leaves(item)
        return
    if isinstance(error, ValidationError) and error.context:
        yield error
        return
    cause = error.__cause__
    if cause is not None and cause is not error:
        yield from _leaves(cause)
        return
    yield error


def _quirk(error: BaseException, operation: str, *, in_response: bool) -> str | None:
    """Name the known spec quirk ``error`` is, or ``None`` if it is a real violation."""
    if not isinstance(error, ValidationError):
        return None
    where = list(error.absolute_path)
    # NOTES §9.5: the API sends null where the strict schemas say a non-null type. Only in
    # responses: a null in a request body is a real mistake (PUT would clear the field).
    if in_response and error.validator == "type" and error.instance is None:
        return "null-in-strict-schema"
    # NOTES §9.7: AsyncAction.result is a oneOf whose branches overlap.
    if operation == "get-async-action" and error.validator == "oneOf" and where == ["result"]:
        return "async-action-result-oneOf"
    # CustomerActivity.data.data is a oneOf of ~70 event schemas, most without `required`,
    # so any payload matches several branches (same overlap as §9.7).
    if (
        operation in ("list-customer-activity", "list-customer-activities")
        and error.validator == "oneOf"
        and len(where) == 4
        and where[0] == "data"
        and where[2:] == ["data", "data"]
    ):
        return "activity-data-oneOf"
    return None


@dataclass
class ExchangeReport:
    """The outcome of validating one exchange."""

    operation: str | None
    problems: list[str] = field(default_factory=list)
    quirks: list[str] = field(default_factory=list)


def _operation_id(request: _OpenAPIRequest) -> str | None:
    from openapi_core.templating.paths.finders import APICallPathFinder

    try:
        found = APICallPathFinder(spec().spec).find(request.method, SPEC_HOST + request.path)
    except Exception:
        return None
    op_id: str | None = (found.operation / "operationId").read_str()
    return op_id


def _check_redeemable_filters(request: httpx.Request) -> list[str]:
    """Validate ``filters[...]`` pairs against ParameterFiltersListCustomerRedeemables."""
    schema = spec().spec / "components" / "schemas" / "ParameterFiltersListCustomerRedeemables"
    fields = schema / "properties"
    problems = []
    for name, _value in parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True):
        if not name.startswith(DEEP_OBJECT_PREFIX):
            continue
        parts = name[len("filters") :].strip("[]").split("][")
        if parts == ["junction"]:
            continue
        if len(parts) not in (3, 4) or parts[1] != "conditions":
            problems.append(f"filters: malformed deepObject path {name}")
            continue
        if parts[0] not in fields:
            problems.append(f"filters: unknown field {parts[0]}")
            continue
        conditions = fields / parts[0] / "properties" / "conditions"
        with conditions.resolve() as resolved:
            contents = resolved.contents
        operators = contents.get("properties", {})
        if parts[2] not in operators:
            problems.append(f"filters: unknown operator {parts[2]} for {parts[0]}")
        elif (len(parts) == 4) != (operators[parts[2]].get("type") == "array"):
            problems.append(f"filters: {name} must be indexed iff the operator takes an array")
    return problems


def validate_exchange(request: httpx.Request, response: httpx.Response) -> ExchangeReport:
    """Validate ``request`` and ``response`` against the spec subset.

    Returns:
        The operation id (``None`` if no operation matched) and the problems that are not
        known spec quirks (empty when the exchange conforms), plus the quirks tolerated.
    """
    oa_request = _adapt_request(request)
    oa_response = _adapt_response(response)
    report = ExchangeReport(_operation_id(oa_request))
    if report.operation is None:
        report.problems.append(f"no operation for {request.method} {unquote(oa_request.path)}")
        return report
    errors = [(False, e) for e in spec().unmarshal_request(oa_request).errors]
    errors += [(True, e) for e in spec().unmarshal_response(oa_request, oa_response).errors]
    for in_response, error in errors:
        for leaf in _leaves(error):
            quirk = _quirk(leaf, report.operation, in_response=in_response)
            if quirk is not None:
                report.quirks.append(quirk)
            else:
                report.problems.append(_describe(leaf))
    report.problems += _check_redeemable_filters(request)
    return report


def _describe(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        path = "/".join(str(p) for p in error.absolute_path)
        return f"{path or '<root>'}: {error.message}"
    return f"{type(error).__name__}: {error}"


class ValidatingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and validates every exchange against the spec subset.

    Attributes:
        failures: ``(method url, problems)`` for each exchange that did not conform.
        operations: How many exchanges were validated per operation id.
        quirks: How often each tolerated quirk occurred.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.failures: list[tuple[str, list[str]]] = []
        self.operations: Counter[str] = Counter()
        self.quirks: Counter[str] = Counter()

    @property
    def validated(self) -> int:
        """Number of exchanges validated."""
        return sum(self.operations.values())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward ``request``, then validate the exchange (the body is read first)."""
        await request.aread()  # multipart bodies stream; keep a copy to validate
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        response = httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )
        report = validate_exchange(request, response)
        self.operations[report.operation or "<unmatched>"] += 1
        self.quirks.update(report.quirks)
        if report.problems:
            self.failures.append((f"{request.method} {request.url}", report.problems))
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.inner.aclose()


def pretty(failures: list[tuple[str, list[str]]]) -> str:
    """Format failures for an assertion message."""
    return json.dumps(failures, indent=1)


def body_of(response: httpx.Response) -> Any:
    """Return the JSON body (helper for tests that also assert on content)."""
    return response.json()
