"""`python -m voucherify_async.demo`, the README's first command: a walk on the embedded fake."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from _conformance import Conformance

from voucherify_async import demo

CREDENTIALS = ("VOUCHERIFY_APP_ID", "VOUCHERIFY_SECRET_KEY", "VOUCHERIFY_BASE_URL")


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _validated(conformance: Conformance, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo builds its own fake: validate its exchanges against the spec."""
    conformance.validate_every_fake(monkeypatch)


async def test_without_credentials_the_demo_says_first_that_it_runs_on_the_fake() -> None:
    out = io.StringIO()

    await demo.run(out)

    first = out.getvalue().splitlines()[0]
    assert first.startswith("Running on the embedded fake Voucherify API")


async def test_the_demo_creates_walks_bulk_updates_and_deletes_its_customers() -> None:
    out = io.StringIO()

    await demo.run(out)

    lines = out.getvalue().splitlines()
    steps = [line.split()[0] for line in lines[1:]]
    assert steps.count("created") == 3
    assert "updated" in steps
    walked = next(line for line in lines if line.startswith("iter_all"))
    # The fake is seeded with demo.SEEDED customers; the demo adds three.
    assert f"iter_all  {demo.SEEDED + 3} customers in" in walked
    assert any(line.startswith("bulk      DONE: 3 customer(s) updated") for line in lines)
    assert lines[-1] == "deleted   the 3 customer(s) this demo created"


def test_the_module_runs_as_the_readme_says_and_exits_zero() -> None:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}

    done = subprocess.run(
        [sys.executable, "-m", "voucherify_async.demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Running on the embedded fake Voucherify API")
    assert "Traceback" not in done.stderr
