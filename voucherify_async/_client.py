"""`AsyncClient`: configuration, the one request path, and the client's lifecycle."""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import math
import sys
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import anyio
import attrs
import httpx

from ._config import DEFAULT_BASE_URL, resolve_base_url, setting
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    RateLimitError,
    RateLimitInfo,
    VoucherifyConfigError,
    VoucherifyError,
)
from ._extras import Extras, QueryValue
from ._hooks import Hook, RequestEvent, ResponseEvent, RetryEvent, hooks_of
from ._logging import configure_from_environment, log_attempt, log_retry, logger
from ._loop import LoopBinding
from ._params import check_duration
from ._pool import OwnPool, exchange
from ._ratelimit import (
    CYCLE_LIMIT,
    ClientStats,
    Pacer,
    RateLimit,
    Signal,
    WaitBudget,
    check_max_rate_limit_wait,
)
from ._raw import capture
from ._requests import RequestBuilder
from ._response import (
    RATE_LIMIT_PREFIX,
    check_success,
    decode_body,
    error_from_response,
    parse_retry_after,
    rate_limit_headers,
    rate_limit_info,
    request_id,
)
from ._retry import (
    Decision,
    Failure,
    RetryPolicy,
    classify_transport_error,
    failure_of_status,
    replay_safe,
)
from ._secrets import check_credential, check_destination, mask_exception
from ._timeouts import AttemptTimeout, attempt_budget, within_budget
from ._transport import make_transport
from ._types import NOT_GIVEN, Auth, HttpBackend, NotGiven, Query
from ._version import __version__

if TYPE_CHECKING:
    from .async_actions import AsyncActions
    from .customers import Customers

__all__ = ["DEFAULT_BASE_URL", "AsyncClient"]

T = TypeVar("T")

_USER_AGENT = (
    f"voucherify-async/{__version__} python/{sys.version.split()[0]} httpx/{httpx.__version__}"
)

# Sent with every request; Accept-Encoding is what httpx's client would add (and decodes).
_TRANSPORT_HEADERS = {
    "User-Agent": _USER_AGENT,
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate",
}


def _credential(value: str | None, argument: str, env: str) -> str | None:
    """The argument, else the environment variable; refused if it cannot travel in a header."""
    resolved = setting(value, env)
    check_credential(resolved, argument if value is not None else f"${env} ({argument})")
    return resolved


class AsyncClient:
    """An async client for the Voucherify Customers API.

    One client owns one httpx connection pool that every call reuses; it is safe to share across
    concurrent tasks. Create it inside the running event loop (asyncio or trio) and close it with
    `async with` or `aclose()`.

    Args:
        app_id: the server-side Application ID (`X-App-Id`); default `$VOUCHERIFY_APP_ID`.
        secret_key: the server-side Secret Key (`X-App-Token`); default `$VOUCHERIFY_SECRET_KEY`.
        client_app_id: the client-side Application ID (`X-Client-Application-Id`); default
            `$VOUCHERIFY_CLIENT_APP_ID`.
        client_secret_key: the client-side Secret Key (`X-Client-Token`); default
            `$VOUCHERIFY_CLIENT_SECRET_KEY`.
        origin: the `Origin` header sent with client-side (`/client/v1`) calls.
        base_url: the API root; default `$VOUCHERIFY_BASE_URL`, else `https://api.voucherify.io`.
        cluster: a region such as `"us1"` or `"as1"`, for `https://{cluster}.api.voucherify.io`;
            default `$VOUCHERIFY_CLUSTER`. An explicit `base_url` or `cluster` wins over both
            variables; both arguments, or both variables set, is a `ValueError`.
        timeout: seconds each attempt may take in all, connect to last byte (`APITimeoutError`
            when spent; each retry gets it afresh); an `httpx.Timeout` keeps httpx's per-phase
            meaning only (connect, each read, each write, pool); None or `math.inf` for none.
        max_retries: retries after the first try of a failed request; 0 disables them. Which
            failures are retried, for which requests, is in `docs/reliability.md`.
        http_client: an `httpx.AsyncClient` to share; the SDK never closes one it did not open.
        transport: an `httpx.AsyncBaseTransport` for the client's own pool (e.g.
            `httpx.ASGITransport(app=...)`); it is closed with the client.
        max_concurrency: at most this many requests in flight at once across the client and its
            `with_options()` copies (an anyio `CapacityLimiter`); None for no cap.
        http_backend: the transport of the client's own pool: `"aiohttp"` (httpx over aiohttp,
            asyncio only), `"httpx"` (httpx's own), or `"auto"` (aiohttp when created in a
            running asyncio loop, else httpx); default `$VOUCHERIFY_HTTP_BACKEND`, else
            `"auto"`. Ignored with `transport=` or `http_client=`.
        proxy: an HTTP(S) proxy for every request of the client's own pool (a URL, credentials
            allowed, or an `httpx.Proxy`), on either transport; None (the default) follows
            `$HTTPS_PROXY`, `$HTTP_PROXY`, `$ALL_PROXY` and `$NO_PROXY`.
        max_rate_limit_wait: the most one call waits for the account's rate limit, in seconds
            and in total across its attempts; a call that would wait longer raises
            `RateLimitError` at once. The client's requests pass one gate that learns the
            window from the `X-Rate-Limit-*` headers (see `docs/reliability.md`).
        rate_limit: keep under a known plan limit from the first request: requests per minute
            (e.g. 100), or `(requests, seconds)`. Default None: the headers alone pace.
        on_request: called with a `RequestEvent` before each attempt is sent (a function or an
            `async def` function); see "Hooks" in docs/advanced.md.
        on_response: called with a `ResponseEvent` when each attempt ends, with a response of
            any status or a connection error.
        on_retry: called with a `RetryEvent` before the wait for each retry.

    `VOUCHERIFY_LOG=debug` (or `info`) in the environment turns on the `voucherify_async` logger
    with a stderr handler when the first client is created (see `docs/reliability.md`).

    Raises:
        VoucherifyConfigError: a credential or `origin` (given or from the environment) holding
            a character that cannot travel in an HTTP header (control characters such as a
            stray line break, spaces, non-ASCII); the message names the setting, never the value.
            Missing credentials raise only when a call needs them.
        ValueError: for contradictory or malformed settings (both `base_url` and `cluster`, or
            both `$VOUCHERIFY_BASE_URL` and `$VOUCHERIFY_CLUSTER`, both
            `http_client` and `transport`, a negative `max_retries`, a `max_concurrency` < 1,
            a NaN, zero or negative `timeout`, `http_backend="aiohttp"` under trio, `proxy` with
            `http_client` or `transport`, a SOCKS `proxy` on aiohttp, a negative
            `max_rate_limit_wait`, ...).
        TypeError: for a hook that is not callable.
        ModuleNotFoundError: for the aiohttp transport when aiohttp, a dependency, is missing.
    """

    customers: Customers
    """The customers API (`/v1/customers`), bound to this client."""
    async_actions: AsyncActions
    """The async actions API (`/v1/async-actions`), bound to this client."""

    def __init__(
        self,
        app_id: str | None = None,
        secret_key: str | None = None,
        *,
        client_app_id: str | None = None,
        client_secret_key: str | None = None,
        origin: str | None = None,
        base_url: str | None = None,
        cluster: str | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_concurrency: int | None = None,
        http_backend: HttpBackend | None = None,
        proxy: str | httpx.URL | httpx.Proxy | None = None,
        max_rate_limit_wait: float = 60.0,
        rate_limit: RateLimit | None = None,
        on_request: Hook[RequestEvent] | None = None,
        on_response: Hook[ResponseEvent] | None = None,
        on_retry: Hook[RetryEvent] | None = None,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ValueError("pass http_client or transport, not both")
        if proxy is not None and (http_client is not None or transport is not None):
            raise ValueError(
                "proxy applies to the client's own pool: not with http_client or transport"
            )
        _check_max_retries(max_retries)
        if max_concurrency is not None and (
            isinstance(max_concurrency, bool)
            or not isinstance(max_concurrency, int)
            or max_concurrency < 1
        ):
            raise ValueError(f"max_concurrency must be an int >= 1, got {max_concurrency!r}")
        configure_from_environment()
        self._app_id = _credential(app_id, "app_id", "VOUCHERIFY_APP_ID")
        self._secret_key = _credential(secret_key, "secret_key", "VOUCHERIFY_SECRET_KEY")
        self._client_app_id = _credential(
            client_app_id, "client_app_id", "VOUCHERIFY_CLIENT_APP_ID"
        )
        self._client_secret_key = _credential(
            client_secret_key, "client_secret_key", "VOUCHERIFY_CLIENT_SECRET_KEY"
        )
        check_credential(origin, "origin")
        self._origin = origin
        self._hooks = hooks_of(on_request, on_response, on_retry)
        self._base_url = resolve_base_url(base_url, cluster)
        self._requests = RequestBuilder(self._base_url)
        self._timeout = _as_timeout(timeout)
        self._budget = attempt_budget(timeout)
        self._retry = RetryPolicy(max_retries=max_retries)
        self._max_rate_limit_wait = check_max_rate_limit_wait(max_rate_limit_wait)
        self._shared = _Shared(
            limiter=anyio.CapacityLimiter(max_concurrency) if max_concurrency else None,
            pacer=Pacer(rate_limit=rate_limit),
        )
        self._owns_http = http_client is None
        if http_client is None and transport is None:
            transport = make_transport(http_backend, proxy=proxy)
        self._http = http_client or OwnPool(transport=transport, timeout=self._timeout)
        self._asyncio_only = isinstance(self._http, OwnPool) and self._http.asyncio_only
        self._closed = False
        self._server_headers: dict[str, str] | None = None
        self._client_headers: dict[str, str] | None = None
        self._extras: Extras | None = None  # set by with_options(extra_headers=...)
        self._bind_resources()

    def _bind_resources(self) -> None:
        # Imported with the first client, not with the package: the resources load the models
        # (~15 ms of attrs class building) and the pagination machinery, which
        # `import voucherify_async` does without (benchmarks/run.py's import scenario).
        from .async_actions import AsyncActions
        from .customers import Customers

        self.customers = Customers(self)
        self.async_actions = AsyncActions(self)

    @property
    def _owns_pool(self) -> bool:
        """Whether the pool is the SDK's own (true in `with_options` copies too)."""
        return isinstance(self._http, OwnPool)

    @property
    def base_url(self) -> str:
        """The API root every path is joined to."""
        return self._base_url

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried after its first try."""
        return self._retry.max_retries

    @property
    def timeout(self) -> httpx.Timeout:
        """The per-phase httpx timeout of each request (a float `timeout` also bounds it whole)."""
        return self._timeout

    @property
    def is_closed(self) -> bool:
        """Whether `aclose()` has been called (on this client, or on the one owning its pool)."""
        return self._closed or self._http.is_closed

    @property
    def max_rate_limit_wait(self) -> float:
        """The most one call waits for the rate limit, in seconds, across its attempts."""
        return self._max_rate_limit_wait

    @property
    def stats(self) -> ClientStats:
        """Requests sent, retried and throttled, and the waits at the rate-limit gate.

        Counted across the client and its `with_options()` copies (they share the gate).
        """
        return self._shared.pacer.stats

    @property
    def last_rate_limit(self) -> RateLimitInfo | None:
        """The rate-limit headers of the latest response that carried any, or None.

        Shared with the `with_options()` copies, which use the same account and pool.
        """
        return self._shared.last_rate_limit

    def with_options(
        self,
        *,
        max_retries: int | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_rate_limit_wait: float | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, QueryValue] | None = None,
        on_request: Hook[RequestEvent] | NotGiven | None = NOT_GIVEN,
        on_response: Hook[ResponseEvent] | NotGiven | None = NOT_GIVEN,
        on_retry: Hook[RetryEvent] | NotGiven | None = NOT_GIVEN,
    ) -> AsyncClient:
        """A copy of this client with other settings or extra headers, sharing its pool.

        The copy shares the connection pool, the credentials, the `max_concurrency` cap, the
        rate-limit gate (and `stats`) and the `last_rate_limit` snapshot. Closing the copy does
        not close the pool; closing the client that owns the pool closes it for every copy. Use
        it for one call, as in `await client.with_options(timeout=5).customers.get(id)`.

        Args:
            max_retries: retries after the first try; 0 disables them.
            timeout: seconds each attempt may take in all (or an `httpx.Timeout`, per phase);
                None or `math.inf` waits forever.
            max_rate_limit_wait: the most one call waits for the rate limit, in seconds.
            extra_headers: headers added to every request of the copy (e.g. a tracing header),
                on top of those of this client; a name given again replaces its value.
                Credentials, `Origin`, `Content-Type`, `Accept` and the other framing headers
                are the SDK's (listed in docs/advanced.md) and may not be set.
            extra_query: query parameters added to every request of the copy, for API options
                the SDK does not know yet; a call that sends one of them itself raises
                `ValueError`.
            on_request: replaces this client's `on_request` hook in the copy; None removes it.
            on_response: replaces the `on_response` hook in the copy; None removes it.
            on_retry: replaces the `on_retry` hook in the copy; None removes it.

        Raises:
            ValueError: for a negative `max_retries` or `max_rate_limit_wait`, a NaN, zero or
                negative `timeout`, a protected header, or a header name or value with CR, LF,
                NUL or non-ASCII characters (nothing is sent).
            TypeError: for `extra_headers`/`extra_query` of the wrong shape, or a hook that is
                not callable.
        """
        extras = (self._extras or Extras()).merged(extra_headers, extra_query) or None
        hooks = hooks_of(on_request, on_response, on_retry, base=self._hooks)
        clone = copy.copy(self)
        clone._extras = extras
        clone._hooks = hooks
        clone._owns_http = False
        clone._closed = False
        if not isinstance(max_retries, NotGiven):
            _check_max_retries(max_retries)
            clone._retry = attrs.evolve(self._retry, max_retries=max_retries)
        if not isinstance(timeout, NotGiven):
            clone._timeout = _as_timeout(timeout)
            clone._budget = attempt_budget(timeout)
        if not isinstance(max_rate_limit_wait, NotGiven):
            clone._max_rate_limit_wait = check_max_rate_limit_wait(max_rate_limit_wait)
        clone._bind_resources()
        return clone

    def __repr__(self) -> str:
        keys = [
            name
            for name, present in (
                ("server", self._app_id and self._secret_key),
                ("client", self._client_app_id and self._client_secret_key),
            )
            if present
        ]
        return f"<AsyncClient base_url={self._base_url!r} keys={keys!r}>"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (and a `transport=` given to the client); idempotent.

        An `http_client=` passed in by the caller is left open.
        """
        if self._closed:
            return
        self._closed = True
        if self._owns_http:
            await self._http.aclose()
            await self._shared.loop.release()

    def _auth_headers(self, auth: Auth) -> dict[str, str]:
        if auth == "client":
            if self._client_headers is None:
                self._client_headers = self._build_client_headers()
            return self._client_headers
        if self._server_headers is None:
            self._server_headers = self._build_server_headers()
        return self._server_headers

    def _build_server_headers(self) -> dict[str, str]:
        app_id = _require(self._app_id, "app_id", "VOUCHERIFY_APP_ID", "a server-side")
        secret = _require(self._secret_key, "secret_key", "VOUCHERIFY_SECRET_KEY", "a server-side")
        return {
            **_TRANSPORT_HEADERS,
            "X-App-Id": app_id,
            "X-App-Token": secret,
        }

    def _build_client_headers(self) -> dict[str, str]:
        app_id = _require(
            self._client_app_id, "client_app_id", "VOUCHERIFY_CLIENT_APP_ID", "a client-side"
        )
        secret = _require(
            self._client_secret_key,
            "client_secret_key",
            "VOUCHERIFY_CLIENT_SECRET_KEY",
            "a client-side",
        )
        headers = {
            **_TRANSPORT_HEADERS,
            "X-Client-Application-Id": app_id,
            "X-Client-Token": secret,
        }
        if self._origin:
            headers["Origin"] = self._origin
        return headers

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        json_body: Any = None,
        files: Mapping[str, Any] | None = None,
        auth: Auth = "server",
        idempotent: bool = False,
        expect: int = 200,
    ) -> httpx.Response:
        """The one request path: auth, body encoding, retries, logging and error mapping.

        Failed attempts are retried per `self._retry` (see `_retry.py`); a request the server may
        have executed is repeated only when `replay_safe` says it is harmless: for its method, or
        because the endpoint passed `idempotent=True`. Cancellation of the caller is never
        caught: it aborts the attempt (or the wait before the next one) at once. Redirects are
        never followed; `expect` is the one success status the spec declares for the endpoint.

        Raises:
            APIStatusError: an answer outside 2xx (after the retries allowed for it).
            APIResponseValidationError: a 2xx other than `expect`.
            APIConnectionError: the exchange failed (`APITimeoutError` for timeouts).
            RuntimeError: the client (or the one owning its pool) has been closed, or is used
                from another event loop than the one that first used it.
        """
        try:
            return await self._send_once_or_retry(
                method, path, params, json_body, files, auth, idempotent, expect
            )
        except VoucherifyError as exc:
            mask_exception(exc)
            raise

    async def _send_once_or_retry(
        self,
        method: str,
        path: str,
        params: Query | None,
        json_body: Any,
        files: Mapping[str, Any] | None,
        auth: Auth,
        idempotent: bool,
        expect: int,
    ) -> httpx.Response:
        await self._shared.loop.check(self._http.aclose if self._owns_pool else None)
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        headers = self._auth_headers(auth)
        if self._extras is not None:
            headers = self._extras.apply_headers(headers)
            params = self._extras.apply_query(params)
        content: bytes | None = None
        if json_body is not None:
            # allow_nan=False: the bodies are checked already; never send NaN as if it were JSON.
            content = json.dumps(
                json_body, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            ).encode()
            headers = {**headers, "Content-Type": "application/json"}
        safe = replay_safe(method, idempotent=idempotent)
        starts = _file_positions(files)
        rewindable = starts is not None  # a file stream that cannot seek is sent once
        pacer = self._shared.pacer
        budget = WaitBudget(self._max_rate_limit_wait)
        retries = 0
        while True:
            if retries:
                _rewind(files, starts)
            request = _url_checked(self._new_request, method, path, params, content, files, headers)
            permit = await pacer.acquire(budget, method=method, path=path)
            try:
                response, limits = await self._attempt(request, path, retries)
            except BaseException as exc:
                pacer.release(permit)
                if not isinstance(exc, _EXCHANGE_ERRORS):
                    raise
                failure = classify_transport_error(exc)
                decision = self._retry.decide(
                    retries_done=retries,
                    failure=failure,
                    replay_safe=safe and rewindable,
                    reason=type(exc).__name__,
                )
                if not decision.retry:
                    unsure = failure is Failure.MAYBE_EXECUTED and not safe
                    raise _connection_error(exc, method, path, retries, unsure=unsure) from exc
            else:
                signal = pacer.learn(permit, response.status_code, limits)
                if response.is_success:
                    check_success(response, expect, method=method, path=path)
                    capture(response, attempts=retries + 1)
                    return response
                error = error_from_response(response, method=method, path=path)
                if isinstance(error, RateLimitError):
                    decision = self._after_429(error, signal, budget, retries, rewindable)
                    retries += 1
                    pacer.count_retry()
                    await self._announce_retry(method, path, retries, decision, request.headers)
                    continue
                decision = self._retry.decide(
                    retries_done=retries,
                    failure=failure_of_status(response.status_code) if rewindable else None,
                    replay_safe=safe,
                    reason=str(response.status_code),
                    retry_after=parse_retry_after(response.headers.get("retry-after")),
                )
                if not decision.retry:
                    raise error
            retries += 1
            pacer.count_retry()
            await self._announce_retry(method, path, retries, decision, request.headers)
            await self._retry.sleep(decision.delay)

    def _after_429(
        self,
        error: RateLimitError,
        signal: Signal,
        budget: WaitBudget,
        retries: int,
        rewindable: bool,
    ) -> Decision:
        """Decide on a 429, which the server did not execute: any request may be sent again.

        The retry costs one of `max_retries`; its wait is at the gate, which the 429 closed.

        Raises:
            RateLimitError: `error`, when the retries are spent, the billing cycle's budget is
                (`api_calls_cycle`), or the gate reopens later than `budget` allows.
        """
        error.retry_at = signal.retry_at
        refusal = self._shared.pacer.refusal(budget)
        if refusal is not None and error.retry_at is None:
            error.retry_at = refusal.retry_at
        spent = retries >= self._retry.max_retries or not rewindable
        if spent or signal.limit_type == CYCLE_LIMIT or refusal is not None:
            raise error
        return Decision(retry=True, delay=signal.reopens_in, reason="429")

    async def _until_open(self) -> None:
        """Wait, without a permit, while the rate-limit gate is closed (see `Pacer.wait_open`)."""
        await self._shared.pacer.wait_open()

    def _new_request(
        self,
        method: str,
        path: str,
        params: Query | None,
        content: bytes | None,
        files: Mapping[str, Any] | None,
        headers: dict[str, str],
    ) -> httpx.Request:
        """The request of one attempt.

        A caller's `http_client=` builds it, so its default headers, cookies and params apply.
        Our own pool has none of those: `RequestBuilder` builds it, skipping httpx's merging and
        most of its parsing.
        """
        query = tuple(params) if params else None
        if not self._owns_pool:
            request = self._http.build_request(
                method,
                self._base_url + path,
                params=query,
                content=content,
                files=files,
                headers=headers,
                timeout=self._timeout,
            )
            check_destination(request, self._requests.base)
            return request
        return self._requests.request(method, path, query, content, files, headers, self._timeout)

    async def _attempt(
        self, request: httpx.Request, path: str, retries: int
    ) -> tuple[httpx.Response, dict[str, str]]:
        """One exchange under the concurrency cap, logged at DEBUG; records rate-limit headers.

        Returns the response and its rate-limit headers (`rate_limit_headers`).
        """
        limiter = self._shared.limiter
        hooks = self._hooks
        if hooks is not None:
            await hooks.request(request, path, retries + 1)
        started = time.monotonic()
        async with limiter if limiter is not None else contextlib.nullcontext():
            try:
                response = await within_budget(
                    self._budget,
                    request,
                    lambda: exchange(self._http, request),
                    asyncio_only=self._asyncio_only,
                )
            except _EXCHANGE_ERRORS as exc:
                elapsed = time.monotonic() - started
                log_attempt(
                    method=request.method,
                    path=path,
                    outcome=type(exc).__name__,
                    elapsed=elapsed,
                    request_id=None,
                    retries=retries,
                    headers=request.headers,
                )
                if hooks is not None:
                    await hooks.response(request, path, retries + 1, exc, elapsed)
                raise
        if logger.isEnabledFor(logging.DEBUG):  # the request id lookup is not free
            log_attempt(
                method=request.method,
                path=path,
                outcome=str(response.status_code),
                elapsed=time.monotonic() - started,
                request_id=request_id(response),
                retries=retries,
                headers=request.headers,
            )
        limits = rate_limit_headers(response.headers)
        if any(name.startswith(RATE_LIMIT_PREFIX) for name in limits):
            self._shared.last_rate_limit = rate_limit_info(limits)
        if hooks is not None:
            elapsed = time.monotonic() - started
            await hooks.response(request, path, retries + 1, response, elapsed)
        return response, limits

    async def _announce_retry(
        self, method: str, path: str, retries: int, decision: Decision, headers: httpx.Headers
    ) -> None:
        """Log the coming retry at INFO and tell the `on_retry` hook, with its delay."""
        log_retry(
            method=method,
            path=path,
            attempt=retries + 1,
            attempts=self._retry.max_retries + 1,
            reason=decision.reason,
            delay=decision.delay,
            headers=headers,
        )
        if self._hooks is not None:
            await self._hooks.retry(method, path, retries + 1, decision.reason, decision.delay)

    async def _request(
        self,
        method: str,
        path: str,
        cast_to: type[T],
        *,
        params: Query | None = None,
        json_body: Any = None,
        files: Mapping[str, Any] | None = None,
        auth: Auth = "server",
        idempotent: bool = False,
        expect: int = 200,
    ) -> T:
        """Send a request and decode its JSON body into `cast_to`."""
        response = await self._send(
            method,
            path,
            params=params,
            json_body=json_body,
            files=files,
            auth=auth,
            idempotent=idempotent,
            expect=expect,
        )
        return decode_body(response, cast_to, method=method, path=path)


_EXCHANGE_ERRORS = (httpx.TransportError, httpx.DecodingError)
"""What one exchange may raise: a transport failure, or a body its Content-Encoding garbled."""


def _url_checked(build: Callable[..., httpx.Request], *args: Any) -> httpx.Request:
    """`build(*args)`, with httpx's refusal of the URL (too long, malformed) as a ValueError."""
    try:
        return build(*args)
    except httpx.InvalidURL as exc:
        method, path = args[0], args[1]
        raise ValueError(
            f"{method} {path[:80]}: the arguments make an invalid URL ({exc}); shorten them"
        ) from None


@attrs.define
class _Shared:
    """State a client shares with its `with_options()` copies."""

    limiter: anyio.CapacityLimiter | None
    pacer: Pacer
    last_rate_limit: RateLimitInfo | None = None
    loop: LoopBinding = attrs.field(factory=LoopBinding)


def _as_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    """Check `timeout` (seconds > 0, or None / `math.inf` for none) as an `httpx.Timeout`.

    Each phase of an `httpx.Timeout` is checked too, so a NaN never reaches the event loop.
    """
    if isinstance(timeout, httpx.Timeout):
        phases = {
            phase: None if seconds is None else _seconds(seconds, f"timeout.{phase}")
            for phase, seconds in timeout.as_dict().items()
        }
        return httpx.Timeout(**phases)
    return httpx.Timeout(None if timeout is None else _seconds(timeout, "timeout"))


def _seconds(value: object, name: str) -> float | None:
    seconds = check_duration(value, name, infinite=True)
    return None if math.isinf(seconds) else seconds


def _check_max_retries(max_retries: object) -> None:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")


def _connection_error(
    exc: httpx.RequestError, method: str, path: str, retries: int, *, unsure: bool
) -> APIConnectionError:
    tries = f" after {retries + 1} attempts" if retries else ""
    note = "; not retried, as the server may have executed it" if unsure else ""
    if isinstance(exc, httpx.TimeoutException):
        reason = str(exc) if isinstance(exc, AttemptTimeout) else type(exc).__name__
        return APITimeoutError(
            f"{method} {path} timed out ({reason}){tries}{note}",
            method=method,
            path=path,
        )
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return APIConnectionError(
        f"{method} {path} could not be completed{tries}: {detail}{note}",
        method=method,
        path=path,
    )


def _file_positions(files: Mapping[str, Any] | None) -> dict[str, int] | None:
    """Where each file object of a multipart body starts, or None if one cannot be rewound."""
    starts: dict[str, int] = {}
    for name, value in (files or {}).items():
        content = value[1] if isinstance(value, tuple) else value
        if isinstance(content, bytes | str):
            continue
        try:
            if not content.seekable():
                return None
            starts[name] = content.tell()
        except (AttributeError, OSError):
            return None
    return starts


def _rewind(files: Mapping[str, Any] | None, starts: dict[str, int] | None) -> None:
    """Seek each file object of a multipart body back to where the first attempt began."""
    for name, position in (starts or {}).items():
        assert files is not None
        value = files[name]
        (value[1] if isinstance(value, tuple) else value).seek(position)


def _require(value: str | None, argument: str, env: str, kind: str) -> str:
    if not value:
        raise VoucherifyConfigError(
            f"{kind} call needs {argument}: pass AsyncClient({argument}=...) "
            f"or set the {env} environment variable"
        )
    return value
