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
    from ctcm.services.vaultops import restore_backup

    with opened(ctx, "backup restore") as p:
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
