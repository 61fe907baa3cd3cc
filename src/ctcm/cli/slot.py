"""``ctcm slot``: the key slots that open the vault (one per named user or service)."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.errors import AlreadyExists, InvalidInput
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="Key slots: named users, service identities, recovery.", no_args_is_help=True
)


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """List key slots (no key material is shown).

    Example: ctcm slot list
    """
    with opened(ctx, "slot list", write=False) as p:
        slots = [(s["id"], s["type"], s.get("label", "")) for s in p.header["slots"]]
        p.touch("slots")
    data = [{"id": i, "type": t, "label": label} for i, t, label in slots]
    app_context(ctx).show(
        View(data, ["id", "type", "label"], [list(s) for s in slots], status_column=None), fmt
    )


@app.command("add-service")
def add_service(
    ctx: typer.Context,
    name: str,
    out: Annotated[Path, typer.Option("--out", help="Identity file to create (0600).")],
    role: Annotated[
        str, typer.Option("--role", help="cron (default: reminders and reads), auditor, ...")
    ] = "cron",
) -> None:
    """Create a service identity for unattended runs (cron); it pays no KDF and can be revoked.

    Example: ctcm slot add-service cron --out ~/.config/ctcm/cron.identity
    """
    import os

    from ctcm.services.practice import add_service_identity

    if out.exists():
        raise AlreadyExists(f"{out} exists; refusing to overwrite it")
    with opened(ctx, "slot add-service") as p:
        slot_id, text = add_service_identity(p, name, role)
        try:
            # the README's recipe names a folder that may not exist yet (~/.config/ctcm)
            out.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except OSError as err:
            raise InvalidInput(f"cannot create {out}: {err.strerror}") from None
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
    app_context(ctx).say(
        f"Added slot {slot_id} (role {role}); identity written to {out} (mode 0600). "
        f"Use it with CTCM_IDENTITY_FILE={out}."
    )


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A user or service name, or 'recovery'.")],
    rewrite_backups: Annotated[
        bool,
        typer.Option(
            "--rewrite-backups", help="Re-encrypt kept backups under the new key and slots."
        ),
    ] = False,
    purge_backups: Annotated[
        bool,
        typer.Option("--purge-backups", help="Delete kept backups that the old slots open."),
    ] = False,
) -> None:
    """Remove a key slot and rotate the data key (admin only; never the last admin).

    The vault and every attachment are re-encrypted under a new data key wrapped to the
    remaining slots (no other secret needed). Backups kept from before still open with the slots
    they were written with unless you rewrite or purge them.

    Example: ctcm slot remove bob --rewrite-backups
    """
    from ctcm.services.slots import remove_slot

    with opened(ctx, "slot remove") as p:
        result = remove_slot(p, name, rewrite_backups, purge_backups)
    report_removal(app_context(ctx), result)


def report_removal(actx, result) -> None:  # type: ignore[no-untyped-def]
    """What a slot removal did, and the plain truth about what it cannot undo."""
    actx.say(
        f"Removed {result.slot_id}; the data key was rotated and {result.attachments} "
        "attachment(s) re-encrypted. The removed key opens nothing saved from now on."
    )
    if result.backups_rewritten:
        actx.say(f"Re-encrypted {len(result.backups_rewritten)} backup(s) under the new key.")
    if result.backups_purged:
        actx.say(f"Deleted {len(result.backups_purged)} backup(s) written under the old key.")
    if result.backups_left:
        gens = ", ".join(str(g) for g in sorted(result.backups_left))
        actx.say(
            f"warning: backup generation(s) {gens} still open with the slots they were written "
            f"with, including {result.slot_id}; use --rewrite-backups or --purge-backups to "
            "change that"
        )
    actx.say(
        "Anyone who held the removed key may have kept copies of what it opened until now: "
        "only what is saved from now on is protected from them. Other users' sessions end; "
        "they unlock again with their own key."
    )


@app.command("add-recovery")
def add_recovery(ctx: typer.Context) -> None:
    """Add a recovery code to the vault (admin only) and print it once.

    Write it on paper and keep it somewhere safe: it opens the vault without a passphrase.

    Example: ctcm slot add-recovery
    """
    from ctcm.services.slots import add_recovery as add

    with opened(ctx, "slot add-recovery") as p:
        code = add(p)
    actx = app_context(ctx)
    actx.say("Recovery code (shown once; it opens the vault without a passphrase):")
    typer.echo(code)
    actx.say(
        "Write it down and keep it apart from this computer (a safe, a sealed envelope). "
        "Use it with CTCM_IDENTITY_FILE pointing to a 0600 file that holds it."
    )
