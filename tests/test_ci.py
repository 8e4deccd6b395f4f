"""CI and nox test what the package claims: each Python of the classifiers, the README command."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import stat
import sys
import tomllib
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def noxfile_constant(name: str) -> object:
    """A literal constant of noxfile.py, read without importing nox (not in the test extra)."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
            name
        ]:
            return ast.literal_eval(node.value)
    raise AssertionError(f"noxfile.py defines no {name}")


def test_the_tests_session_runs_on_every_python_the_classifiers_claim() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    claimed = [
        match[1]
        for classifier in project["classifiers"]
        if (match := re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", classifier))
    ]
    assert claimed
    assert list(noxfile_constant("PYTHONS")) == claimed
    assert project["requires-python"] == f">={claimed[0]}"


def test_ci_runs_the_readmes_test_command_first() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1]
    command = re.search(r"```bash\n(.+?)\n```", section, re.DOTALL)
    assert command is not None
    commands = [
        line
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith(("#", " ", "set ", "cd ", "export ", "start=", "step"))
    ]
    assert commands[0] == command[1].strip()


def test_ci_runs_the_tests_session_on_the_other_pythons() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'nox -s "tests-$python"' in script
    assert "noxfile.available_pythons()" in script


def fake_pyenv(directory: Path, versions: list[str], current: str) -> None:
    """A `pyenv` on PATH answering `version-name` and `versions --bare` as a real one does."""
    script = directory / "pyenv"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = version-name ]; then echo {current}; exit 0; fi\n'
        f"printf '%s\\n' {' '.join(versions)}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script stands in for pyenv")
def test_the_noxfile_makes_pyenvs_installed_pythons_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if importlib.util.find_spec("nox") is None:  # the dev extra's; the README's venv lacks it
        stub = types.SimpleNamespace(
            options=types.SimpleNamespace(), session=lambda **_: lambda function: function
        )
        monkeypatch.setitem(sys.modules, "nox", stub)
    fake_pyenv(
        tmp_path,
        ["3.10.13", "3.11.7", "3.12.0", "3.12.1", "3.13.0", "3.13.0t", "pypy3.10"],
        "3.11.7",
    )
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("PYENV_VERSION", raising=False)
    monkeypatch.syspath_prepend(str(ROOT))
    monkeypatch.delitem(sys.modules, "noxfile", raising=False)

    import noxfile

    assert os.environ["PYENV_VERSION"] == "3.11.7:3.12.1:3.13.0"
    monkeypatch.setenv("PYENV_VERSION", "3.12.1")
    noxfile._expose_pyenv_versions()
    assert os.environ["PYENV_VERSION"] == "3.12.1"  # a version chosen by the user stays
    monkeypatch.delitem(sys.modules, "noxfile")
