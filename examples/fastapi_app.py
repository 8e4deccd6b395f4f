"""FastAPI: one `AsyncClient` for the app's lifetime, handed to the routes by a dependency.

Run it (keys from VOUCHERIFY_APP_ID / VOUCHERIFY_SECRET_KEY):

    uvicorn examples.fastapi_app:app

- `GET /customers.ndjson[?city=...&limit=...]` streams every customer as one JSON object per
  line, page by page, so the response's memory stays flat however many customers there are.
  The first page is fetched before the status line is sent (`pager.start()`), so a failure
  there gets its own status (`http_status`) instead of a `200` with an empty body; a later page
  that fails cuts the response off, which the client sees as a broken transfer, never as a
  complete list;
- `POST /customers` creates (or updates, by `source_id`) a customer.

`create_app(**client_kwargs)` builds the app with other client settings; the tests pass the
embedded fake's (`FakeVoucherify().client_kwargs()`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from voucherify_async import (
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    PermissionDeniedError,
    RateLimitError,
    VoucherifyConfigError,
    VoucherifyError,
    to_dict,
    to_json,
)


class NewCustomer(BaseModel):
    """The body of `POST /customers`."""

    source_id: str
    name: str | None = None
    email: str | None = None


def http_status(error: VoucherifyError) -> int:
    """The status this service answers when its call to Voucherify failed."""
    if isinstance(error, APIStatusError) and error.status_code in (400, 404, 409):
        return error.status_code  # the API refused what the caller asked for
    if isinstance(error, AuthenticationError | PermissionDeniedError | VoucherifyConfigError):
        return 500  # our keys or settings are wrong: neither the caller's fault nor upstream's
    if isinstance(error, RateLimitError):
        return 503  # busy for now: the caller may try again later
    if isinstance(error, APITimeoutError):
        return 504
    return 502  # Voucherify failed (a 5xx, a broken connection, an unreadable answer)


def voucherify(request: Request) -> AsyncClient:
    """The dependency: the app's one client (one connection pool for every request)."""
    client: AsyncClient = request.app.state.voucherify
    return client


Voucherify = Annotated[AsyncClient, Depends(voucherify)]


def create_app(**client_kwargs: Any) -> FastAPI:
    """Build the app; `client_kwargs` go to `AsyncClient` (default: from the environment)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Created inside the running loop, closed when the server stops.
        async with AsyncClient(**client_kwargs) as client:
            app.state.voucherify = client
            yield

    app = FastAPI(lifespan=lifespan)

    @app.exception_handler(VoucherifyError)
    async def voucherify_error(request: Request, exc: VoucherifyError) -> JSONResponse:
        status = http_status(exc)
        body: dict[str, str | None]
        if status == 500:  # the details are for our logs, not for the caller
            body = {"error": "the service is misconfigured"}
        elif isinstance(exc, APIStatusError):
            body = {"error": exc.message, "key": exc.key, "request_id": exc.request_id}
        else:
            body = {"error": str(exc)}  # SDK messages never hold a key
        return JSONResponse(body, status_code=status)

    @app.get("/customers.ndjson")
    async def export_customers(
        client: Voucherify, city: str | None = None, limit: int = 100
    ) -> StreamingResponse:
        try:
            pager = client.customers.iter_all(city=city, limit=limit)
        except ValueError as exc:  # checked before anything is sent; names the argument
            raise HTTPException(422, str(exc)) from None
        await pager.start()  # the first page now: its errors get their status (above)

        async def lines() -> AsyncIterator[str]:
            async for customer in pager:  # begins with the page start() fetched
                yield to_json(customer) + "\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.post("/customers", status_code=201)
    async def create_customer(body: NewCustomer, client: Voucherify) -> dict[str, Any]:
        # Only the fields given: `None` would clear them on an existing customer (an upsert).
        customer = await client.customers.create(**body.model_dump(exclude_none=True))
        return to_dict(customer)

    return app


app = create_app()
