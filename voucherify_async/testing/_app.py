"""The Starlette routes of the fake: one handler per operation of the spec subset.

Path parameters arrive percent-encoded (see `_middleware`) and are decoded here.
"""

from __future__ import annotations

import json
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
            return json.loads(body) if body else None
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
        async with request.form() as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise invalid_payload("file: property is required, must be a file")
            content = await upload.read()
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
        return JSONResponse(body, status_code=405, headers=exc.headers)
    error = FakeAPIError(
        exc.status_code, "not_found", "Resource not found", f"Cannot find route {request.url.path}"
    )
    return JSONResponse(error.body(request_id), status_code=exc.status_code)


def build_app(store: Store, actions: FakeAsyncActions) -> Starlette:
    """Return the Starlette app serving the customers API subset over `store`."""
    h = Handlers(store, actions)
    customer = "/v1/customers/{customer_id}"
    routes = [
        Route("/v1/customers", h.list_customers, methods=["GET"]),
        Route("/v1/customers", h.create_customer, methods=["POST"]),
        Route("/v1/customers/importCSV", h.import_csv, methods=["POST"]),
        Route("/v1/customers/bulk/async", h.bulk_update, methods=["POST"]),
        Route("/v1/customers/metadata/async", h.metadata_update, methods=["POST"]),
        Route(customer, h.get_customer, methods=["GET"]),
        Route(customer, h.update_customer, methods=["PUT"]),
        Route(customer, h.delete_customer, methods=["DELETE"]),
        Route(f"{customer}/permanent-deletion", h.delete_permanently, methods=["POST"]),
        Route(f"{customer}/activity", h.activity, methods=["GET"]),
        Route(f"{customer}/activities", h.activities, methods=["GET"]),
        Route(f"{customer}/redeemables", h.redeemables, methods=["GET"]),
        Route(f"{customer}/segments", h.segments, methods=["GET"]),
        Route(f"{customer}/consents", h.consents, methods=["PUT"]),
        Route("/client/v1/customers/{customer_id}/consents", h.consents, methods=["PUT"]),
        Route("/v1/async-actions/{action_id}", h.async_action, methods=["GET"]),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={
            FakeAPIError: _api_error,
            BodyTooLarge: _too_large,
            HTTPException: _http_error,
        },
    )
