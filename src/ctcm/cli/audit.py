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
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Only the entries of this user or service (name or slot id). To open the "
            "vault as someone else here, put --user before the command or set CTCM_USER.",
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """List audit entries (times in the practice's zone in the table, UTC in JSON).

    Example: ctcm audit list --since 2026-11-01 --user frank
    """
    from zoneinfo import ZoneInfo

    from ctcm.domain.dates import parse_optional_date
    from ctcm.services.vaultops import audit_list

    day = parse_optional_date(since, "--since date")
    with opened(ctx, "audit list", write=False) as p:
        entries = audit_list(p, day)
        if user is not None:
            wanted = {user, f"user:{user}", f"svc:{user}"}
            entries = [e for e in entries if e.actor in wanted]
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

    with opened(ctx, "audit verify", write=False) as p:
        check = audit_verify(p)
    if check.broken_at is not None:
        raise VaultError(f"audit chain broken at entry {check.broken_at} (of {check.entries})")
    if check.journal_broken_at is not None:
        raise VaultError(
            f"read journal record {check.journal_broken_at} was altered, reordered or removed "
            f"(the trail's {check.entries} entries are intact)"
        )
    extra = " (and a last record cut short by a killed command, ignored)"
    app_context(ctx).say(
        f"Audit chain intact: {check.entries} entries, and {check.journal_records} read "
        f"journal record(s) not yet folded in{extra if check.journal_incomplete else ''}."
    )


@app.command("head")
def head(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Print the vault's generation and audit head hash: evidence to keep outside the vault.

    Write it down, mail it, or keep the monthly digest (which carries it): a later vault that
    does not continue from it was rolled back or altered.

    Example: ctcm audit head
    """
    from ctcm.services.vaultops import audit_head

    with opened(ctx, "audit head", write=False) as p:
        h = audit_head(p)
    data = {
        "vault_id": h.vault_id,
        "generation": h.generation,
        "saved_at": h.saved_at,
        "audit_entries": h.entries,
        "audit_head": h.head,
        "journal_records": h.journal_records,
        "journal_head": h.journal_head,
    }
    details = [
        ("vault", h.vault_id),
        ("generation", f"{h.generation} (saved {h.saved_at})"),
        ("audit trail", f"{h.entries} entries, head {h.head}"),
        (
            "read journal",
            f"{h.journal_records} record(s) since, head {h.journal_head}"
            if h.journal_head
            else "empty",
        ),
    ]
    app_context(ctx).show(View(data, details=details), fmt)
