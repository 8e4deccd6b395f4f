"""The click commands of `voucherify-async`, and the one place errors become exit codes."""

from __future__ import annotations

import math
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import IO, Final, NoReturn

import anyio
import attrs
import click

from .._client import AsyncClient
from .._convert import to_json
from .._errors import APIStatusError, VoucherifyConfigError, VoucherifyError
from .._queries import MAX_LIMIT, MAX_PAGE
from .._version import __version__
from ..customers import CUSTOMER_ORDERS
from ._export import FORMATS, Filters, export_customers
from ._list import LIST_FORMATS, write_page
from ._shell import iso_datetime, shell_message

EXIT_API_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_ROWS_FAILED: Final = 3
EXIT_INTERRUPTED: Final = 130


@attrs.frozen
class Settings:
    """The options of the top-level command, shared by every subcommand."""

    fake: bool
    fake_seed: int
    cluster: str | None
    base_url: str | None
    app_id: str | None
    secret_key: str | None = attrs.field(repr=False)


@asynccontextmanager
async def open_client(settings: Settings) -> AsyncIterator[AsyncClient]:
    """A client on Voucherify (keys from the options or the environment), or on a fresh fake."""
    if not settings.fake:
        async with AsyncClient(
            settings.app_id,
            settings.secret_key,
            cluster=settings.cluster,
            base_url=settings.base_url,
        ) as client:
            yield client
        return
    try:
        from ..testing import FakeVoucherify

        fake = FakeVoucherify()
    except ModuleNotFoundError as exc:
        raise click.UsageError(f"--fake: {exc}") from None
    if settings.fake_seed:
        fake.seed_customers(settings.fake_seed)
    async with AsyncClient(**fake.client_kwargs()) as client:
        yield client


def run(settings: Settings, work: Callable[[AsyncClient], Awaitable[int]]) -> None:
    """Run `work` with a client; turn the SDK's errors into a message and an exit code."""

    async def main() -> int:
        async with open_client(settings) as client:
            return await work(client)

    try:
        code = anyio.run(main)
    except VoucherifyConfigError as exc:
        fail(shell_message(str(exc), click.get_current_context(silent=True)), EXIT_USAGE)
    except APIStatusError as exc:
        fail(str(exc), EXIT_API_ERROR)
    except VoucherifyError as exc:
        fail(f"{type(exc).__name__}: {exc}", EXIT_API_ERROR)
    except ValueError as exc:  # an argument the SDK refused before sending anything
        fail(shell_message(str(exc), click.get_current_context(silent=True)), EXIT_USAGE)
    except OSError as exc:
        fail(str(exc), EXIT_API_ERROR)
    except KeyboardInterrupt:
        fail("Aborted.", EXIT_INTERRUPTED)
    if code:
        raise SystemExit(code)


def fail(message: str, code: int) -> NoReturn:
    """Print `Error: message` on stderr and exit with `code` (no traceback)."""
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--fake",
    is_flag=True,
    help="Run on the embedded fake API (in memory; needs the testing extra), not on Voucherify.",
)
@click.option(
    "--fake-seed",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="With --fake: start with N customers (seed-00001, seed-00002, ...).",
)
@click.option(
    "--app-id",
    envvar="VOUCHERIFY_APP_ID",
    metavar="ID",
    help="Application ID (default: $VOUCHERIFY_APP_ID).",
)
@click.option(
    "--secret-key",
    envvar="VOUCHERIFY_SECRET_KEY",
    metavar="KEY",
    help=(
        "Secret Key (default: $VOUCHERIFY_SECRET_KEY, which is safer: a command line can be "
        "seen by other users and lands in the shell's history)."
    ),
)
@click.option(
    "--cluster",
    metavar="REGION",
    help="Voucherify region such as us1 or as1 (default: $VOUCHERIFY_CLUSTER, else Europe).",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="API root of a dedicated host (default: $VOUCHERIFY_BASE_URL); not with --cluster.",
)
@click.version_option(__version__, prog_name="voucherify-async")
@click.pass_context
def cli(
    ctx: click.Context,
    fake: bool,
    fake_seed: int,
    app_id: str | None,
    secret_key: str | None,
    cluster: str | None,
    base_url: str | None,
) -> None:
    """Voucherify customers from the command line.

    Credentials come from --app-id and --secret-key, else from VOUCHERIFY_APP_ID and
    VOUCHERIFY_SECRET_KEY; the region from --cluster or --base-url, else from VOUCHERIFY_CLUSTER
    or VOUCHERIFY_BASE_URL. Exit codes: 0 success, 1 API or connection error (or an import whose
    action ended other than DONE), 2 usage or configuration error, 3 an import finished with
    failed rows, 130 interrupted.
    """
    if fake_seed and not fake:
        raise click.UsageError("--fake-seed needs --fake")
    if cluster is not None and base_url is not None:
        raise click.UsageError("pass --cluster or --base-url, not both")
    ctx.obj = Settings(
        fake=fake,
        fake_seed=fake_seed,
        cluster=cluster,
        base_url=base_url,
        app_id=app_id,
        secret_key=secret_key,
    )


@cli.group()
def customers() -> None:
    """List, export, import and look up customers."""


def filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """The list filters and order, as options named after `Customers.list`'s arguments."""
    options = [
        click.option("--email", help="Only customers with this e-mail."),
        click.option("--city", help="Only customers in this city."),
        click.option("--name", help="Only customers with this name."),
        click.option("--segment-id", help="Only customers in this segment."),
        click.option(
            "--created-after",
            "created_at_after",
            metavar="ISO8601",
            callback=iso_datetime,
            help="Created after this time, e.g. 2024-05-01T00:00:00Z.",
        ),
        click.option(
            "--created-before",
            "created_at_before",
            metavar="ISO8601",
            callback=iso_datetime,
            help="Created before.",
        ),
        click.option(
            "--updated-after",
            "updated_at_after",
            metavar="ISO8601",
            callback=iso_datetime,
            help="Updated after.",
        ),
        click.option(
            "--updated-before",
            "updated_at_before",
            metavar="ISO8601",
            callback=iso_datetime,
            help="Updated before.",
        ),
        click.option("--order", type=click.Choice(CUSTOMER_ORDERS), help="Default: newest first."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@customers.command("list")
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_LIMIT),
    default=10,
    show_default=True,
    help=f"Customers on the page (1 to {MAX_LIMIT}).",
)
@click.option(
    "--page",
    type=click.IntRange(1, MAX_PAGE),
    default=1,
    show_default=True,
    help=f"Page number (1 to {MAX_PAGE}; the API's cap).",
)
@filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(LIST_FORMATS),
    default="table",
    show_default=True,
    help="table: aligned columns; jsonl: one customer as JSON per line; csv: one row each.",
)
@click.pass_obj
def list_command(
    settings: Settings, /, limit: int, page: int, fmt: str, **filters: str | None
) -> None:
    """Print one page of customers; the count and the total go to stderr.

    For every customer, page after page, use `customers export`.
    """
    chosen = Filters(**filters)  # type: ignore[typeddict-item]  # click passes exactly these

    async def work(client: AsyncClient) -> int:
        listed = await client.customers.list(limit=limit, page=page, **chosen)
        write_page(sys.stdout, fmt, listed.customers)
        total = "?" if listed.total is None else listed.total
        click.echo(f"{len(listed.customers)} customers on page {page}, {total} in total", err=True)
        return 0

    run(settings, work)


@customers.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="jsonl",
    show_default=True,
    help="jsonl: one customer as JSON per line; csv: one row per customer.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=str),
    default="-",
    show_default=True,
    help="The file to write ('-' for standard output).",
)
@filter_options
@click.option(
    "--max-items", type=click.IntRange(min=1), metavar="N", help="Stop after N customers."
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on stderr (default: when stderr is a terminal).",
)
@click.pass_obj
def export_command(
    settings: Settings,
    /,
    fmt: str,
    out: str,
    progress: bool | None,
    max_items: int | None,
    **filters: str | None,
) -> None:
    """Export customers as JSON lines or CSV, streaming page by page.

    Memory stays flat whatever the number of customers; the progress bar shows the count, the
    rate and the time left, from the total the API reports.
    """
    chosen = Filters(**filters)  # type: ignore[typeddict-item]  # click passes exactly these
    show = sys.stderr.isatty() if progress is None else progress
    with _open_output(out, fmt) as stream:

        async def work(client: AsyncClient) -> int:
            count, seconds = await export_customers(
                client, stream, fmt=fmt, filters=chosen, max_items=max_items, progress=show
            )
            where = "standard output" if out == "-" else out
            click.echo(f"Exported {count} customers to {where} in {seconds:.1f} s", err=True)
            return 0

        run(settings, work)


def _not_nan(ctx: click.Context, param: click.Parameter, value: float) -> float:
    # click.FloatRange lets NaN through: every comparison with it is false.
    if math.isnan(value):
        raise click.BadParameter("must be a number of seconds, not nan")
    return value


@customers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--wait", is_flag=True, help="Wait for the import to finish and report it.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    callback=_not_nan,
    default=600.0,
    show_default=True,
    help="With --wait: give up after this many seconds.",
)
@click.pass_obj
def import_command(settings: Settings, /, file: Path, wait: bool, timeout: float) -> None:
    """Import customers from a CSV file (streamed from disk) as an async action.

    Prints the async action id. With --wait, follows the action and reports how many rows were
    imported; rows that failed are listed on stderr and the exit code is 3.
    """

    async def work(client: AsyncClient) -> int:
        ref = await client.customers.import_csv(file)
        click.echo(ref.async_action_id)
        if not wait:
            return 0
        action = await client.async_actions.wait(ref, timeout=timeout)
        result = action.result
        done = result.done_count if result and result.done_count is not None else 0
        failed = result.failed if result else []
        failed_count = result.failed_count if result and result.failed_count else len(failed)
        click.echo(f"{action.status}: {done} imported, {failed_count} failed", err=True)
        for row in failed:
            click.echo(f"  row {row.row} ({row.source_id}): {row.reason}", err=True)
        if action.status != "DONE":  # FAILED, or a status the SDK does not know (CANCELED)
            return EXIT_API_ERROR
        return EXIT_ROWS_FAILED if failed_count else 0

    run(settings, work)


@customers.command("get")
@click.argument("customer_id")
@click.pass_obj
def get_command(settings: Settings, /, customer_id: str) -> None:
    """Print one customer (by id or source_id) as JSON."""

    async def work(client: AsyncClient) -> int:
        customer = await client.customers.get(customer_id)
        click.echo(to_json(customer, indent=True))
        return 0

    run(settings, work)


@contextmanager
def _open_output(out: str, fmt: str) -> Iterator[IO[str]]:
    """Open the export's destination: a file, or standard output for '-'."""
    if out == "-":
        yield sys.stdout
        return
    try:
        stream = open(out, "w", encoding="utf-8", newline="" if fmt == "csv" else None)  # noqa: SIM115
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}", EXIT_USAGE)
    with stream:
        yield stream
