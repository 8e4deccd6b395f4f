"""Development sessions: `nox -s tests lint typecheck` (and more, listed by `nox -l`)."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck"]

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite on asyncio and trio."""
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


@nox.session(python=PYTHON)
def tests_httpx(session: nox.Session) -> None:
    """The test suite with every asyncio client on httpx's own transport (trio always is)."""
    session.install("-e", ".[test]")
    session.run("pytest", "--http-backend=httpx", *session.posargs)


@nox.session(python=PYTHON)
def tests_aiohttp(session: nox.Session) -> None:
    """The test suite with every asyncio client on the aiohttp transport, asked for explicitly."""
    session.install("-e", ".[test,aiohttp]")
    session.run("pytest", "--http-backend=aiohttp", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks against a plain httpx loop (`-- --with-official` adds the official SDK)."""
    session.install("-e", ".[bench]")
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
