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
) -> None:
    """Create a service identity for unattended runs (cron); it pays no KDF and can be revoked.

    Example: ctcm slot add-service cron --out ~/.config/ctcm/cron.identity
    """
    import os

    from ctcm.services.practice import add_service_identity

    if out.exists():
        raise AlreadyExists(f"{out} exists; refusing to overwrite it")
    with opened(ctx, "slot add-service") as p:
        slot_id, text = add_service_identity(p, name)
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except OSError as err:
            raise InvalidInput(f"cannot create {out}: {err.strerror}") from None
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
    app_context(ctx).say(
        f"Added slot {slot_id}; identity written to {out} (mode 0600). "
        f"Use it with CTCM_IDENTITY_FILE={out}."
    )
