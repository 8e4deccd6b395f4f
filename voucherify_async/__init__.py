"""voucherify_async: the async Python SDK for the Voucherify Customers API.

```python
from voucherify_async import AsyncClient

async with AsyncClient() as client:  # keys from VOUCHERIFY_APP_ID / VOUCHERIFY_SECRET_KEY
    customer = await client.customers.create(source_id="alice@example.com", name="Alice")
    async for c in client.customers.iter_all():
        print(c.id, c.email)
```
"""

import typing

from ._client import DEFAULT_BASE_URL, AsyncClient
from ._convert import to_dict, to_json
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BulkUpdateError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RateLimitInfo,
    VoucherifyConfigError,
    VoucherifyError,
)
from ._hooks import RequestEvent, ResponseEvent, RetryEvent
from ._ratelimit import ClientStats
from ._raw import RawResponse
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__

if typing.TYPE_CHECKING:  # loaded on first use, by `__getattr__` below
    from ._models import (
        ActivitiesPage,
        ActivityPage,
        Address,
        AsyncAction,
        AsyncActionError,
        AsyncActionRef,
        AsyncActionResult,
        BulkChunk,
        BulkChunkFailure,
        Customer,
        CustomerActivity,
        CustomerLoyalty,
        CustomerRedeemable,
        CustomerReferrals,
        CustomersPage,
        CustomerSummary,
        CustomerUpdate,
        GiftSummary,
        ImportFailure,
        LoyaltyCampaignSummary,
        LoyaltyCardSummary,
        OrdersSummary,
        PermanentDeletion,
        RedeemablesPage,
        RedemptionsSummary,
        ReferralCampaign,
        Segment,
        SegmentsList,
    )
    from ._pagination import AsyncPager

__all__ = [
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


def __getattr__(name: str) -> typing.Any:
    """The models and `AsyncPager`, imported on first use rather than with the package.

    Building the model classes is most of what importing the SDK would cost; a client loads them
    when it is created, and `from voucherify_async import Customer` when it asks.
    """
    if name in __all__:
        from . import _models, _pagination

        for module in (_models, _pagination):
            if name in module.__all__:
                value = getattr(module, name)
                globals()[name] = value
                return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the ones `__getattr__` loads on first use included."""
    return sorted({*globals(), *__all__})
