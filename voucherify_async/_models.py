"""attrs models for the Voucherify Customers API bodies.

Field names follow the spec. Every response field is optional and nullable, because the real API
sends `null` in many fields its strict schemas do not mark nullable. Fields the API sends that a
model does not know are kept, undecoded, in the model's `extra` dict, so an API addition never
breaks decoding and stays reachable.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from attrs import define, field, frozen

__all__ = [
    "ActivitiesPage",
    "ActivityPage",
    "Address",
    "AsyncAction",
    "AsyncActionError",
    "AsyncActionRef",
    "AsyncActionResult",
    "BulkChunk",
    "BulkChunkFailure",
    "Customer",
    "CustomerActivity",
    "CustomerLoyalty",
    "CustomerRedeemable",
    "CustomerReferrals",
    "CustomerSummary",
    "CustomerUpdate",
    "CustomersPage",
    "GiftSummary",
    "ImportFailure",
    "LoyaltyCampaignSummary",
    "LoyaltyCardSummary",
    "OrdersSummary",
    "PermanentDeletion",
    "RedeemablesPage",
    "RedemptionsSummary",
    "ReferralCampaign",
    "Segment",
    "SegmentsList",
]


def _extra() -> Any:
    # Keyword-only, excluded from equality and repr: it holds what the API added after this
    # SDK was written, so two objects differing only there compare equal.
    return field(factory=dict, repr=False, eq=False, kw_only=True)


@frozen(kw_only=True)
class Address:
    """A customer's postal address; also accepted as the `address=` argument."""

    city: str | None = None
    state: str | None = None
    line_1: str | None = None
    line_2: str | None = None
    country: str | None = None
    postal_code: str | None = None
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class GiftSummary:
    """Gift card totals inside a customer's redemption summary."""

    redeemed_amount: int | None = None
    amount_to_go: int | None = None
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class LoyaltyCardSummary:
    """Loyalty card totals inside a customer's redemption summary."""

    redeemed_points: int | None = None
    points_to_go: int | None = None
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class RedemptionsSummary:
    """Counts of a customer's redemptions."""

    total_redeemed: int | None = None
    total_failed: int | None = None
    total_succeeded: int | None = None
    total_rolled_back: int | None = None
    total_rollback_failed: int | None = None
    total_rollback_succeeded: int | None = None
    gift: GiftSummary | None = None
    loyalty_card: LoyaltyCardSummary | None = None
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class OrdersSummary:
    """Totals of a customer's orders (amounts in the smallest currency unit)."""

    total_amount: int | None = None
    total_count: int | None = None
    average_amount: int | None = None
    last_order_amount: int | None = None
    last_order_date: datetime | None = None
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class CustomerSummary:
    """A customer's redemption and order summary."""

    redemptions: RedemptionsSummary | None = None
    orders: OrdersSummary | None = None
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class LoyaltyCampaignSummary:
    """A customer's standing in one loyalty campaign."""

    points: int | None = None
    referred_customers: int | None = None
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class CustomerLoyalty:
    """A customer's loyalty points, overall and per campaign name."""

    points: int | None = None
    referred_customers: int | None = None
    campaigns: dict[str, LoyaltyCampaignSummary] = field(factory=dict)
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class ReferralCampaign:
    """One referral that brought the customer in."""

    campaign_id: str | None = None
    referrer_id: str | None = None
    related_object_id: str | None = None
    related_object_type: str | None = None
    date: datetime | None = None
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class CustomerReferrals:
    """How many referrals a customer took part in, and which."""

    total: int | None = None
    campaigns: list[ReferralCampaign] = field(factory=list)
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class Customer:
    """A Voucherify customer (`GET /v1/customers/{customerId}` and every list of customers)."""

    id: str | None = None
    source_id: str | None = None
    name: str | None = None
    description: str | None = None
    email: str | None = None
    phone: str | None = None
    birthday: date | None = None
    birthdate: date | None = None
    address: Address | None = None
    summary: CustomerSummary | None = None
    loyalty: CustomerLoyalty | None = None
    referrals: CustomerReferrals | None = None
    metadata: dict[str, Any] = field(factory=dict)
    system_metadata: dict[str, Any] = field(factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    assets: dict[str, Any] | None = None
    object: str = "customer"
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class CustomersPage:
    """One page of `GET /v1/customers`. The items are under `customers`, not `data`."""

    customers: list[Customer] = field(factory=list)
    total: int | None = None
    has_more: bool | None = None
    data_ref: str = "customers"
    object: str = "list"
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class CustomerActivity:
    """One customer event (`evcus_...`); `data` is the event's payload, which varies by `type`."""

    id: str | None = None
    type: str | None = None
    data: dict[str, Any] = field(factory=dict)
    created_at: datetime | None = None
    group_id: str | None = None
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class ActivityPage:
    """One page of `GET /v1/customers/{customerId}/activity`."""

    data: list[CustomerActivity] = field(factory=list)
    has_more: bool | None = None
    more_starting_after: str | None = None
    data_ref: str = "data"
    object: str = "list"
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class ActivitiesPage:
    """One page of the older `GET /v1/customers/{customerId}/activities`."""

    data: list[CustomerActivity] = field(factory=list)
    total: int | None = None
    data_ref: str = "data"
    object: str = "list"
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class CustomerRedeemable:
    """A redeemable (voucher, loyalty card, ...) a customer holds (`rh_...`)."""

    id: str | None = None
    created_at: datetime | None = None
    redeemable_id: str | None = None
    redeemable_object: str | None = None
    customer_id: str | None = None
    holder_role: str | None = None
    campaign_id: str | None = None
    campaign_type: str | None = None
    voucher_type: str | None = None
    redeemable: dict[str, Any] = field(factory=dict)
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class RedeemablesPage:
    """One page of `GET /v1/customers/{customerId}/redeemables`."""

    data: list[CustomerRedeemable] = field(factory=list)
    total: int | None = None
    has_more: bool | None = None
    more_starting_after: str | None = None
    data_ref: str = "data"
    object: str = "list"
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class Segment:
    """A customer segment (`seg_...`)."""

    id: str | None = None
    name: str | None = None
    object: str = "segment"
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class SegmentsList:
    """The segments a customer belongs to (`GET /v1/customers/{customerId}/segments`)."""

    data: list[Segment] = field(factory=list)
    total: int | None = None
    data_ref: str = "data"
    object: str = "list"
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class PermanentDeletion:
    """The receipt of a permanent deletion (`del_...`); `object` is `pernament_deletion` (sic)."""

    id: str | None = None
    created_at: datetime | None = None
    related_object_id: str | None = None
    related_object: str | None = None
    status: str | None = None
    data_json: dict[str, Any] = field(factory=dict)
    object: str = "pernament_deletion"
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class AsyncActionRef:
    """The id of a server-side async action started by a bulk update or an import (202)."""

    async_action_id: str
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class ImportFailure:
    """One CSV row an import could not apply."""

    source_id: str | None = None
    row: int | None = None
    reason: str | None = None
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class AsyncActionError:
    """One record a bulk update could not apply."""

    message: str | None = None
    details: str | None = None
    key: str | None = None
    source_id: str | None = None
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class AsyncActionResult:
    """The result of an async action; which fields are set depends on the action's `type`.

    Imports fill `message`, `failed`, `done_count`, `failed_count`; bulk and metadata updates fill
    `done_count`, `failed_count`, `reports`, `reports_available_till`, `errors`. Other action types
    put their fields in `extra`.
    """

    done_count: int | None = None
    failed_count: int | None = None
    message: str | None = None
    failed: list[ImportFailure] = field(factory=list)
    reports: list[str] = field(factory=list)
    reports_available_till: datetime | None = None
    errors: list[AsyncActionError] = field(factory=list)
    extra: dict[str, Any] = _extra()


@frozen(kw_only=True)
class AsyncAction:
    """A server-side async action (`aa_...`), from `GET /v1/async-actions/{asyncActionId}`.

    `status` is one of `ENQUEUED`, `IN_PROGRESS`, `DONE`, `FAILED`.
    """

    id: str | None = None
    type: str | None = None
    status: str | None = None
    operation_status: str | None = None
    result: AsyncActionResult | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    request_id: str | None = None
    processing_time: int | None = None
    progress: int | None = None
    object: str = "async_action"
    extra: dict[str, Any] = _extra()

    @property
    def finished(self) -> bool:
        """Whether the action has ended: any status but a pending one.

        `ENQUEUED`, `ACCEPTED` and `IN_PROGRESS` are pending; `DONE`, `FAILED` and any status
        this SDK does not know (a `CANCELED` the API may add) have ended. An action without a
        status has not (yet) said it ended.
        """
        return self.status is not None and self.status not in (
            "ENQUEUED",
            "ACCEPTED",
            "IN_PROGRESS",
        )


@define(kw_only=True)
class CustomerUpdate:
    """One record of `update_in_bulk`: the customer to upsert, named by `source_id`.

    Fields left as None are not sent, so they stay unchanged on the server.
    """

    source_id: str
    name: str | None = None
    description: str | None = None
    email: str | None = None
    phone: str | None = None
    birthday: date | str | None = None
    birthdate: date | str | None = None
    address: Address | dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


@frozen(kw_only=True)
class BulkChunk:
    """One chunk that the API accepted: records `start` (inclusive) to `stop` (exclusive).

    Attributes:
        start: the index of the chunk's first record in the input.
        stop: one past the index of its last record.
        ref: the async action the API started for it.
        action: the finished action, when `bulk_update(wait=True)` waited for it.
    """

    start: int
    stop: int
    ref: AsyncActionRef
    action: AsyncAction | None = None


@frozen(kw_only=True)
class BulkChunkFailure:
    """One chunk that failed: records `start` (inclusive) to `stop` (exclusive).

    Attributes:
        start: the index of the chunk's first record in the input.
        stop: one past the index of its last record.
        error: what went wrong (an `APIStatusError`, `APIConnectionError`, a `ValueError` for a
            malformed record, or whatever the records' iterator raised).
        ref: the chunk's async action when the API accepted it but waiting for it failed, else
            None (the chunk was not accepted).
    """

    start: int
    stop: int
    error: Exception
    ref: AsyncActionRef | None = None
