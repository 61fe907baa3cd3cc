"""``ctcm audit``: the tamper-evident trail of who read or changed what."""

from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.errors import VaultError
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(help="Audit trail: one hash-chained entry per command.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", metavar="YYYY-MM-DD")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """List audit entries (times in the practice's zone in the table, UTC in JSON).

    Example: ctcm audit list --since 2026-11-01
    """
    from zoneinfo import ZoneInfo

    from ctcm.domain.dates import parse_optional_date
    from ctcm.services.vaultops import audit_list

    day = parse_optional_date(since, "--since date")
    with opened(ctx, "audit list") as p:
        entries = audit_list(p, day)
        zone = ZoneInfo(p.timezone)
    from datetime import datetime

    data = [
        {
            "seq": e.seq,
            "ts": e.ts,
            "actor": e.actor,
            "command": e.command,
            "targets": list(e.targets),
            "hash": e.hash,
        }
        for e in entries
    ]
    rows = [
        [
            e.seq,
            datetime.fromisoformat(e.ts).astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            e.actor,
            e.command,
            ", ".join(e.targets)[:80],
        ]
        for e in entries
    ]
    app_context(ctx).show(
        View(data, ["seq", "time", "actor", "command", "targets"], rows, status_column=None), fmt
    )


@app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Check the hash chain; exit 1 naming the first bad entry if anything was altered.

    Example: ctcm audit verify
    """
    from ctcm.services.vaultops import audit_verify

    with opened(ctx, "audit verify") as p:
        count, bad = audit_verify(p)
    if bad is not None:
        raise VaultError(f"audit chain broken at entry {bad} (of {count})")
    app_context(ctx).say(f"Audit chain intact: {count} entries.")
