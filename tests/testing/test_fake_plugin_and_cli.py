"""The pytest fixture and ``python -m voucherify_async.testing``."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from voucherify_async.testing import FakeVoucherify

pytest_plugins = ["pytester"]


def test_fixture_gives_a_fresh_fake(voucherify_fake: FakeVoucherify) -> None:
    assert isinstance(voucherify_fake, FakeVoucherify)
    assert voucherify_fake.customers() == []
    assert voucherify_fake.requests == []


def test_plugin_is_registered_and_fixture_is_sync(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import inspect
        from voucherify_async.testing import pytest_plugin

        def test_it(voucherify_fake):
            voucherify_fake.seed_customers(2)
            assert len(voucherify_fake.customers()) == 2
            assert not inspect.iscoroutinefunction(pytest_plugin.voucherify_fake.__wrapped__)

        def test_fresh(voucherify_fake):
            assert voucherify_fake.customers() == []
        """
    )

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=2)


def test_plugin_module_imports_without_starlette() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('starlette', 'uvicorn'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import voucherify_async.testing.pytest_plugin\n"
        "print('starlette' in sys.modules)\n"
    )

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "False"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served() -> object:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "voucherify_async.testing", "--port", str(port), "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/v1/customers", timeout=0.5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        process.stderr.close()


def test_module_serves_a_seeded_fake_over_loopback(served: str) -> None:
    headers = {"X-App-Id": "fake-app-id", "X-App-Token": "fake-secret-key"}
    with httpx.Client(base_url=served, headers=headers) as client:
        listed = client.get("/v1/customers")
        created = client.post("/v1/customers", json={"source_id": "a/b"})
        fetched = client.get("/v1/customers/a%2Fb")
        unauthorized = client.get("/v1/customers", headers={"X-App-Token": "x"})

    assert listed.json()["total"] == 3
    assert "x-rate-limit-remaining" in listed.headers
    assert fetched.json()["id"] == created.json()["id"]
    assert unauthorized.status_code == 401


def test_drop_fault_breaks_a_real_uvicorn_connection() -> None:
    import threading

    import uvicorn

    fake = FakeVoucherify()
    fake.inject_fault("drop")
    port = _free_port()
    config = uvicorn.Config(
        fake.app, host="127.0.0.1", port=port, log_level="critical", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=fake.server_headers()) as c:
            with pytest.raises(httpx.RemoteProtocolError):
                c.get("/v1/customers")
            assert c.get("/v1/customers").status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
