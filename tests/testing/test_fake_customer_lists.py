"""Activity (new and old), redeemables with deepObject filters, and segments."""

from __future__ import annotations

import httpx
import pytest

from voucherify_async.testing import FakeVoucherify

T0 = "2024-01-01T00:00:00.000Z"


@pytest.fixture
def customer(fake: FakeVoucherify) -> str:
    return str(fake.add_customer(source_id="c1", created_at="2023-01-01T00:00:00Z")["id"])


async def test_activity_follows_more_starting_after_newest_first(
    http: httpx.AsyncClient, fake: FakeVoucherify, customer: str
) -> None:
    seeded = fake.seed_activity(customer, 5, start=T0, step_ms=0)  # all in one millisecond

    pages, cursor = [], None
    while True:
        params = {"limit": 2, **({"starting_after_id": cursor} if cursor else {})}
        body = (await http.get("/v1/customers/c1/activity", params=params)).json()
        pages.append([event["id"] for event in body["data"]])
        if not body["has_more"]:
            assert "more_starting_after" not in body
            break
        cursor = body["more_starting_after"]
        assert cursor == pages[-1][-1]

    assert pages == [[e["id"] for e in seeded[::-1]][i : i + 2] for i in (0, 2, 4)]


async def test_activity_filters_and_ascending_order(
    http: httpx.AsyncClient, fake: FakeVoucherify, customer: str
) -> None:
    seeded = fake.seed_activity(customer, 6, start=T0, step_ms=1000)
    fake.seed_activity(
        customer,
        2,
        start="2024-02-01T00:00:00Z",
        campaign_id="camp_1",
        campaign_type="LOYALTY_PROGRAM",
    )

    ascending = await http.get(f"/v1/customers/{customer}/activity?order=created_at&limit=100")
    windowed = await http.get(
        "/v1/customers/c1/activity",
        params={"start_date": seeded[1]["created_at"], "end_date": seeded[3]["created_at"]},
    )
    by_type = await http.get("/v1/customers/c1/activity?type=customer.updated")
    by_category = await http.get("/v1/customers/c1/activity?category=EFFECT")
    by_campaign = await http.get("/v1/customers/c1/activity?campaign_type=LOYALTY_PROGRAM")

    assert [e["id"] for e in ascending.json()["data"]][:6] == [e["id"] for e in seeded]
    assert [e["id"] for e in windowed.json()["data"]] == [e["id"] for e in seeded[3:0:-1]]
    assert {e["type"] for e in by_type.json()["data"]} == {"customer.updated"}
    assert {e["type"] for e in by_category.json()["data"]} == {"customer.rewarded.loyalty_points"}
    assert len(by_campaign.json()["data"]) == 2


async def test_activity_of_unknown_customer_is_404(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/customers/nobody/activity")

    assert response.status_code == 404


async def test_old_activities_has_total_and_date_or_id_cursor(
    http: httpx.AsyncClient, fake: FakeVoucherify, customer: str
) -> None:
    seeded = fake.seed_activity(customer, 5, start=T0, step_ms=1000)

    first = await http.get("/v1/customers/c1/activities?limit=2")
    by_date = await http.get(
        "/v1/customers/c1/activities",
        params={"limit": 2, "starting_after": seeded[3]["created_at"]},
    )
    by_id = await http.get(
        "/v1/customers/c1/activities", params={"limit": 2, "starting_after_id": seeded[3]["id"]}
    )

    assert first.json()["total"] == 5
    assert "has_more" not in first.json()
    assert [e["id"] for e in first.json()["data"]] == [seeded[4]["id"], seeded[3]["id"]]
    expected = [seeded[2]["id"], seeded[1]["id"]]
    assert [e["id"] for e in by_date.json()["data"]] == expected
    assert [e["id"] for e in by_id.json()["data"]] == expected


async def test_redeemables_cursor_walks_every_holder_once(
    http: httpx.AsyncClient, fake: FakeVoucherify, customer: str
) -> None:
    seeded = fake.seed_redeemables(customer, 7, start=T0, step_ms=0)

    seen, cursor = [], None
    while True:
        params = {"limit": 3, "order": "id", **({"starting_after_id": cursor} if cursor else {})}
        body = (await http.get("/v1/customers/c1/redeemables", params=params)).json()
        assert body["total"] == 7
        seen += [holder["id"] for holder in body["data"]]
        if not body["has_more"]:
            break
        cursor = body["more_starting_after"]

    assert seen == sorted(holder["id"] for holder in seeded)


async def test_redeemables_default_order_is_newest_id_first(
    http: httpx.AsyncClient, fake: FakeVoucherify, customer: str
) -> None:
    seeded = fake.seed_redeemables(customer, 3, start=T0)

    body = (await http.get("/v1/customers/c1/redeemables")).json()

    assert [h["id"] for h in body["data"]] == [h["id"] for h in seeded[::-1]]
    assert body["data"][0]["redeemable"]["voucher"]["start_date"] is None


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ("filters[holder_role][conditions][$is]=OWNER", {"OWNER"}),
        ("filters[holder_role][conditions][$is_not]=OWNER", {"REFERRER", "REFEREE"}),
        (
            "filters[holder_role][conditions][$in][0]=OWNER&filters[holder_role][conditions][$in][1]=REFEREE",
            {"OWNER", "REFEREE"},
        ),
        (
            "filters%5Bholder_role%5D%5Bconditions%5D%5B%24not_in%5D%5B0%5D=OWNER",
            {"REFERRER", "REFEREE"},
        ),
        ("filters[campaign_id][conditions][$has_value]=", {"OWNER", "REFERRER", "REFEREE"}),
        ("filters[campaign_id][conditions][$is_unknown]=", set()),
    ],
)
async def test_redeemables_string_filters(
    http: httpx.AsyncClient, fake: FakeVoucherify, customer: str, filters: str, expected: set[str]
) -> None:
    fake.seed_redeemables(customer, 6, start=T0)

    body = (await http.get(f"/v1/customers/c1/redeemables?limit=100&{filters}")).json()

    assert {holder["holder_role"] for holder in body["data"]} == expected


async def test_redeemables_created_at_filters_and_junction(
    http: httpx.AsyncClient, fake: FakeVoucherify, customer: str
) -> None:
    seeded = fake.seed_redeemables(customer, 6, start=T0, step_ms=1000)
    after = "filters[created_at][conditions][$after]=" + seeded[3]["created_at"]
    before = "filters[created_at][conditions][$before]=" + seeded[1]["created_at"]

    anded = await http.get(f"/v1/customers/c1/redeemables?{after}&{before}")
    ored = await http.get(f"/v1/customers/c1/redeemables?{after}&{before}&filters[junction]=or")

    assert anded.json()["data"] == []
    assert [h["id"] for h in ored.json()["data"]] == [seeded[i]["id"] for i in (5, 4, 0)]


@pytest.mark.parametrize(
    "filters",
    [
        "filters[holder_role][conditions][$in][]=OWNER",
        "filters[holder_role][$is]=OWNER",
        "filters[holder_role][conditions][$is][0]=OWNER",
        "filters[nickname][conditions][$is]=x",
        "filters[created_at][conditions][$after]=yesterday",
        "filters[junction]=xor",
    ],
)
async def test_malformed_redeemable_filters_are_400(
    raw: httpx.AsyncClient, fake: FakeVoucherify, customer: str, filters: str
) -> None:
    response = await raw.get(
        f"/v1/customers/c1/redeemables?{filters}", headers=fake.server_headers()
    )

    assert response.status_code == 400
    assert response.json()["key"] == "invalid_query_params"


async def test_segments_lists_the_customers_segments_and_none_for_unknown(
    http: httpx.AsyncClient, fake: FakeVoucherify, customer: str
) -> None:
    vip = fake.add_segment("VIP", customer_ids=[customer])
    fake.add_segment("Others")

    mine = (await http.get("/v1/customers/c1/segments")).json()
    unknown = await http.get("/v1/customers/nobody/segments")

    assert mine == {"object": "list", "data_ref": "data", "data": [vip], "total": 1}
    assert unknown.status_code == 200
    assert unknown.json()["data"] == []
