"""`shell_message`: the SDK's Python names retold as the options a shell user typed."""

from __future__ import annotations

import click
import pytest

from voucherify_async.cli._shell import shell_message


@click.group()
@click.option("--app-id")
def group(app_id: str | None) -> None:
    """A parent with a credential option."""


@group.command()
@click.option("--name")
@click.option("--created-after", "created_at_after")
@click.option("--limit", type=int)
@click.argument("customer_id")
def command(name: str, created_at_after: str, limit: int, customer_id: str) -> None:
    """A command with the kinds of parameters the CLI has."""


@pytest.fixture
def ctx() -> click.Context:
    return click.Context(command, parent=click.Context(group))


@pytest.mark.parametrize(
    ("sdk", "shell"),
    [
        ("limit must be between 1 and 100, got 0", "--limit must be between 1 and 100, got 0"),
        ("customer_id must be a non-empty string", "CUSTOMER_ID must be a non-empty string"),
        (
            "created_at_before must be earlier than created_at_after",
            "created_at_before must be earlier than --created-after",
        ),
        (
            "cluster must be a region name such as 'us1', with a name and a limit",
            "cluster must be a region name such as 'us1', with a name and a limit",
        ),
        (
            "a server-side call needs app_id: pass AsyncClient(app_id=...) "
            "or set the VOUCHERIFY_APP_ID environment variable",
            "a server-side call needs --app-id or the VOUCHERIFY_APP_ID environment variable",
        ),
        (
            "a client-side call needs client_app_id: pass AsyncClient(client_app_id=...) "
            "or set the VOUCHERIFY_CLIENT_APP_ID environment variable",
            "a client-side call needs the VOUCHERIFY_CLIENT_APP_ID environment variable",
        ),
    ],
)
def test_sdk_names_become_the_commands_options(ctx: click.Context, sdk: str, shell: str) -> None:
    assert shell_message(sdk, ctx) == shell


def test_without_a_context_only_the_python_hint_goes() -> None:
    message = (
        "a server-side call needs app_id: pass AsyncClient(app_id=...) "
        "or set the VOUCHERIFY_APP_ID environment variable"
    )
    assert shell_message(message, None) == (
        "a server-side call needs the VOUCHERIFY_APP_ID environment variable"
    )
