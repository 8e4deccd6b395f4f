"""The public namespace: pinned, so it never changes by accident (as httpx pins its own)."""

from __future__ import annotations

import types

import pytest

import voucherify_async

EXPORTED = [
    "DEFAULT_BASE_URL",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ActivitiesPage",
    "ActivityPage",
    "Address",
    "AsyncAction",
    "AsyncActionError",
    "AsyncActionRef",
    "AsyncActionResult",
    "AsyncClient",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "BulkChunk",
    "BulkChunkFailure",
    "BulkUpdateError",
    "ClientStats",
    "ConflictError",
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
    "InternalServerError",
    "LoyaltyCampaignSummary",
    "LoyaltyCardSummary",
    "NotFoundError",
    "NotGiven",
    "OrdersSummary",
    "PermanentDeletion",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitInfo",
    "RawResponse",
    "RedeemablesPage",
    "RedemptionsSummary",
    "ReferralCampaign",
    "RequestEvent",
    "ResponseEvent",
    "RetryEvent",
    "Segment",
    "SegmentsList",
    "VoucherifyConfigError",
    "VoucherifyError",
    "__version__",
    "to_dict",
    "to_json",
]

# Named by shared/API.md as importable from `voucherify_async`.
CONTRACT = {
    "AsyncClient",
    "Customer",
    "Address",
    "CustomersPage",
    "ActivityPage",
    "ActivitiesPage",
    "RedeemablesPage",
    "CustomerActivity",
    "CustomerRedeemable",
    "SegmentsList",
    "Segment",
    "PermanentDeletion",
    "AsyncActionRef",
    "AsyncAction",
    "CustomerUpdate",
    "VoucherifyError",
    "VoucherifyConfigError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "InternalServerError",
}


def test_all_is_pinned() -> None:
    assert sorted(voucherify_async.__all__) == sorted(EXPORTED)


def test_all_has_no_duplicates() -> None:
    assert len(set(voucherify_async.__all__)) == len(voucherify_async.__all__)


def test_every_public_name_is_in_all() -> None:
    public = {
        name
        for name in dir(voucherify_async)
        if not name.startswith("_")
        and not isinstance(getattr(voucherify_async, name), types.ModuleType)
    }

    assert public | {"__version__"} == set(voucherify_async.__all__)


def test_every_name_in_all_exists() -> None:
    missing = [n for n in voucherify_async.__all__ if not hasattr(voucherify_async, n)]

    assert missing == []


def test_contract_names_are_exported() -> None:
    assert sorted(CONTRACT - set(voucherify_async.__all__)) == []


def test_an_unknown_name_raises_attribute_error_naming_it() -> None:
    # The models load on first use (`__getattr__`); any other name still fails the usual way.
    with pytest.raises(AttributeError, match="NoSuchName"):
        voucherify_async.NoSuchName  # type: ignore[attr-defined]  # noqa: B018
