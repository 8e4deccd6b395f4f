"""examples/trio_script.py, run as a program under trio.run against the fake on loopback."""

from __future__ import annotations

import os
import subprocess
import sys

from _fake_http import FakeHTTPServer
from conftest import EXAMPLES


def test_the_script_looks_customers_up_and_counts_them_by_city(
    fake_http: FakeHTTPServer,
) -> None:
    fake_http.reset(customers=30)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOUCHERIFY_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "trio_script.py"), "seed-00004", "nobody"],
        env={**env, **fake_http.env()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "seed-00004: Seed Customer 4",
        "nobody: not found",
        "Berlin: 10",
        "New York: 10",
        "Warsaw: 10",
    ]
