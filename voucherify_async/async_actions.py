"""The async actions API: bulk updates and CSV imports run as server-side async actions.

Bound to a client as `client.async_actions`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Final

import anyio

from ._errors import APITimeoutError
from ._models import AsyncAction, AsyncActionRef
from ._params import check_duration, path_segment
from ._raw import raw_variant
from ._resource import APIResource

__all__ = ["AsyncActions", "AsyncActionsWithRawResponse", "poll_intervals"]

MAX_POLL_INTERVAL: Final = 10.0
POLL_GROWTH: Final = 1.5


class AsyncActions(APIResource):
    """The async actions endpoints, bound to one `AsyncClient` (use `client.async_actions`)."""

    @functools.cached_property
    def with_raw_response(self) -> AsyncActionsWithRawResponse:
        """`get` returning a `RawResponse[AsyncAction]`; `wait` polls many times and has none."""
        return AsyncActionsWithRawResponse(self)

    async def get(self, async_action_id: str | AsyncActionRef) -> AsyncAction:
        """Get an async action's status and result. `GET /v1/async-actions/{asyncActionId}`.

        Raises:
            NotFoundError: no async action has that id.
        """
        action_id = _action_id(async_action_id, "async_action_id")
        path = f"/v1/async-actions/{path_segment(action_id, 'async_action_id')}"
        return await self._request("GET", path, AsyncAction)

    async def wait(
        self,
        ref_or_id: str | AsyncActionRef,
        *,
        timeout: float = 300.0,  # noqa: ASYNC109 (the documented name; not a per-request timeout)
        poll_interval: float = 1.0,
    ) -> AsyncAction:
        """Poll an async action until it has ended, and return it however it ended.

        An action has ended at any status but the pending `ENQUEUED`, `ACCEPTED` and
        `IN_PROGRESS` (`AsyncAction.finished`): `DONE`, `FAILED`, or a status this SDK does not
        know, returned as it is. A `FAILED` action is returned with its `result`, not raised: look
        at `action.status` and `action.result` (`failed_count`, `errors`, `failed`). The interval
        between polls starts at `poll_interval` and grows by half each time, up to 10 seconds.

        Args:
            ref_or_id: the `AsyncActionRef` a bulk call returned, or the action's id (`aa_...`).
            timeout: seconds to wait in all, polls included; `math.inf` waits as long as it
                takes.
            poll_interval: seconds before the second poll (finite).

        Returns:
            The ended action (`status` `DONE`, `FAILED` or one the SDK does not know).

        Raises:
            APITimeoutError: the action had not ended after `timeout` seconds.
            ValueError: for a NaN, zero or negative `timeout` or `poll_interval`, or an infinite
                `poll_interval` (nothing is sent).
            TypeError: for a `timeout` or `poll_interval` that is not a number.
        """
        check_duration(timeout, "timeout", infinite=True)
        check_duration(poll_interval, "poll_interval")
        action_id = _action_id(ref_or_id, "ref_or_id")
        last: AsyncAction | None = None
        with anyio.move_on_after(timeout):
            for delay in poll_intervals(poll_interval):
                last = await self.get(action_id)
                if last.finished:
                    return last
                await anyio.sleep(delay)
        path = f"/v1/async-actions/{path_segment(action_id, 'async_action_id')}"
        state = f" (last seen {_describe(last)})" if last is not None else ""
        raise APITimeoutError(
            f"async action {action_id} had not finished after {timeout:g} s{state}",
            method="GET",
            path=path,
        )


class AsyncActionsWithRawResponse:
    """`client.async_actions.with_raw_response`: `get` returning a `RawResponse`."""

    def __init__(self, async_actions: AsyncActions) -> None:
        self.get = raw_variant(async_actions.get)


def poll_intervals(first: float) -> Iterator[float]:
    """The pauses between polls: `first`, then half as long again each time, up to 10 s.

    A `first` above 10 s stays as it is.
    """
    cap = max(first, MAX_POLL_INTERVAL)
    interval = first
    while True:
        yield interval
        interval = min(interval * POLL_GROWTH, cap)


def _describe(action: AsyncAction) -> str:
    text = action.status or "no status"
    if action.progress is not None:
        text += f", {action.progress}%"
    return text


def _action_id(value: str | AsyncActionRef, name: str) -> str:
    """The id of `value`, checked under the caller's parameter `name` before anything is sent."""
    if isinstance(value, AsyncActionRef):
        return value.async_action_id
    path_segment(value, name)
    return value
