"""The `voucherify-async` command, run as a subprocess the way a shell user runs it.

`--fake` runs on an in-process fake; the tests that check the environment's credentials run the
command against the fake served on loopback (`_fake_http`).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _fake_http import FakeHTTPServer

SCRIPT = Path(sys.executable).with_name("voucherify-async")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOUCHERIFY_")}
    env["COLUMNS"] = "100"
    return {**env, **extra}


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return run([str(SCRIPT), *args], env=env, cwd=cwd)


def run(
    argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        env=env if env is not None else clean_env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def served(fake_http: FakeHTTPServer) -> FakeHTTPServer:
    fake_http.reset(customers=30)
    return fake_http


def test_the_console_script_is_installed() -> None:
    assert SCRIPT.exists()


def test_get_prints_the_customer_as_json() -> None:
    done = cli("--fake", "--fake-seed", "3", "customers", "get", "seed-00002")
    assert done.returncode == 0, done.stderr
    customer = json.loads(done.stdout)
    assert (customer["source_id"], customer["name"]) == ("seed-00002", "Seed Customer 2")


def test_an_unknown_customer_exits_1_with_the_api_message_and_request_id() -> None:
    done = cli("--fake", "customers", "get", "nobody")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("Error: 404 not_found on GET /v1/customers/nobody: ")
    assert "[request v-" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_credentials_exit_2_naming_the_environment_variable() -> None:
    done = cli("customers", "get", "seed-00001")
    assert done.returncode == 2
    assert "VOUCHERIFY_APP_ID" in done.stderr
    assert "Traceback" not in done.stderr


def test_credentials_and_base_url_come_from_the_environment(served: FakeHTTPServer) -> None:
    done = cli("customers", "get", "seed-00007", env=clean_env(**served.env()))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["source_id"] == "seed-00007"
    request = served.fake.requests[-1]
    assert request.headers["x-app-id"] == served.fake.credentials.app_id


def test_an_unreachable_api_exits_1_with_a_connection_error() -> None:
    env = clean_env(
        VOUCHERIFY_APP_ID="id",
        VOUCHERIFY_SECRET_KEY="key",
        VOUCHERIFY_BASE_URL="http://127.0.0.1:9",
    )
    done = cli("customers", "get", "x", env=env)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: APIConnectionError: GET /v1/customers/x")
    assert "Traceback" not in done.stderr


def test_export_jsonl_writes_every_customer_once(tmp_path: Path) -> None:
    out = tmp_path / "customers.jsonl"
    done = cli("--fake", "--fake-seed", "250", "customers", "export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len({row["id"] for row in rows}) == len(rows) == 250
    assert "Exported 250 customers to" in done.stderr


def test_export_csv_writes_a_header_and_one_row_per_customer(tmp_path: Path) -> None:
    out = tmp_path / "customers.csv"
    done = cli(
        "--fake", "--fake-seed", "120", "customers", "export", "--format", "csv", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 120
    first = next(row for row in rows if row["source_id"] == "seed-00001")
    assert first["email"] == "seed-00001@example.com"
    assert first["address_city"] == "Berlin"
    assert json.loads(first["metadata"]) == {"seed": 1}


def test_export_applies_the_filters(served: FakeHTTPServer, tmp_path: Path) -> None:
    out = tmp_path / "warsaw.jsonl"
    env = clean_env(**served.env())
    done = cli("customers", "export", "--city", "Warsaw", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 10
    assert {row["address"]["city"] for row in rows} == {"Warsaw"}
    list_queries = [r.query for r in served.fake.requests if r.path == "/v1/customers"]
    assert list_queries
    assert all(query["city"] == ["Warsaw"] for query in list_queries)


def test_export_stops_after_max_items(tmp_path: Path) -> None:
    out = tmp_path / "some.jsonl"
    done = cli(
        "--fake",
        "--fake-seed",
        "300",
        "customers",
        "export",
        "--max-items",
        "130",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert len(out.read_text().splitlines()) == 130


def test_export_to_standard_output_with_a_dash() -> None:
    done = cli("--fake", "--fake-seed", "5", "customers", "export", "--out", "-")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 5


def test_export_progress_shows_count_of_total_and_rate(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    done = cli(
        "--fake", "--fake-seed", "200", "customers", "export", "--progress", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "200/200" in done.stderr
    assert "customers/s" in done.stderr


def test_export_of_an_api_error_exits_1_without_a_partial_traceback(
    served: FakeHTTPServer, tmp_path: Path
) -> None:
    served.fake.inject_fault(400, path="/v1/customers", count=10)
    out = tmp_path / "c.jsonl"
    done = cli("customers", "export", "--out", str(out), env=clean_env(**served.env()))
    assert done.returncode == 1
    assert done.stderr.startswith("Error: 400 ")
    assert "request v-" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unwritable_output_exits_2(tmp_path: Path) -> None:
    done = cli("--fake", "customers", "export", "--out", str(tmp_path / "missing" / "c.jsonl"))
    assert done.returncode == 2
    assert "cannot write" in done.stderr


def test_an_unknown_format_is_a_usage_error() -> None:
    done = cli("--fake", "customers", "export", "--format", "xml")
    assert done.returncode == 2
    assert "'xml' is not one of" in done.stderr


def test_import_prints_the_async_action_id(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Source_id,Name\ncsv-1,Ann\n")
    done = cli("--fake", "customers", "import", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("aa_")


def test_import_wait_reports_the_rows_imported(served: FakeHTTPServer, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Source_id,Name,Email\ncsv-1,Ann,ann@example.com\ncsv-2,Bob,bob@example.com\n")
    done = cli("customers", "import", str(path), "--wait", env=clean_env(**served.env()))
    assert done.returncode == 0, done.stderr
    assert "DONE: 2 imported, 0 failed" in done.stderr
    stored = served.fake.get_customer("csv-2")
    assert stored is not None
    assert stored["name"] == "Bob"
    upload = next(r for r in served.fake.requests if r.path == "/v1/customers/importCSV")
    assert b'name="file"; filename="in.csv"' in upload.body


def test_import_with_failed_rows_lists_them_and_exits_3(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Source_id,Name,Birthdate\ncsv-1,Ann,1990-01-02\ncsv-2,Bob,not-a-date\n")
    done = cli("--fake", "customers", "import", str(path), "--wait")
    assert done.returncode == 3
    assert "DONE: 1 imported, 1 failed" in done.stderr
    assert "row 2 (csv-2):" in done.stderr


def test_import_of_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    done = cli("--fake", "customers", "import", str(tmp_path / "nope.csv"))
    assert done.returncode == 2
    assert "does not exist" in done.stderr


def test_fake_seed_without_fake_is_a_usage_error() -> None:
    done = cli("--fake-seed", "3", "customers", "get", "x")
    assert done.returncode == 2
    assert "--fake-seed needs --fake" in done.stderr


def test_without_the_cli_extra_the_command_says_how_to_install_it() -> None:
    code = "import sys; sys.modules['tqdm'] = None; from voucherify_async.cli import main; main()"
    done = run([sys.executable, "-c", code])
    assert done.returncode == 1
    assert "pip install 'voucherify-async[cli]'" in done.stderr
    assert "Traceback" not in done.stderr


# --- customers list --------------------------------------------------------------------------


def test_list_prints_one_page_as_a_table_newest_first() -> None:
    done = cli("--fake", "--fake-seed", "30", "customers", "list", "--limit", "5", "--page", "2")
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["id", "source_id", "name", "email", "city", "created_at"]
    assert [row.split()[1] for row in rows] == [f"seed-000{n}" for n in range(25, 20, -1)]
    assert rows[0].split()[-1].endswith("Z")  # datetimes as the API writes them
    assert done.stderr == "5 customers on page 2, 30 in total\n"


def test_list_sends_the_filters_order_limit_and_page(served: FakeHTTPServer) -> None:
    done = cli(
        *("customers", "list", "--format", "jsonl", "--city", "Warsaw"),
        *("--order", "source_id", "--limit", "3", "--page", "2"),
        *("--created-after", "2020-01-01T00:00:00+02:00"),
        env=clean_env(**served.env()),
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["source_id"] for row in rows] == ["seed-00012", "seed-00015", "seed-00018"]
    [request] = [r for r in served.fake.requests if r.path == "/v1/customers"]
    assert request.query == {
        "city": ["Warsaw"],
        "order": ["source_id"],
        "limit": ["3"],
        "page": ["2"],
        "created_at[after]": ["2019-12-31T22:00:00.000Z"],
    }


def test_list_csv_writes_the_exports_columns() -> None:
    done = cli("--fake", "--fake-seed", "2", "customers", "list", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(done.stdout.splitlines()))
    assert {row["source_id"] for row in rows} == {"seed-00001", "seed-00002"}
    assert rows[0]["address_city"]


def test_a_limit_out_of_range_is_a_usage_error_naming_the_option() -> None:
    done = cli("--fake", "customers", "list", "--limit", "101")
    assert done.returncode == 2
    assert "'--limit'" in done.stderr


# --- the CLI speaks shell ----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["list", "export"])
def test_a_date_without_time_zone_is_refused_naming_the_option(command: str) -> None:
    done = cli("--fake", "customers", command, "--created-after", "2024-05-01T00:00:00")
    assert done.returncode == 2
    assert "Invalid value for '--created-after'" in done.stderr
    assert "no time zone: add Z" in done.stderr
    assert "created_at_after" not in done.stderr
    assert "datetime.now" not in done.stderr


def test_a_malformed_date_is_refused_naming_the_option() -> None:
    done = cli("--fake", "customers", "export", "--updated-before", "yesterday")
    assert done.returncode == 2
    assert "Invalid value for '--updated-before': 'yesterday' is not an ISO-8601" in done.stderr


def test_missing_credentials_name_the_option_and_the_variable_not_the_python_api() -> None:
    done = cli("customers", "get", "seed-00001")
    assert done.returncode == 2
    assert done.stderr == (
        "Error: a server-side call needs --app-id or the VOUCHERIFY_APP_ID environment variable\n"
    )


def test_sdk_argument_errors_name_what_the_shell_user_typed() -> None:
    done = cli("--fake", "customers", "get", "")
    assert done.returncode == 2
    assert done.stderr == "Error: CUSTOMER_ID must be a non-empty string\n"

    done = cli("--base-url", "ftp://files.example.com", "customers", "get", "x")
    assert done.returncode == 2
    assert done.stderr.startswith("Error: --base-url must be an http(s) URL")


def test_a_bad_environment_setting_names_the_variable() -> None:
    env = clean_env(VOUCHERIFY_APP_ID="id", VOUCHERIFY_SECRET_KEY="key", VOUCHERIFY_CLUSTER="a/b")
    done = cli("customers", "get", "x", env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("Error: VOUCHERIFY_CLUSTER must be a region name")


def test_cluster_and_base_url_together_is_a_usage_error() -> None:
    done = cli("--cluster", "us1", "--base-url", "https://a.example.com", "customers", "get", "x")
    assert done.returncode == 2
    assert "pass --cluster or --base-url, not both" in done.stderr


def test_app_id_and_secret_key_options_win_over_the_environment(served: FakeHTTPServer) -> None:
    credentials = served.fake.credentials
    env = clean_env(
        VOUCHERIFY_APP_ID="wrong-id",
        VOUCHERIFY_SECRET_KEY="wrong-key",
        VOUCHERIFY_BASE_URL=served.base_url,
    )
    done = cli(
        *("--app-id", credentials.app_id, "--secret-key", credentials.secret_key),
        *("customers", "get", "seed-00003"),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["source_id"] == "seed-00003"
    assert served.fake.requests[-1].headers["x-app-token"] == credentials.secret_key


def test_the_secret_key_option_is_never_echoed_in_an_error() -> None:
    secret = "sk-not-the-right-one-8472"
    done = cli(
        *("--app-id", "some-app", "--secret-key", secret, "--base-url", "http://127.0.0.1:9"),
        *("customers", "get", "x"),
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Error: APIConnectionError")
    assert secret not in done.stderr + done.stdout


def test_help_never_shows_the_secret_key_from_the_environment() -> None:
    secret = "sk-live-from-env-1234"
    done = cli("--help", env=clean_env(VOUCHERIFY_SECRET_KEY=secret, VOUCHERIFY_APP_ID="app-1"))
    assert done.returncode == 0
    assert "--secret-key" in done.stdout
    assert "$VOUCHERIFY_SECRET_KEY" in done.stdout
    assert secret not in done.stdout
    assert "app-1" not in done.stdout
