"""Run without an optional extra, each entry point names the extra to install.

The missing distribution is simulated with `sys.modules[name] = None`, which makes its import
fail as if it were not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from voucherify_async.testing import FakeVoucherify

TESTING_HINT = "needs the 'testing' extra"
INSTALL_TESTING = "pip install 'voucherify-async[testing]'"


def without(
    modules: tuple[str, ...], code: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter where `modules` cannot be imported."""
    hide = "".join(f"sys.modules[{name!r}] = None; " for name in modules)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOUCHERIFY_")}
    return subprocess.run(
        [sys.executable, "-c", f"import sys; {hide}\n{code}"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_demo_without_starlette_says_which_extra_to_install() -> None:
    done = without(("starlette",), "from voucherify_async.demo import main; main()")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "No VOUCHERIFY_APP_ID/VOUCHERIFY_SECRET_KEY set, and the embedded fake API needs the "
        f"'testing' extra (starlette is not installed): {INSTALL_TESTING}"
    )


def test_the_demo_without_python_multipart_names_it() -> None:
    done = without(
        ("python_multipart", "multipart"), "from voucherify_async.demo import main; main()"
    )
    assert done.returncode == 1
    assert "(python-multipart is not installed)" in done.stderr
    assert INSTALL_TESTING in done.stderr
    assert "Traceback" not in done.stderr


def test_building_a_fake_without_starlette_raises_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "starlette", None)
    with pytest.raises(ModuleNotFoundError, match=r"'testing' extra \(starlette is not") as info:
        FakeVoucherify()
    assert INSTALL_TESTING in str(info.value)
    assert info.value.name == "starlette"


USES_THE_FIXTURE = """
def test_uses_the_fake(voucherify_fake):
    assert voucherify_fake is not None
"""


def test_the_fixture_without_starlette_fails_naming_the_extra_instead_of_skipping(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_user.py").write_text(USES_THE_FIXTURE)
    done = without(
        ("starlette",),
        "import pytest; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'test_user.py']))",
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout
    assert "1 error" in done.stdout
    assert "skipped" not in done.stdout
    assert f"the voucherify_fake fixture: the embedded fake API {TESTING_HINT}" in done.stdout
    assert INSTALL_TESTING in done.stdout
    assert "ModuleNotFoundError" not in done.stdout  # pytest.fail, without the traceback


def test_the_fixture_with_the_extra_gives_a_fake(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USES_THE_FIXTURE)
    done = without(
        (),
        "import pytest; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'test_user.py']))",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout
    assert "1 passed" in done.stdout


def test_serving_the_fake_without_uvicorn_says_which_extra_to_install() -> None:
    done = without(("uvicorn",), "from voucherify_async.testing.__main__ import main; main([])")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "python -m voucherify_async.testing needs the 'testing' extra (uvicorn is not "
        f"installed): {INSTALL_TESTING}"
    )


def test_the_cli_fake_option_without_starlette_is_a_usage_error_naming_the_extra() -> None:
    done = without(
        ("starlette",),
        "from voucherify_async.cli import main; main(['--fake', 'customers', 'get', 'x'])",
    )
    assert done.returncode == 2
    assert f"Error: --fake: the embedded fake API {TESTING_HINT}" in done.stderr
    assert INSTALL_TESTING in done.stderr
    assert "Traceback" not in done.stderr
