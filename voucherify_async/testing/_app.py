"""The Starlette routes of the fake: one handler per operation of the spec subset.

Path parameters arrive percent-encoded (see `_middleware`) and are decoded here.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._activity import list_activities, list_activity
from ._bulk import MAX_BODY_BYTES, BodyTooLarge, FakeAsyncActions
from ._errors import FakeAPIError, invalid_payload
from ._query import FakeQuery, parse_query
from ._redeemables import list_redeemables
from ._store import Store

Endpoint = Callable[[Request], Awaitable[Response]]


class Handlers:
    """Route handlers bound to one store."""

    def __init__(self, store: Store, actions: FakeAsyncActions) -> None:
        self.store = store
        self.actions = actions

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _customer_id(request: Request) -> str:
        return unquote(request.path_params["customer_id"])

    @staticmethod
    def _query(request: Request) -> FakeQuery:
        return FakeQuery(parse_query(request.scope.get("query_string", b"")))

    @staticmethod
    async def _json(request: Request, *, max_bytes: int | None = None) -> Any:
        body = await request.body()
        if max_bytes is not None and len(body) > max_bytes:
            raise BodyTooLarge()
        content_type = request.headers.get("content-type", "")
        if body and "json" not in content_type:
            raise FakeAPIError(
                415,
                "unsupported_media_type",
                "Unsupported Media Type",
                f"Content-Type '{content_type}' is not supported, use application/json",
            )
        try:
            return json.loads(body, parse_constant=_not_json) if body else None
        except ValueError as exc:
            raise invalid_payload(f"Malformed JSON: {exc}") from None

    @staticmethod
    def _accepted(action_id: str) -> JSONResponse:
        return JSONResponse({"async_action_id": action_id}, status_code=202)

    @staticmethod
    def _request_id(request: Request) -> str:
        request_id: str = request.scope["state"]["request_id"]
        return request_id

    # -- customers --------------------------------------------------------------------------

    async def list_customers(self, request: Request) -> Response:
        """GET /v1/customers."""
        return JSONResponse(self.store.list_customers(self._query(request)))

    async def create_customer(self, request: Request) -> Response:
        """POST /v1/customers (upsert)."""
        body = await self._json(request)
        if not isinstance(body, dict):
            raise invalid_payload("The payload must be an object")
        return JSONResponse(self.store.upsert(body).render())

    async def get_customer(self, request: Request) -> Response:
        """GET /v1/customers/{customerId}."""
        return JSONResponse(self.store.get(self._customer_id(request)).render())

    async def update_customer(self, request: Request) -> Response:
        """PUT /v1/customers/{customerId} (merge)."""
        record = self.store.update(self._customer_id(request), await self._json(request))
        return JSONResponse(record.render())

    async def delete_customer(self, request: Request) -> Response:
        """DELETE /v1/customers/{customerId} -> 204."""
        self.store.delete(self._customer_id(request))
        return Response(status_code=204)

    async def delete_permanently(self, request: Request) -> Response:
        """POST /v1/customers/{customerId}/permanent-deletion."""
        return JSONResponse(self.store.delete_permanently(self._customer_id(request)))

    # -- lists of one customer ----------------------------------------------------------------

    async def activity(self, request: Request) -> Response:
        """GET /v1/customers/{customerId}/activity."""
        record = self.store.get(self._customer_id(request))
        events = self.store.events.get(record.id, [])
        return JSONResponse(list_activity(events, self._query(request)))

    async def activities(self, request: Request) -> Response:
        """GET /v1/customers/{customerId}/activities (deprecated)."""
        record = self.store.get(self._customer_id(request))
        events = self.store.events.get(record.id, [])
        return JSONResponse(list_activities(events, self._query(request)))

    async def redeemables(self, request: Request) -> Response:
        """GET /v1/customers/{customerId}/redeemables."""
        record = self.store.get(self._customer_id(request))
        holders = self.store.holders.get(record.id, [])
        return JSONResponse(list_redeemables(holders, self._query(request), self.store.now()))

    async def segments(self, request: Request) -> Response:
        """GET /v1/customers/{customerId}/segments (unknown customers: no segments, 200)."""
        record = self.store.find(self._customer_id(request))
        found = [
            segment.render()
            for segment in self.store.segments.values()
            if record is not None and record.id in segment.customer_ids
        ]
        return JSONResponse(
            {"object": "list", "data_ref": "data", "data": found, "total": len(found)}
        )

    async def consents(self, request: Request) -> Response:
        """PUT /v1/customers/{customerId}/consents and its /client/v1 twin -> 204."""
        self.store.update_consents(self._customer_id(request), await self._json(request))
        return Response(status_code=204)

    # -- bulk -------------------------------------------------------------------------------

    async def import_csv(self, request: Request) -> Response:
        """POST /v1/customers/importCSV (multipart, part `file`) -> 202."""
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise invalid_payload("The payload must be multipart/form-data with a 'file' part")
        async with _as_latin1(request).form(max_part_size=MAX_BODY_BYTES) as form:
            upload = form.get("file")
            if isinstance(upload, UploadFile):
                content = await upload.read()
            elif isinstance(upload, str):
                content = upload.encode("latin-1")
            else:
                raise invalid_payload("file: property is required, must be a file")
        return self._accepted(self.actions.import_csv(content, self._request_id(request)))

    async def bulk_update(self, request: Request) -> Response:
        """POST /v1/customers/bulk/async (JSON array) -> 202."""
        body = await self._json(request, max_bytes=MAX_BODY_BYTES)
        return self._accepted(self.actions.bulk_update(body, self._request_id(request)))

    async def metadata_update(self, request: Request) -> Response:
        """POST /v1/customers/metadata/async -> 202."""
        body = await self._json(request, max_bytes=MAX_BODY_BYTES)
        return self._accepted(self.actions.metadata_update(body, self._request_id(request)))

    async def async_action(self, request: Request) -> Response:
        """GET /v1/async-actions/{asyncActionId}."""
        action_id = unquote(request.path_params["action_id"])
        return JSONResponse(self.actions.get(action_id))


def _not_json(constant: str) -> Any:
    """Refuse `NaN`, `Infinity` and `-Infinity`, which Python's json reads but JSON lacks."""
    raise ValueError(f"{constant} is not a JSON value")


def _as_latin1(request: Request) -> Request:
    """Return `request` with its multipart body's charset set to latin-1.

    Starlette keeps a part sent without a filename (the spec does not require one) as text
    decoded with the body's charset; latin-1 maps each byte to one character, so that text
    encodes back to the exact bytes sent. The last `charset` parameter wins.
    """
    content_type = request.headers["content-type"] + "; charset=latin-1"
    headers = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"]
    headers.append((b"content-type", content_type.encode("latin-1")))
    return Request({**request.scope, "headers": headers}, request.receive)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FakeAPIError)
    return JSONResponse(exc.body(request.scope["state"]["request_id"]), status_code=exc.status)


async def _too_large(request: Request, exc: Exception) -> Response:
    return JSONResponse(BodyTooLarge.body, status_code=413)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    request_id = request.scope.get("state", {}).get("request_id", "v-0")
    if exc.status_code == 405:
        details = f"{request.method} is not supported by this endpoint."
        body: dict[str, Any] = {
            "code": 405,
            "message": "HTTP Method Not Allowed",
            "details": details,
            "request_id": request_id,
        }
        # Starlette joins a set: sort it, so the header does not change from run to run.
        allow = sorted(method.strip() for method in (exc.headers or {})["Allow"].split(","))
        return JSONResponse(body, status_code=405, headers={"Allow": ", ".join(allow)})
    if exc.status_code == 400:  # a multipart body Starlette cannot parse
        return JSONResponse(invalid_payload(exc.detail).body(request_id), status_code=400)
    error = FakeAPIError(
        exc.status_code, "not_found", "Resource not found", f"Cannot find route {request.url.path}"
    )
    return JSONResponse(error.body(request_id), status_code=exc.status_code)


def build_app(store: Store, actions: FakeAsyncActions) -> Starlette:
    """Return the Starlette app serving the customers API subset over `store`."""
    h = Handlers(store, actions)
    customer = "/v1/customers/{customer_id}"
    operations: list[tuple[str, str, Endpoint]] = [
        ("GET", "/v1/customers", h.list_customers),
        ("POST", "/v1/customers", h.create_customer),
        ("POST", "/v1/customers/importCSV", h.import_csv),
        ("POST", "/v1/customers/bulk/async", h.bulk_update),
        ("POST", "/v1/customers/metadata/async", h.metadata_update),
        ("GET", customer, h.get_customer),
        ("PUT", customer, h.update_customer),
        ("DELETE", customer, h.delete_customer),
        ("POST", f"{customer}/permanent-deletion", h.delete_permanently),
        ("GET", f"{customer}/activity", h.activity),
        ("GET", f"{customer}/activities", h.activities),
        ("GET", f"{customer}/redeemables", h.redeemables),
        ("GET", f"{customer}/segments", h.segments),
        ("PUT", f"{customer}/consents", h.consents),
        ("PUT", "/client/v1/customers/{customer_id}/consents", h.consents),
        ("GET", "/v1/async-actions/{action_id}", h.async_action),
    ]
    return Starlette(
        routes=_routes(operations),
        exception_handlers={
            FakeAPIError: _api_error,
            BodyTooLarge: _too_large,
            HTTPException: _http_error,
        },
    )


def _routes(operations: list[tuple[str, str, Endpoint]]) -> list[Route]:
    """Return one route per path, in first-seen order, dispatching on the method.

    A wrong method then answers 405 with every method of the path in `Allow` (a route per
    method would name only its own).
    """
    by_path: dict[str, dict[str, Endpoint]] = {}
    for method, path, endpoint in operations:
        by_path.setdefault(path, {})[method] = endpoint
    return [
        Route(path, _by_method(methods), methods=list(methods)) for path, methods in by_path.items()
    ]


def _by_method(methods: dict[str, Endpoint]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        # Starlette lets HEAD through wherever GET is allowed.
        method = "GET" if request.method == "HEAD" else request.method
        return await methods[method](request)

    return endpoint
