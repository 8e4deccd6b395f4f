"""Bulk update, metadata update, CSV import, async actions and consents."""

from __future__ import annotations

import httpx

from voucherify_async.testing import FakeVoucherify


async def action(http: httpx.AsyncClient, response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 202
    action_id = response.json()["async_action_id"]
    assert action_id.startswith("aa_")
    result = (await http.get(f"/v1/async-actions/{action_id}")).json()
    assert isinstance(result, dict)
    return result


async def test_bulk_update_upserts_with_one_shared_timestamp(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="old", name="Old", email="o@x.io")
    records = [{"source_id": "old", "name": "Renamed"}, *({"source_id": f"n{i}"} for i in range(3))]

    result = await action(http, await http.post("/v1/customers/bulk/async", json=records))

    assert result["type"] == "CUSTOMERS.BULK_UPDATE"
    assert result["status"] == "DONE"
    assert result["operation_status"] == "SUCCESS"
    assert result["result"]["done_count"] == 4  # type: ignore[index]
    assert result["result"]["errors"] == []  # type: ignore[index]
    old = fake.get_customer("old")
    assert old is not None
    assert (old["name"], old["email"]) == ("Renamed", "o@x.io")
    created = {fake.get_customer(f"n{i}")["created_at"] for i in range(3)}  # type: ignore[index]
    assert len(created) == 1


async def test_bulk_update_requires_an_array_with_source_ids(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    headers = fake.server_headers()

    not_array = await raw.post("/v1/customers/bulk/async", json={"source_id": "x"}, headers=headers)
    no_source = await raw.post("/v1/customers/bulk/async", json=[{"name": "x"}], headers=headers)

    assert not_array.status_code == no_source.status_code == 400
    assert no_source.json()["key"] == "invalid_payload"
    assert "[0].source_id" in no_source.json()["details"]
    assert fake.customers() == []


async def test_bulk_body_over_10_mb_is_413_with_its_own_shape(http: httpx.AsyncClient) -> None:
    records = [{"source_id": "x", "description": "d" * (10 * 1024 * 1024)}]

    response = await http.post("/v1/customers/bulk/async", json=records)

    assert response.status_code == 413
    assert response.json()["statusCode"] == 413
    assert response.json()["error"] == "Request Entity Too Large"


async def test_metadata_update_merges_keys_and_creates_unknown(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="a", metadata={"keep": 1, "tier": "bronze"})
    body = {"source_ids": ["a", "new"], "metadata": {"tier": "gold"}}

    result = await action(http, await http.post("/v1/customers/metadata/async", json=body))

    assert result["type"] == "CUSTOMERS.METADATA_UPDATE"
    assert result["result"]["done_count"] == 2  # type: ignore[index]
    assert fake.get_customer("a")["metadata"] == {"keep": 1, "tier": "gold"}  # type: ignore[index]
    assert fake.get_customer("new")["metadata"] == {"tier": "gold"}  # type: ignore[index]


async def test_import_csv_maps_columns_and_reports_failed_rows(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="known", name="Before")
    csv = (
        b"Source_id,Name,Email,Birthdate,Address_City,Tier\n"
        b"known,After,k@x.io,1990-01-02,Oslo,gold\n"
        b"fresh,Fresh,,,,\n"
        b"broken,Broken,,02/01/1990,,\n"
    )

    response = await http.post(
        "/v1/customers/importCSV", files={"file": ("c.csv", csv, "text/csv")}
    )
    result = await action(http, response)

    assert result["type"] == "CUSTOMERS.IMPORT_CSV"
    assert "operation_status" not in result
    assert result["result"] == {
        "message": "2 customer(s) imported successfully, 1 failed.",
        "failed": [
            {
                "source_id": "broken",
                "row": 3,
                "reason": "birthdate: must be a date in format YYYY-MM-DD",
            }
        ],
        "done_count": 2,
        "failed_count": 1,
    }
    known = fake.get_customer("known")
    assert known is not None
    assert known["name"] == "After"
    assert known["birthdate"] == "1990-01-02"
    assert known["address"] == {"city": "Oslo"}
    assert known["metadata"] == {"Tier": "gold"}
    assert fake.get_customer("fresh") is not None
    assert fake.get_customer("broken") is None


async def test_import_csv_takes_a_file_part_without_filename(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    csv = "\ufeffSource_id,Name\nzoe,Zoë Ł\n".encode()

    response = await http.post("/v1/customers/importCSV", files={"file": (None, csv, "text/csv")})
    result = await action(http, response)

    assert result["result"]["done_count"] == 1  # type: ignore[index]
    zoe = fake.get_customer("zoe")
    assert zoe is not None
    assert zoe["name"] == "Zoë Ł"


async def test_import_csv_without_filename_rejects_what_a_named_file_rejects(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    latin1 = "Source_id,Name\nzoe,Zoë\n".encode("latin-1")
    answers = [
        await raw.post(
            "/v1/customers/importCSV",
            files={"file": (filename, latin1, "text/csv")},
            headers=fake.server_headers(),
        )
        for filename in ("c.csv", None)
    ]

    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json()["details"] == answers[1].json()["details"]
    assert fake.get_customer("zoe") is None


async def test_import_csv_without_filename_takes_more_than_a_megabyte(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    rows = "".join(f"s{n},{'x' * 1000}\n" for n in range(1100))
    csv = f"Source_id,Name\n{rows}".encode()
    assert len(csv) > 1024 * 1024

    result = await action(
        http, await http.post("/v1/customers/importCSV", files={"file": (None, csv, "text/csv")})
    )

    assert result["result"]["done_count"] == 1100  # type: ignore[index]


async def test_import_csv_needs_a_file_part(raw: httpx.AsyncClient, fake: FakeVoucherify) -> None:
    response = await raw.post(
        "/v1/customers/importCSV",
        files={"upload": ("c.csv", b"Source_id\nx\n", "text/csv")},
        headers=fake.server_headers(),
    )

    assert response.status_code == 400
    assert response.json()["key"] == "invalid_payload"


async def test_import_csv_unparsable_multipart_is_400_invalid_payload(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    response = await raw.post(
        "/v1/customers/importCSV",
        content=b"Source_id\nx\n",
        headers={**fake.server_headers(), "content-type": "multipart/form-data"},
    )

    assert response.status_code == 400
    assert response.json()["key"] == "invalid_payload"
    assert response.json()["details"] == "Missing boundary in multipart."


async def test_async_action_can_report_in_progress_first(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.async_polls_before_done = 2
    response = await http.post("/v1/customers/bulk/async", json=[{"source_id": "s"}])
    action_id = response.json()["async_action_id"]

    statuses = [
        (await http.get(f"/v1/async-actions/{action_id}")).json()["status"] for _ in range(3)
    ]

    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "DONE"]


async def test_unknown_async_action_is_404(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/async-actions/aa_missing")

    assert response.status_code == 404
    assert response.json()["resource_type"] == "async_action"


async def test_consents_store_values_and_unsubscribe(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="c")

    first = await http.put("/v1/customers/c/consents", json={"cnst_1": True, "cnst_2": True})
    await http.put("/v1/customers/c/consents", json={"unsubscribed": True})

    assert first.status_code == 204
    assert first.content == b""
    assert fake.consents("c") == {"cnst_1": False, "cnst_2": False}


async def test_empty_consents_is_400_invalid_payload_on_both_sides(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="c")

    server = await http.put("/v1/customers/c/consents", json={})
    client = await http.put(
        "/client/v1/customers/c/consents", json={}, headers=fake.client_headers()
    )

    for response in (server, client):
        assert response.status_code == 400
        assert response.json()["key"] == "invalid_payload"
        assert response.json()["details"] == "The payload cannot be empty"
