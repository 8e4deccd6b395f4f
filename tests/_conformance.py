"""Validate HTTP exchanges against the repo's spec subset with openapi-core.

``validate_exchange(request, response)`` checks one httpx request *and* its response against
``tests/spec/voucherify-customers.openapi.json`` and returns the problems left after the known
spec quirks (NOTES.md §9) are taken out — each quirk by a narrow, named rule below, never by
turning a check off. Two validators run every exchange of a test through it, recording
failures and counting validated operations:

* ``ValidatingTransport`` wraps any ``httpx.AsyncBaseTransport`` (clients the tests build);
* ``ValidatingApp`` wraps an ASGI app (the loopback server of ``_fake_http``, whose clients are
  subprocesses and docs code).

``Conformance`` (the ``conformance`` fixture) hands out validating transports to one test; the
totals of the whole run (``SUITE``, ``QUIRKS``) make the terminal summary line.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
import pytest
from jsonschema.exceptions import ValidationError
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.request.exceptions import ParameterValidationError
from werkzeug.datastructures import Headers, ImmutableMultiDict

from voucherify_async.testing import FakeVoucherify

SPEC_PATH = Path(__file__).parent / "spec" / "voucherify-customers.openapi.json"
#: A host the spec's ``servers`` entry (``https://{cluster}.voucherify.io``) accepts.
SPEC_HOST = "https://api.voucherify.io"

#: Query parameters whose literal names contain brackets. openapi-core looks them up by name
#: (they pass through as flat keys); ``filters[...]`` is the redeemables deepObject, which
#: openapi-core 0.23 cannot read in the Voucherify indexed form (NOTES §7) — it is checked by
#: ``_check_redeemable_filters`` here instead, and removed from what openapi-core sees.
DEEP_OBJECT_PREFIX = "filters["

#: The header the fake puts on the answer of an injected fault (``FakeVoucherify.inject_fault``).
FAULT_HEADER = "x-fake-fault"

#: Who sent the exchanges a validator sees (the parts of the summary line).
SDK = "SDK → fake"
FAKE_TESTS = "the fake's own tests"
SELF_TESTS = "the validators' own tests"
#: Every exchange validated in this run: sender → operation id → count.
SUITE: dict[str, Counter[str]] = {SDK: Counter(), FAKE_TESTS: Counter(), SELF_TESTS: Counter()}
#: How often each tolerated quirk occurred in this run.
QUIRKS: Counter[str] = Counter()
_TOTALS_LOCK = threading.Lock()  # the loopback server validates in its own thread


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


def _quirk(
    error: BaseException, operation: str, *, in_response: bool, fault: bool, limited: bool = False
) -> str | None:
    """Name the known spec quirk ``error`` is, or ``None`` if it is a real violation."""
    # NOTES §10: past the rate limit any operation answers 429 (the spec declares it on
    # bulk/async only); ``limited`` is such a 429, with its ``X-Rate-Limit-Type``.
    if in_response and limited and isinstance(error, ResponseNotFound):
        return "rate-limit-429"
    # An injected fault (marked FAULT_HEADER) deliberately answers a status the operation may
    # not declare (503, an HTML 502, a 429 off bulk/async): only that is forgiven. A declared
    # status is still validated (the 429 of bulk/async), and so is the request.
    if in_response and fault and isinstance(error, ResponseNotFound):
        return "injected-fault-status"
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


def validate_exchange(request: httpx.Request, response: httpx.Response | None) -> ExchangeReport:
    """Validate ``request`` and ``response`` against the spec subset.

    ``response`` is ``None`` when the connection broke before one came (the request alone is
    validated then).

    Returns:
        The operation id (``None`` if no operation matched) and the problems that are not
        known spec quirks (empty when the exchange conforms), plus the quirks tolerated.
    """
    oa_request = _adapt_request(request)
    report = ExchangeReport(_operation_id(oa_request))
    if report.operation is None:
        report.problems.append(f"no operation for {request.method} {unquote(oa_request.path)}")
        return report
    # Validation only: unmarshalling (building Python objects from valid data) finds nothing
    # more and costs ~30x as much (about a second per 100-customer page).
    errors = [(False, e) for e in spec().iter_request_errors(oa_request)]
    if response is not None:
        oa_response = _adapt_response(response)
        errors += [(True, e) for e in spec().iter_response_errors(oa_request, oa_response)]
    fault = response is not None and FAULT_HEADER in response.headers
    limited = (
        response is not None
        and response.status_code == 429
        and "x-rate-limit-type" in response.headers
    )
    for in_response, error in errors:
        # A parameter's schema error does not name the parameter; its wrapper does.
        named = isinstance(error, ParameterValidationError)
        where = f"{error.location} parameter {error.name}" if named else ""
        for leaf in _leaves(error):
            quirk = _quirk(
                leaf, report.operation, in_response=in_response, fault=fault, limited=limited
            )
            if quirk is not None:
                report.quirks.append(quirk)
            else:
                report.problems.append(_describe(leaf, where if leaf is not error else ""))
    report.problems += _check_redeemable_filters(request)
    return report


#: Reports of the exchanges validated lately, by everything `validate_exchange` reads of them.
_REPORTS: dict[tuple[Any, ...], ExchangeReport] = {}
_REPORTS_KEPT = 256
_REPORTS_LOCK = threading.Lock()


def _validated(request: httpx.Request, response: httpx.Response | None) -> ExchangeReport:
    """`validate_exchange`, once per distinct exchange among the last `_REPORTS_KEPT`.

    Validating is pure and costs ~0.1 s per 100-customer page; the suite repeats some exchanges
    byte for byte (a test of the fake on asyncio and on trio, a request sent twice).
    """
    answer = None
    if response is not None:
        answer = (response.status_code, tuple(response.headers.raw), response.content)
    key = (request.method, str(request.url), tuple(request.headers.raw), request.content, answer)
    report = _REPORTS.get(key)
    if report is None:
        report = validate_exchange(request, response)
        with _REPORTS_LOCK:
            if len(_REPORTS) >= _REPORTS_KEPT:
                del _REPORTS[next(iter(_REPORTS))]
            _REPORTS[key] = report
    return report


def _describe(error: BaseException, where: str) -> str:
    if isinstance(error, ValidationError):
        path = "/".join(str(p) for p in error.absolute_path)
        if where and not path:
            return f"{where}: {error.message}"
        return f"{where + ' ' if where else ''}{path or '<root>'}: {error.message}"
    return f"{where + ': ' if where else ''}{type(error).__name__}: {error}"


class _Validator:
    """What one validator saw; every exchange also counts in the run's ``SUITE`` totals.

    Attributes:
        failures: ``(method url -> status, problems)`` for each exchange that did not conform.
        operations: How many exchanges were validated per operation id.
        quirks: How often each tolerated quirk occurred.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.failures: list[tuple[str, list[str]]] = []
        self.operations: Counter[str] = Counter()
        self.quirks: Counter[str] = Counter()

    @property
    def validated(self) -> int:
        """Number of exchanges validated."""
        return sum(self.operations.values())

    def check(self, request: httpx.Request, response: httpx.Response | None) -> None:
        """Validate one exchange and record the outcome."""
        report = _validated(request, response)
        operation = report.operation or "<unmatched>"
        status = "dropped" if response is None else str(response.status_code)
        with _TOTALS_LOCK:
            self.operations[operation] += 1
            self.quirks.update(report.quirks)
            SUITE[self.source][operation] += 1
            QUIRKS.update(report.quirks)
            if report.problems:
                self.failures.append(
                    (f"{request.method} {request.url} -> {status}", report.problems)
                )


class ValidatingTransport(_Validator, httpx.AsyncBaseTransport):
    """Wraps a transport and validates every exchange against the spec subset.

    Args:
        inner: The transport requests go to.
        source: Who sends the requests (``SDK``, ``FAKE_TESTS``, ``SELF_TESTS``), for the
            summary line.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, source: str = SDK) -> None:
        super().__init__(source)
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward ``request``, then validate the exchange (the body is read first)."""
        await request.aread()  # multipart bodies stream; keep a copy to validate
        try:
            response = await self.inner.handle_async_request(request)
            content = await response.aread()
        except httpx.TransportError:  # e.g. an injected "drop": the request is still checked
            self.check(request, None)
            raise
        response = httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )
        self.check(request, response)
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.inner.aclose()


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ValidatingApp(_Validator):
    """Wraps an ASGI app and validates every HTTP exchange it serves against the spec subset.

    For servers whose clients the tests do not build (subprocesses, docs code on loopback):
    the request (method, raw path and query string, headers, body) and the response (status,
    headers, body) are captured at the ASGI level, rebuilt as ``httpx`` objects and checked
    by ``validate_exchange``. The response body is held back until the exchange is checked, so
    once a client has a whole response its verdict is in ``failures``; when the app raises
    after the response head (an injected ``"drop"``), the request alone is checked.
    """

    def __init__(self, app: ASGIApp, *, source: str = SDK) -> None:
        super().__init__(source)
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection scope, validating it if it is an HTTP exchange."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = bytearray()
        head: Message = {}
        held: list[bytes] = []
        checked = False

        def request() -> httpx.Request:
            raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
            query: bytes = scope.get("query_string", b"")
            url = httpx.URL(
                scheme=scope.get("scheme", "http"),
                host="127.0.0.1",
                raw_path=raw_path + (b"?" + query if query else b""),
            )
            return httpx.Request(
                scope["method"], url, headers=list(scope["headers"]), content=bytes(body)
            )

        async def receive_kept() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.extend(message.get("body", b""))
            return message

        async def send_checked(message: Message) -> None:
            nonlocal checked
            if message["type"] == "http.response.start":
                head.update(message)
            elif message["type"] == "http.response.body":
                held.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                content = b"".join(held)
                headers = list(head.get("headers", []))
                self.check(
                    request(), httpx.Response(head["status"], headers=headers, content=content)
                )
                checked = True
                message = {"type": "http.response.body", "body": content}
            await send(message)

        try:
            await self.app(scope, receive_kept, send_checked)
        except Exception:
            if not checked:
                self.check(request(), None)
            raise


class Conformance:
    """The validating transports of one test; the ``conformance`` fixture asserts on them."""

    def __init__(self, source: str = SDK) -> None:
        self.source = source
        self.transports: list[ValidatingTransport] = []

    def wrap(self, inner: httpx.AsyncBaseTransport) -> ValidatingTransport:
        """Return a validating transport over ``inner``."""
        transport = ValidatingTransport(inner, source=self.source)
        self.transports.append(transport)
        return transport

    def client_kwargs(self, fake: FakeVoucherify) -> dict[str, Any]:
        """``fake.client_kwargs()`` with the transport wrapped in a validating one."""
        kwargs = fake.client_kwargs()
        kwargs["transport"] = self.wrap(kwargs["transport"])
        return kwargs

    def validate_every_fake(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make ``FakeVoucherify.transport`` validating for the test (``monkeypatch`` undoes it).

        For code that builds its own fake and client (docs snippets, the demo).
        """

        def validating(fake: FakeVoucherify) -> ValidatingTransport:
            return self.wrap(httpx.ASGITransport(app=fake.app))

        monkeypatch.setattr(FakeVoucherify, "transport", property(validating))

    @property
    def failures(self) -> list[tuple[str, list[str]]]:
        """The failures of every transport handed out."""
        return [failure for transport in self.transports for failure in transport.failures]


def summary() -> str | None:
    """The terminal summary line of the run, or ``None`` if nothing was validated."""
    counts = {source: sum(operations.values()) for source, operations in SUITE.items()}
    total = sum(counts.values())
    if not total:
        return None
    operations = {op for ops in SUITE.values() for op in ops if op != "<unmatched>"}
    parts = ", ".join(f"{count:,} {source}" for source, count in counts.items() if count)
    return (
        f"spec conformance: {total:,} exchanges over {len(operations)} operations validated "
        f"({parts}); tolerated quirks: {dict(QUIRKS)}"
    )


def pretty(failures: list[tuple[str, list[str]]]) -> str:
    """Format failures for an assertion message."""
    return json.dumps(failures, indent=1)


def body_of(response: httpx.Response) -> Any:
    """Return the JSON body (helper for tests that also assert on content)."""
    return response.json()
