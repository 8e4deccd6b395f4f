"""The retry policy as pure decisions: which failures, which requests, how long to wait."""

from __future__ import annotations

import httpx
import pytest

from voucherify_async._bodies import names_a_customer
from voucherify_async._retry import (
    Failure,
    RetryPolicy,
    backoff_delay,
    classify_transport_error,
    failure_of_status,
    replay_safe,
)


@pytest.mark.parametrize(
    ("method", "path", "body", "safe"),
    [
        ("GET", "/v1/customers/c", None, True),
        ("PUT", "/v1/customers/c", {"name": "x"}, True),
        ("PUT", "/client/v1/customers/c/consents", {"unsubscribed": True}, True),
        ("DELETE", "/v1/customers/c", None, True),
        ("POST", "/v1/customers", {"source_id": "alice"}, True),
        ("POST", "/v1/customers", {"id": "cust_1", "name": "x"}, True),
        ("POST", "/v1/customers", {"name": "x"}, False),
        ("POST", "/v1/customers", {"source_id": None, "name": "x"}, False),
        ("POST", "/v1/customers/bulk/async", [{"source_id": "a"}], False),
        ("POST", "/v1/customers/metadata/async", {"source_ids": ["a"]}, False),
        ("POST", "/v1/customers/importCSV", None, False),
        ("POST", "/v1/customers/c/permanent-deletion", None, False),
        ("POST", "/v1/customers/c/permanent-deletion", {"source_id": "c"}, False),
        ("PATCH", "/v1/customers/c", {"name": "x"}, False),
    ],
)
def test_replay_safe_follows_the_safety_rule(
    method: str, path: str, body: object, safe: bool
) -> None:
    # Only `customers.create` (POST /v1/customers) declares a request idempotent, when its body
    # names the customer; every other endpoint leaves the decision to the method.
    declared = path == "/v1/customers" and isinstance(body, dict) and names_a_customer(body)
    assert replay_safe(method, idempotent=declared) is safe


REQUEST = httpx.Request("GET", "http://x")


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (httpx.ConnectError("refused", request=REQUEST), Failure.NOT_SENT),
        (httpx.ConnectTimeout("slow", request=REQUEST), Failure.NOT_SENT),
        (httpx.ReadError("reset", request=REQUEST), Failure.MAYBE_EXECUTED),
        (httpx.WriteError("reset", request=REQUEST), Failure.MAYBE_EXECUTED),
        (httpx.RemoteProtocolError("cut", request=REQUEST), Failure.MAYBE_EXECUTED),
        (httpx.ReadTimeout("slow", request=REQUEST), Failure.MAYBE_EXECUTED),
        (httpx.PoolTimeout("busy", request=REQUEST), None),
        (httpx.UnsupportedProtocol("ftp", request=REQUEST), None),
    ],
)
def test_transport_errors_are_placed_by_how_far_the_request_got(
    error: httpx.TransportError, failure: Failure | None
) -> None:
    assert classify_transport_error(error) is failure


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        (408, Failure.ANSWERED),
        (429, Failure.REFUSED),
        (500, Failure.ANSWERED),
        (502, Failure.ANSWERED),
        (503, Failure.ANSWERED),
        (504, Failure.ANSWERED),
        (400, None),
        (401, None),
        (404, None),
        (409, None),
        (501, None),
    ],
)
def test_only_transient_statuses_are_retried(status: int, failure: Failure | None) -> None:
    assert failure_of_status(status) is failure


def test_backoff_ceiling_doubles_from_half_a_second_to_eight() -> None:
    ceilings = [backoff_delay(n, initial=0.5, maximum=8.0, rand=lambda: 1.0) for n in range(7)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_backoff_is_full_jitter_between_zero_and_the_ceiling() -> None:
    assert backoff_delay(3, initial=0.5, maximum=8.0, rand=lambda: 0.0) == 0.0
    assert backoff_delay(3, initial=0.5, maximum=8.0, rand=lambda: 0.25) == 1.0


def test_backoff_of_a_huge_retry_number_stays_at_the_cap() -> None:
    assert backoff_delay(10_000, initial=0.5, maximum=8.0, rand=lambda: 1.0) == 8.0


POLICY = RetryPolicy(max_retries=2, rand=lambda: 0.5)


def test_retry_waits_the_jittered_backoff() -> None:
    decision = POLICY.decide(
        retries_done=1, failure=Failure.ANSWERED, replay_safe=True, reason="503"
    )
    assert (decision.retry, decision.delay, decision.reason) == (True, 0.5, "503")


def test_retry_after_replaces_the_backoff() -> None:
    decision = POLICY.decide(
        retries_done=0, failure=Failure.REFUSED, replay_safe=True, reason="429", retry_after=7.0
    )
    assert (decision.retry, decision.delay) == (True, 7.0)


def test_retry_after_of_sixty_seconds_is_still_waited() -> None:
    decision = POLICY.decide(
        retries_done=0, failure=Failure.REFUSED, replay_safe=True, reason="429", retry_after=60.0
    )
    assert (decision.retry, decision.delay) == (True, 60.0)


def test_retry_after_over_sixty_seconds_is_not_waited_for() -> None:
    decision = POLICY.decide(
        retries_done=0, failure=Failure.REFUSED, replay_safe=True, reason="429", retry_after=61.0
    )
    assert decision.retry is False


def test_no_retry_once_max_retries_are_used() -> None:
    decision = POLICY.decide(
        retries_done=2, failure=Failure.NOT_SENT, replay_safe=True, reason="ConnectError"
    )
    assert decision.retry is False


def test_max_retries_zero_disables_retries() -> None:
    policy = RetryPolicy(max_retries=0)
    decision = policy.decide(
        retries_done=0, failure=Failure.NOT_SENT, replay_safe=True, reason="ConnectError"
    )
    assert decision.retry is False


@pytest.mark.parametrize(
    ("failure", "retried"),
    [
        (Failure.NOT_SENT, True),
        (Failure.REFUSED, True),
        (Failure.MAYBE_EXECUTED, False),
        (Failure.ANSWERED, False),
        (None, False),
    ],
)
def test_unsafe_request_is_retried_only_when_it_was_not_executed(
    failure: Failure | None, retried: bool
) -> None:
    decision = POLICY.decide(retries_done=0, failure=failure, replay_safe=False, reason="x")
    assert decision.retry is retried


@pytest.mark.parametrize("failure", [Failure.MAYBE_EXECUTED, Failure.ANSWERED])
def test_safe_request_is_retried_after_it_may_have_been_executed(failure: Failure) -> None:
    decision = POLICY.decide(retries_done=0, failure=failure, replay_safe=True, reason="x")
    assert decision.retry is True


def test_failure_that_is_never_retried_is_not_retried_even_when_safe() -> None:
    decision = POLICY.decide(retries_done=0, failure=None, replay_safe=True, reason="400")
    assert decision.retry is False
