"""The `voucherify-async` command: list, export, import and look up customers from a shell.

Install it with `pip install 'voucherify-async[cli]'` (click and tqdm). Credentials come from
`--app-id` / `--secret-key`, else `VOUCHERIFY_APP_ID` / `VOUCHERIFY_SECRET_KEY` (and the region
from `--cluster` / `--base-url`, else `VOUCHERIFY_CLUSTER` / `VOUCHERIFY_BASE_URL`), as for
`AsyncClient()`; `--fake` runs on the embedded fake API instead. Exit codes: 0 success, 1 an
API or connection error (the message names the request id) or an import whose action ended
other than `DONE`, 2 a usage or configuration error, 3 an import that finished with rows it
could not apply, 130 interrupted.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .._optional import missing_extra

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line (the `voucherify-async` console script)."""
    try:
        import click  # noqa: F401
        import tqdm  # noqa: F401
    except ImportError as exc:
        print(missing_extra("voucherify-async", "cli", exc.name), file=sys.stderr)
        raise SystemExit(1) from None
    from ._commands import cli

    cli.main(args=list(argv) if argv is not None else None, prog_name="voucherify-async")
