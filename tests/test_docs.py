"""Every code block of the docs runs, against the embedded fake, so the docs cannot rot.

Rules the pages follow:

- ```python blocks run in page order in one namespace per page, on asyncio and on trio. Top-level
  `await` is allowed (as in `python -m asyncio`); each block that awaits runs in its own event
  loop, so a client is opened and closed within one block. `AsyncClient()` reads its keys and
  base URL from the environment, which points at a fresh fake seeded with 25 customers
  (`seed-00001` ... `seed-00025`); the working directory is an empty temporary folder.
- ```console blocks: every `$ voucherify-async ...` line runs as a subprocess on that fake and
  must exit 0.
- `test_*` functions a page defines are then called, as pytest would, with a fresh
  `FakeVoucherify` for a `voucherify_fake` parameter.
- A block that includes a file (`--8<-- "examples/..."`) runs that file's code in the page's
  namespace (defining what later blocks use); the example's own tests run it for real.
- Every exchange with a fake, over loopback or in process, is validated against the spec
  (`fake_http`, `conformance`); a mismatch fails the page.
- ```bash (install and setup commands), ```text, ```toml, ```json, ```yaml and ```ini are shown,
  not run. Any other language fails this test, so nothing slips through unexecuted.
"""

from __future__ import annotations

import ast
import functools
import inspect
import os
import re
import shlex
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import attrs
import pytest
from _conformance import Conformance
from _fake_http import FakeHTTPServer

from voucherify_async.testing import FakeVoucherify

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
SHOWN_ONLY = {"bash", "sh", "text", "toml", "json", "yaml", "ini", ""}
RUN = {"python", "py", "console"}
INCLUDE = re.compile(r'^\s*--8<--\s+"([^"]+)"\s*$', re.MULTILINE)
FENCE = re.compile(r"^(?P<indent>[ ]*)(?P<fence>`{3,}|~{3,})[ ]*(?P<info>[^`\n]*)$")


@attrs.frozen
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int
    language: str
    code: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> Iterator[Block]:
    """The fenced blocks of a Markdown page, indented ones (admonitions, tabs) included."""
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if not opening:
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        info = opening["info"].strip().lstrip("{").lstrip(".")
        language = info.split()[0].rstrip("}").lower() if info else ""
        start, body = index, []
        while index < len(lines):
            text = lines[index]
            index += 1
            if text.strip().startswith(fence) and set(text.strip()) == {fence[0]}:
                break
            body.append(text[indent:] if text[:indent].strip() == "" else text)
        yield Block(page, start, language, textwrap.dedent("\n".join(body)) + "\n")


def run_python(block: Block, namespace: dict[str, Any], backend: str) -> None:
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    code = compile(block.code, block.where, "exec", flags=flags, dont_inherit=True)
    if code.co_flags & inspect.CO_COROUTINE:

        async def main() -> None:
            await eval(code, namespace)

        anyio.run(main, backend=backend)
    else:
        exec(code, namespace)


def cli_executable() -> list[str]:
    script = Path(sys.executable).with_name("voucherify-async")
    return [str(script)] if script.exists() else [sys.executable, "-m", "voucherify_async.cli"]


def run_console(block: Block, env: dict[str, str], cwd: Path) -> None:
    commands = [line[2:] for line in block.code.splitlines() if line.startswith("$ ")]
    assert commands, f"{block.where}: a console block shows no `$ ` command"
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "voucherify-async", f"{block.where}: only the CLI runs here: {command}"
        done = subprocess.run(
            [*cli_executable(), *argv[1:]],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{block.where}: `{command}` failed:\n{done.stderr}"


def test_the_docs_have_pages() -> None:
    assert PAGES, "docs/ holds no Markdown page"


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_every_block_is_run_here_or_by_an_example_test_or_is_not_code(page: Path) -> None:
    for block in blocks(page):
        included = INCLUDE.findall(block.code)
        for path in included:
            assert (ROOT / path).is_file(), f"{block.where}: includes missing {path}"
            if path.startswith("examples/"):
                test = ROOT / "tests" / "examples" / f"test_{Path(path).stem}.py"
                assert test.is_file(), f"{block.where}: {path} has no test ({test.name})"
        if not included:
            assert block.language in RUN | SHOWN_ONLY, (
                f"{block.where}: ```{block.language} blocks are neither run nor allowed"
            )


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_the_code_of_the_page_runs_on_the_fake(
    page: Path,
    backend: str,
    fake_http: FakeHTTPServer,
    conformance: Conformance,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conformance.validate_every_fake(monkeypatch)  # the fakes pages build in process
    fake_http.reset()
    env = fake_http.env()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": f"docs_{page.stem}"}
    for block in blocks(page):
        included = INCLUDE.findall(block.code)
        if included:
            block = attrs.evolve(block, code="\n".join((ROOT / p).read_text() for p in included))
        if block.language in ("python", "py"):
            run_python(block, namespace, backend)
        elif block.language == "console" and backend == "asyncio":  # the CLI picks its own loop
            run_console(block, {**os.environ, **env}, tmp_path)
    run_tests_defined(namespace, backend)


def run_tests_defined(namespace: dict[str, Any], backend: str) -> None:
    """Call the `test_*` functions a page defined, with the fixtures this harness knows."""
    for name, function in list(namespace.items()):
        if not (name.startswith("test_") and inspect.isfunction(function)):
            continue
        fixtures = {"voucherify_fake": FakeVoucherify}
        kwargs = {param: fixtures[param]() for param in inspect.signature(function).parameters}
        if inspect.iscoroutinefunction(function):
            anyio.run(functools.partial(function, **kwargs), backend=backend)
        else:
            function(**kwargs)
