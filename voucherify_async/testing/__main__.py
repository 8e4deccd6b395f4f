"""Serve a fake Voucherify API over HTTP: `python -m voucherify_async.testing --port 8090`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .._optional import TESTING, require_extra


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line, seed the fake and serve it with uvicorn until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m voucherify_async.testing",
        description="Serve an in-memory fake of the Voucherify customers API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="TCP port (default 8090)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="seed N customers")
    parser.add_argument("--app-id", default="fake-app-id")
    parser.add_argument("--secret-key", default="fake-secret-key")
    parser.add_argument("--client-app-id", default="fake-client-app-id")
    parser.add_argument("--client-secret-key", default="fake-client-secret")
    args = parser.parse_args(argv)

    try:
        require_extra(parser.prog, "testing", {**TESTING, "uvicorn": ("uvicorn",)})
    except ModuleNotFoundError as exc:
        raise SystemExit(str(exc)) from None
    import uvicorn

    from . import FakeVoucherify

    fake = FakeVoucherify(
        app_id=args.app_id,
        secret_key=args.secret_key,
        client_app_id=args.client_app_id,
        client_secret_key=args.client_secret_key,
    )
    if args.seed:
        fake.seed_customers(args.seed)
    print(f"Fake Voucherify on http://{args.host}:{args.port} (X-App-Id {args.app_id})", flush=True)
    uvicorn.run(fake.app, host=args.host, port=args.port, log_level="warning", lifespan="off")


if __name__ == "__main__":
    main()
