"""``ctcm packet``: the audit packet a consultant hands an auditor."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened

app = typer.Typer(help="Audit packets: everything as of a date, verifiable.", no_args_is_help=True)


@app.command("build")
def build(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="A new directory, or FILE.zip.")],
    start: Annotated[
        str | None, typer.Option("--from", metavar="YYYY-MM-DD", help="Period start.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", metavar="YYYY-MM-DD", help="Period end.")
    ] = None,
    with_attachments: Annotated[
        bool, typer.Option("--with-attachments", help="Include the decrypted scans (in clear).")
    ] = False,
    redact: Annotated[
        bool, typer.Option("--redact", help="No document numbers, notes or email addresses.")
    ] = False,
    encrypt: Annotated[
        bool,
        typer.Option(
            "--encrypt",
            help="AES-256 zip hiding its file names; a generated password is shown once "
            "(or CTCM_PACKET_PASSWORD).",
        ),
    ] = False,
) -> None:
    """Build the audit packet as of today (or the global --as-of): status, roster, document
    register, risk analysis and plan, the manual and acknowledgments, logs and training,
    incidents, vendors, devices, the reminder ledger and the audit trail, with index.html and
    MANIFEST.sha256. Logs, training, reminders and the trail cover --from..--to (default: the
    year before the as-of date).

    Example: ctcm packet build --as-of 2026-12-31 --out riverbend-2026.zip --encrypt
    """
    from ctcm.domain.dates import parse_optional_date
    from ctcm.errors import InvalidInput
    from ctcm.services import packet

    actx = app_context(ctx)
    env = actx.environment
    is_zip = out.suffix.lower() == ".zip"
    if encrypt and not is_zip:
        raise InvalidInput("--encrypt writes a zip: give --out FILE.zip")
    if out.exists() and (is_zip or not out.is_dir() or any(out.iterdir())):
        raise InvalidInput(f"{out} exists; give a new directory or zip name")
    day_from = parse_optional_date(start, "--from")
    day_to = parse_optional_date(end, "--to")
    password, generated = None, False
    if encrypt:
        password = env.env.get("CTCM_PACKET_PASSWORD")
        if password is not None and len(password) < 12:
            raise InvalidInput("CTCM_PACKET_PASSWORD must have at least 12 characters")
        if password is None:  # the default: one no one can guess, shown once
            password, generated = packet.generate_password(), True
    if with_attachments:
        actx.say(
            "warning: the packet will hold the stored files (scans, BAA copies, evidence) in "
            "clear; keep it encrypted"
        )
    from rich.console import Console
    from rich.progress import Progress

    from ctcm.registry import packet_functions

    console = Console(stderr=True)
    with opened(ctx, "packet build", write=False) as p:
        spec = packet.spec_for(p, day_from, day_to, redact, with_attachments)
        with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
            task = bar.add_task("Building the packet", total=len(packet_functions()))
            built = packet.build(p, spec, lambda: bar.advance(task))
        if is_zip:
            packet.write_zip(built, out, password)
        else:
            packet.write_dir(built, out)
    if password is not None:
        actx.say(
            f"Wrote the packet as of {spec.as_of} ({len(built.files)} files) to {out}, encrypted "
            "(AES-256; its README.txt says how to open it: 7-Zip, then unzip packet.zip, then "
            "sha256sum -c MANIFEST.sha256)."
        )
        if generated:
            actx.say(
                f"Packet password (shown this once, never stored; send it by another channel "
                f"than the file): {password}"
            )
        return
    actx.say(
        f"Wrote the packet as of {spec.as_of} ({len(built.files)} files) to {out}. Check it with: "
        + ("unzip, then " if is_zip else f"cd {out} && ")
        + "sha256sum -c MANIFEST.sha256"
    )
