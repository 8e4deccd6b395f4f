"""Run a command with the Prism mock server of the spec subset listening on 127.0.0.1.

    python tests/prism/prism_server.py -- pytest -m prism tests/prism

Starts `prism mock` (the binary `nox -s conformance` installs into `.prism/`) on a free loopback
port, waits until it prints "Prism is listening" (60 s at most), runs the command with
`VOUCHERIFY_PRISM_URL` set to the server's URL, and stops the server whatever happens: the one
`node` process it started, by its PID (no `npx`, which leaves three processes behind). Prism's
own log goes to `.prism/prism.log`. The exit status is the command's.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "spec" / "voucherify-customers.openapi.json"
PRISM = ROOT / ".prism" / "node_modules" / ".bin" / "prism"
LOG = ROOT / ".prism" / "prism.log"
URL_ENV = "VOUCHERIFY_PRISM_URL"
READY = "Prism is listening"
HOST = "127.0.0.1"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start(prism: Path, port: int, log: Path, timeout: float = 60.0) -> subprocess.Popen[bytes]:
    """Start `prism mock` on `HOST:port` and return once it is listening.

    Raises:
        RuntimeError: Prism exited, or was not listening after `timeout` seconds (it is stopped
            first); the message ends with the tail of its log.
    """
    command = [str(prism), "mock", "-h", HOST, "-p", str(port), str(SPEC)]
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + timeout
    while READY not in log.read_text(errors="replace"):
        if server.poll() is not None:
            raise RuntimeError(f"Prism exited with status {server.returncode}:\n{_tail(log)}")
        if time.monotonic() > deadline:
            stop(server)
            raise RuntimeError(f"Prism was not listening after {timeout:g} s:\n{_tail(log)}")
        time.sleep(0.2)
    return server


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server: SIGTERM, then SIGKILL if it is still there after 10 s; reap it."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def main(argv: list[str] | None = None) -> int:
    """Start Prism, run the command with `$VOUCHERIFY_PRISM_URL` set, stop Prism."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prism", type=Path, default=PRISM, help="the prism binary")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    if not args.prism.exists():
        parser.error(f"{args.prism} not found: `nox -s conformance` installs it")
    began = time.monotonic()
    port = free_port()
    server = start(args.prism, port, LOG)
    url = f"http://{HOST}:{port}"
    print(f"prism_server: {url} (PID {server.pid}) up in {time.monotonic() - began:.1f} s")
    try:
        return subprocess.call(command, env={**os.environ, URL_ENV: url})
    finally:
        stop(server)
        print(f"prism_server: stopped PID {server.pid}; its log is {LOG}")


if __name__ == "__main__":
    sys.exit(main())
