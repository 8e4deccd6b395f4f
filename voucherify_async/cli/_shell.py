"""The command line speaks shell: SDK messages retold with option names, ISO-8601 options.

The SDK names its Python parameters (`created_at_after`, `AsyncClient(app_id=...)`); a shell
user typed options (`--created-after`, `--app-id`). `shell_message` rewrites a message for the
command being run, from the names of its (and its parents') click parameters.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

import click

__all__ = ["iso_datetime", "shell_message"]

# "a server-side call needs app_id: pass AsyncClient(app_id=...) or set the X environment variable"
_CONFIG_HINT: Final = re.compile(
    r"(?P<name>\w+): pass AsyncClient\((?P=name)=\.\.\.\) or set the (?P<env>\w+) environment"
)
_SUBJECT: Final = re.compile(r"^(?P<name>[a-z]\w*)\b")  # "limit must be ...", "source_ids[0] ..."
_IDENTIFIER: Final = re.compile(r"\b(?P<name>[a-z]+(?:_[a-z]+)+)\b")  # created_at_after


def shell_names(ctx: click.Context | None) -> dict[str, str]:
    """Python parameter name -> what the shell user typed, for `ctx` and its parents.

    Options map to their longest flag (`created_at_after` -> `--created-after`), arguments to
    their metavar-like name (`customer_id` -> `CUSTOMER_ID`).
    """
    names: dict[str, str] = {}
    while ctx is not None:
        for param in ctx.command.params:
            if param.name is None or param.name in names:
                continue
            if isinstance(param, click.Option):
                names[param.name] = max(param.opts, key=len)
            else:
                names[param.name] = param.human_readable_name
        ctx = ctx.parent
    return names


def shell_message(message: str, ctx: click.Context | None) -> str:
    """`message` with the SDK's parameter names replaced by the options of the running command.

    The "pass AsyncClient(app_id=...) or set ..." hint becomes "--app-id or the ... environment
    variable" (or the variable alone where the command has no such option). A name is replaced
    where it is the message's subject, or anywhere when it is an unmistakable snake_case
    identifier: plain words such as `name` or `page` elsewhere in a sentence stay as they are.
    """
    names = shell_names(ctx)

    def config_hint(match: re.Match[str]) -> str:
        option = names.get(match["name"])
        env = match["env"]
        return f"{option} or the {env} environment" if option else f"the {env} environment"

    def rename(match: re.Match[str]) -> str:
        return names.get(match["name"], match[0])

    message = _CONFIG_HINT.sub(config_hint, message)
    message = _SUBJECT.sub(rename, message, count=1)
    return _IDENTIFIER.sub(rename, message)


def iso_datetime(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check an ISO-8601 date-time option has a time zone (`2024-05-01T00:00:00Z`); keep its text.

    A click `callback`: a value without a time zone is refused here, in the option's name, as the
    SDK would refuse it, since the API compares in UTC and a local time would shift the results.
    """
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO-8601 date-time such as 2024-05-01T00:00:00Z"
        ) from None
    if parsed.utcoffset() is None:
        raise click.BadParameter(
            f"{value!r} has no time zone: add Z (UTC) or an offset such as +02:00"
        )
    return value
