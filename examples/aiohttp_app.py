"""aiohttp: one `AsyncClient` for the app's lifetime, opened and closed in `cleanup_ctx`.

Run it (keys from VOUCHERIFY_APP_ID / VOUCHERIFY_SECRET_KEY):

    python -m aiohttp.web -P 8080 examples.aiohttp_app:init_app

- `GET /customers.ndjson[?city=...&limit=...]` streams every customer as one JSON object per
  line. The first page is fetched before `prepare()` sends the status line (`pager.start()`),
  so a failure there gets its own status (`http_status`) instead of a `200` with an empty body;
  a later page that fails cuts the response off (`StreamBroken`), which the client sees as a
  broken transfer, never as a complete list;
- `POST /customers` creates (or updates, by `source_id`) a customer.

`create_app(**client_kwargs)` builds the app with other client settings; the tests pass the
embedded fake's (`FakeVoucherify().client_kwargs()`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

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

VOUCHERIFY = web.AppKey("voucherify", AsyncClient)


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


class StreamBroken(Exception):
    """A failure after the status line was sent: too late for a status, the response is cut."""


async def export_customers(request: web.Request) -> web.StreamResponse:
    """`GET /customers.ndjson`: every customer, written page by page as it arrives."""
    client = request.app[VOUCHERIFY]
    limit = request.query.get("limit", "100")
    if not limit.isdigit():
        raise web.HTTPUnprocessableEntity(text=f"limit must be an integer, got {limit!r}")
    try:
        pager = client.customers.iter_all(city=request.query.get("city"), limit=int(limit))
    except ValueError as exc:  # the SDK checks arguments before sending anything
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    await pager.start()  # the first page now: its errors get their status (the middleware)
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
    await response.prepare(request)
    try:
        async for customer in pager:  # begins with the page start() fetched
            await response.write(to_json(customer).encode() + b"\n")
    except VoucherifyError as exc:
        raise StreamBroken("a later page failed; the response is cut off") from exc
    await response.write_eof()
    return response


async def create_customer(request: web.Request) -> web.Response:
    """`POST /customers` with `{"source_id": ..., "name": ..., "email": ...}`."""
    body = await request.json()
    if not isinstance(body, dict) or not isinstance(body.get("source_id"), str):
        raise web.HTTPBadRequest(text="source_id is required")
    # Only the fields given: `None` would clear them on an existing customer (an upsert).
    fields = {k: body[k] for k in ("name", "email") if body.get(k) is not None}
    customer = await request.app[VOUCHERIFY].customers.create(source_id=body["source_id"], **fields)
    return web.json_response(to_dict(customer), status=201)


@web.middleware
async def voucherify_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Answer a failed call to Voucherify with `http_status`, its message and request id."""
    try:
        return await handler(request)
    except VoucherifyError as exc:
        status = http_status(exc)
        body: dict[str, str | None]
        if status == 500:  # the details are for our logs, not for the caller
            body = {"error": "the service is misconfigured"}
        elif isinstance(exc, APIStatusError):
            body = {"error": exc.message, "key": exc.key, "request_id": exc.request_id}
        else:
            body = {"error": str(exc)}  # SDK messages never hold a key
        return web.json_response(body, status=status)


def create_app(**client_kwargs: Any) -> web.Application:
    """Build the app; `client_kwargs` go to `AsyncClient` (default: from the environment)."""

    async def voucherify_client(app: web.Application) -> AsyncIterator[None]:
        async with AsyncClient(**client_kwargs) as client:
            app[VOUCHERIFY] = client
            yield

    app = web.Application(middlewares=[voucherify_errors])
    app.cleanup_ctx.append(voucherify_client)
    app.router.add_get("/customers.ndjson", export_customers)
    app.router.add_post("/customers", create_customer)
    return app


def init_app(argv: list[str] | None = None) -> web.Application:
    """The entry point of `python -m aiohttp.web`."""
    return create_app()
