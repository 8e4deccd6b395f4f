"""`python -m voucherify_async.cli`: the same as the `voucherify-async` command."""

from . import main

main()
