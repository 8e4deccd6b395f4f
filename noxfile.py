"""Development sessions: `nox -s tests lint typecheck` (and more, listed by `nox -l`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.download_python = "never"  # test the interpreters the machine has, fetch none

PYTHON = "3.11"
PYTHONS = ("3.11", "3.12", "3.13")  # what pyproject's classifiers claim; `tests` runs on each
PRISM_VERSION = "5.14.2"
PRISM_DIR = Path(".prism")  # the npm prefix; git-ignored


def _expose_pyenv_versions() -> None:
    """Make pyenv's installed `PYTHONS` versions answer as `python3.X`, as nox looks them up.

    pyenv's shim for `python3.12` fails unless 3.12 is an active version, so this lists the
    newest installed patch of each of `PYTHONS` in `PYENV_VERSION` after the current version(s)
    (which keep answering `python3`). Without pyenv, or with `PYENV_VERSION` already set, it does
    nothing.
    """
    pyenv = shutil.which("pyenv")
    if pyenv is None or "PYENV_VERSION" in os.environ:
        return
    try:
        current = _run([pyenv, "version-name"]).split(":")
        installed = _run([pyenv, "versions", "--bare", "--skip-aliases"]).split()
    except (OSError, subprocess.CalledProcessError):
        return
    newest: dict[str, tuple[int, str]] = {}
    for name in installed:
        match = re.fullmatch(r"(\d+\.\d+)\.(\d+)", name)
        if match and match[1] in PYTHONS and int(match[2]) >= newest.get(match[1], (-1, ""))[0]:
            newest[match[1]] = (int(match[2]), name)
    extra = [name for _, name in newest.values() if name not in current]
    os.environ["PYENV_VERSION"] = ":".join([*current, *extra])


def _run(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def available_pythons() -> list[str]:
    """The `PYTHONS` versions this machine can run (`.ci/run` runs the tests on each)."""
    found = []
    for version in PYTHONS:
        executable = shutil.which(f"python{version}")
        if (
            executable
            and subprocess.run([executable, "-c", ""], capture_output=True).returncode == 0
        ):
            found.append(version)
    return found


_expose_pyenv_versions()


@nox.session(python=list(PYTHONS))
def tests(session: nox.Session) -> None:
    """Run the suite on asyncio (over aiohttp, the default transport) and trio, on each Python.

    One session per version of `PYTHONS` (`tests-3.12`, ...). A missing interpreter is skipped,
    or an error under `CI=true` (nox's rule); `.ci/run` runs the ones the machine has and names
    the others.
    """
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and on the typing checks of the public API."""
    session.install("-e", ".[test,dev]")
    session.run("mypy", "--strict", "voucherify_async")
    session.run("mypy", "--strict", "tests/typing/api.py")


@nox.session(python=PYTHON)
def soak(session: nox.Session) -> None:
    """2,000 calls at 50 concurrency with 10% injected faults, on asyncio and trio.

    Prints the figures (requests, faults injected, retries, failures surfaced, duplicates).
    """
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "soak", "tests/test_soak.py", *session.posargs)


def _prism_version() -> str | None:
    package = PRISM_DIR / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    if not (PRISM_DIR / "node_modules" / ".bin" / "prism").exists() or not package.exists():
        return None
    return str(json.loads(package.read_text(encoding="utf-8"))["version"])


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """Every customers method against the Stoplight Prism mock server of the spec subset.

    Needs node and npm (skipped without them). Installs `@stoplight/prism-cli` (PRISM_VERSION)
    into `.prism/` unless that version is there; `tests/prism/prism_server.py` starts it on a
    free 127.0.0.1 port, runs `pytest -m prism tests/prism` and stops it whatever happens.
    """
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        session.skip(
            f"{' and '.join(missing)} not found on PATH: the Prism mock server needs Node.js "
            "(e.g. `apt-get install nodejs npm`), so the conformance suite did NOT run"
        )
    session.install("-e", ".[test]")
    if _prism_version() != PRISM_VERSION:
        session.run(
            *("npm", "install", "--prefix", str(PRISM_DIR), "--no-audit", "--no-fund"),
            f"@stoplight/prism-cli@{PRISM_VERSION}",
            external=True,
        )
    session.run(
        *("python", "tests/prism/prism_server.py", "--"),
        *("pytest", "-m", "prism", "tests/prism", *session.posargs),
    )


@nox.session(python=PYTHON)
def tests_httpx(session: nox.Session) -> None:
    """The test suite with every asyncio client on httpx's own transport (trio always is)."""
    session.install("-e", ".[test]")
    session.run("pytest", "--http-backend=httpx", *session.posargs)


@nox.session(python=PYTHON)
def tests_aiohttp(session: nox.Session) -> None:
    """The test suite with every asyncio client on the aiohttp transport, asked for explicitly."""
    session.install("-e", ".[test]")
    session.run("pytest", "--http-backend=aiohttp", *session.posargs)


def _extra(name: str) -> list[str]:
    project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["optional-dependencies"][name])


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks against a plain httpx loop (`-- --with-official` adds the official SDK).

    The SDK is installed as a user installs it, `pip install voucherify-async` with no extra;
    next to it only the benchmark's own tools (the `bench` extra's list: the loopback server and
    the profiler) and, with `--with-official`, the official SDK.
    """
    session.install(".")
    session.install(*_extra("bench"))
    if "--with-official" in session.posargs:
        session.install("voucherify==6.1.1")
    session.run("python", "-m", "benchmarks.run", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the docs site with `--strict` (a broken link or reference fails the build).

    The code blocks of the pages are executed by `tests/test_docs.py` (in `nox -s tests`).
    """
    session.install("-e", ".[docs,cli,testing]")
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        "site",
        *session.posargs,
        env={"NO_MKDOCS_2_WARNING": "1"},
    )
