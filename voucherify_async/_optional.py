"""Optional extras (`testing`, `cli`): check one is installed, say which to install if not."""

from __future__ import annotations

import importlib
from typing import Final

__all__ = ["TESTING", "missing_extra", "require_extra"]

TESTING: Final = {
    "starlette": ("starlette",),
    "python-multipart": ("python_multipart", "multipart"),
}
"""What the embedded fake needs (the `testing` extra), by distribution: its import names.

`python-multipart` was importable only as `multipart` before version 0.0.13.
"""


def missing_extra(feature: str, extra: str, missing: str | None) -> str:
    """The message for `feature` run without the `extra` it needs (`missing` not importable)."""
    what = missing.split(".")[0] if missing else "a dependency"
    return (
        f"{feature} needs the '{extra}' extra ({what} is not installed): "
        f"pip install 'voucherify-async[{extra}]'"
    )


def require_extra(feature: str, extra: str, needs: dict[str, tuple[str, ...]]) -> None:
    """Import what `feature` needs, or raise naming the extra to install.

    Args:
        feature: what the user ran, as the message's subject (e.g. "FakeVoucherify").
        extra: the extra that installs `needs`.
        needs: distribution name -> the module names it may be imported as (the first found wins).

    Raises:
        ModuleNotFoundError: a distribution is missing; the message says which extra to install.
    """
    for distribution, modules in needs.items():
        if not any(_importable(module) for module in modules):
            raise ModuleNotFoundError(missing_extra(feature, extra, distribution), name=modules[0])


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
