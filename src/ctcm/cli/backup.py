"""``ctcm backup``: earlier generations of the vault, kept encrypted."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.errors import VaultError
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="Backups: every save keeps the previous generation (still encrypted).",
    no_args_is_help=True,
)


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """List kept generations, newest first.

    Example: ctcm backup list
    """
    from ctcm.services.vaultops import list_backups

    with opened(ctx, "backup list", write=False) as p:
        items = list_backups(p)
    data = [
        {
            "generation": b.generation,
            "saved_at": b.saved_at.isoformat(),
            "size": b.size,
            "command": b.command,
            "removed_slots_open_it": list(b.removed_slots),
        }
        for b in items
    ]
    rows = [
        [
            b.generation,
            b.saved_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            b.size,
            b.command or "(under an earlier key)",
            f"still opens for removed {', '.join(b.removed_slots)}" if b.removed_slots else "",
        ]
        for b in items
    ]
    app_context(ctx).show(
        View(
            data,
            ["generation", "saved_at", "bytes", "made by", "note"],
            rows,
            status_column=None,
        ),
        fmt,
    )


@app.command("accept")
def accept(
    ctx: typer.Context,
    generation: Annotated[int, typer.Argument(help="The generation of the file on disk.")],
    legacy: Annotated[
        bool,
        typer.Option(
            "--legacy",
            help="The file is in the older format without data-key authentication, and "
            "this machine saw an authenticated one: accept it as it is.",
        ),
    ] = False,
) -> None:
    """Accept the vault file on disk although this machine saw a newer generation (admin).

    Writes are refused after an older copy was put in the vault's place; when that copy is the
    state you want (say the newer one was a mistake that was rolled back on purpose), this
    accepts it: the next generation is saved past the newest this machine saw, and the audit
    trail records who accepted which generation. Otherwise, restore a newer backup.

    Example: ctcm backup accept 47
    """
    from ctcm.services.vaultops import accept_generation

    with opened(ctx, "backup accept", accept_older=generation, accept_legacy=legacy) as p:
        seen = accept_generation(p, generation, legacy)
    app_context(ctx).say(
        f"Accepted generation {generation} (this machine had seen {seen}); "
        "saved as the current state and recorded in the audit trail."
    )


@app.command("retention")
def retention(
    ctx: typer.Context,
    last: Annotated[int | None, typer.Option("--last", help="Newest generations kept.")] = None,
    days: Annotated[
        int | None, typer.Option("--days", help="Newest backup of each of the last N days.")
    ] = None,
    weeks: Annotated[
        int | None, typer.Option("--weeks", help="Newest backup of each of the last N weeks.")
    ] = None,
    months: Annotated[
        int | None,
        typer.Option("--months", help="Newest backup of each of the last N months (72 at least)."),
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Show or change how many backups are kept (by count and by age).

    Every save keeps the previous generation; older ones are pruned to the newest --last,
    plus the newest of each day, week and month in those windows. Months never go below 72:
    HIPAA documentation is kept six years, and a backup may hold the only copy of a record a
    later restore replaced.

    Example: ctcm backup retention --last 20 --days 30
    """
    from ctcm.services.vaultops import retention_of, set_retention

    changes = {"last": last, "daily": days, "weekly": weeks, "monthly": months}
    change = any(v is not None for v in changes.values())
    with opened(ctx, "backup retention", write=change) as p:
        r = set_retention(p, changes) if change else retention_of(p)
    data = {"last": r.last, "days": r.daily, "weeks": r.weekly, "months": r.monthly}
    rows = [
        ["last", r.last, "newest generations"],
        ["days", r.daily, "newest backup of each day"],
        ["weeks", r.weekly, "newest backup of each ISO week"],
        ["months", r.monthly, "newest backup of each month (six years at least)"],
    ]
    app_context(ctx).show(View(data, ["keep", "count", "what"], rows, status_column=None), fmt)


@app.command("verify")
def verify(
    ctx: typer.Context,
    generation: Annotated[
        int | None, typer.Option("--generation", help="Which backup (default: the newest).")
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Decrypt a backup; check its database, audit chain and attachment files (a restore test).

    Example: ctcm backup verify
    """
    from ctcm.services.vaultops import verify_backup

    with opened(ctx, "backup verify", write=False) as p:
        result = verify_backup(p, generation)
    data = {
        "generation": result.generation,
        "saved_at": result.saved_at.isoformat(),
        "ok": result.ok,
        "integrity": result.integrity or ["ok"],
        "audit_entries": result.audit_entries,
        "audit_broken_at": result.audit_broken_at,
        "attachments": result.attachments,
        "missing_attachments": list(result.missing_attachments),
    }
    details = [
        ("generation", str(result.generation)),
        ("saved at", result.saved_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("decrypts", "yes"),
        ("database integrity", "; ".join(result.integrity) or "ok"),
        (
            "audit chain",
            f"{result.audit_entries} entries, "
            + (
                "intact"
                if result.audit_broken_at is None
                else f"broken at entry {result.audit_broken_at}"
            ),
        ),
        (
            "attachments",
            f"{result.attachments} named, "
            + (
                "all present"
                if not result.missing_attachments
                else f"{len(result.missing_attachments)} MISSING from blobs/"
            ),
        ),
    ]
    app_context(ctx).show(View(data, details=details), fmt)
    if not result.ok:
        raise VaultError(f"backup generation {result.generation} failed verification")


@app.command("restore")
def restore(ctx: typer.Context, generation: int) -> None:
    """Bring back a backup's data as the next generation (the audit trail is kept whole).

    Example: ctcm backup restore 41
    """
    from ctcm.services.practice import RESTORE
    from ctcm.services.vaultops import restore_backup

    with opened(ctx, "backup restore", accept_older=RESTORE) as p:
        restore_backup(p, generation)
    app_context(ctx).say(
        f"Restored the data of generation {generation} as a new generation; the state before "
        "it is kept as a backup, and the audit trail goes on (nothing in it was removed)."
    )


@app.command("export")
def export(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="An empty or new directory.")],
    generation: Annotated[
        int | None, typer.Option("--generation", help="Which backup (default: the live vault).")
    ] = None,
) -> None:
    """Copy the vault (still encrypted) and its encrypted attachments for off-site keeping.

    Example: ctcm backup export /media/usb/ctcm-2026-11
    """
    from ctcm.services.vaultops import export_backup

    with opened(ctx, "backup export", write=False) as p:
        target = export_backup(p, dest, generation)
    app_context(ctx).say(f"Exported {target} (encrypted; opens with the same keys).")
