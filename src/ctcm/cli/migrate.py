"""``ctcm migrate``: a practice's vault copied to a PostgreSQL server (``--to``), or a server
practice copied back into a vault folder (``--to-vault``); both verified, the source only read."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.errors import InvalidInput
from ctcm.render.formats import OutputFormat, View


def migrate(
    ctx: typer.Context,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="postgresql://USER@HOST/DB",
            help="Copy this vault to the server (no password in the URL: PGPASSWORD, "
            "~/.pgpass or a service file). Default: CTCM_DATABASE_URL.",
        ),
    ] = None,
    to_vault: Annotated[
        Path | None,
        typer.Option("--to-vault", help="Copy the server practice (--from) into this new folder."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--from", metavar="postgresql://...", help="The server (with --to-vault)."),
    ] = None,
    schema: Annotated[
        str, typer.Option("--schema", help="The practice's schema on the server (one each).")
    ] = "ctcm",
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Copy a practice between its vault and a PostgreSQL server: every record, the audit
    trail, the signed history and the scans, the sensitive columns encrypted before they leave
    this machine. Each table's row count and SHA-256 are checked after the copy; the source is
    never changed.

    Example: ctcm migrate --to postgresql://ctcm@db.example.org/practices --schema riverbend

    Example: ctcm migrate --from postgresql://ctcm@db.example.org/practices --schema riverbend --to-vault ./riverbend
    """
    from ctcm.services import migrate as service

    actx = app_context(ctx)
    env = actx.environment
    service.check_schema(schema)
    if to_vault is not None:
        url = source or env.env.get("CTCM_DATABASE_URL")
        if to is not None or not url:
            raise InvalidInput("--to-vault DIR copies from a server: give --from URL (not --to)")
        copied = service.to_vault(env, url, schema, to_vault)
        where = str(to_vault)
    else:
        url = to or env.env.get("CTCM_DATABASE_URL")
        if not url or source is not None:
            raise InvalidInput("give --to postgresql://USER@HOST/DB (or CTCM_DATABASE_URL)")
        with opened(ctx, "migrate", write=False) as p:
            copied = service.to_server(p, url, schema)
        where = f"schema {schema} on the server"
    data = {"schema": copied.schema, "tables": copied.tables, "rows": copied.rows,
            "files": copied.blobs, "verified": True}  # fmt: skip
    rows = [[name, count] for name, count in sorted(copied.tables.items()) if count]
    actx.show(View(data, ["table", "rows"], rows, status_column=None), fmt)
    actx.say(
        f"Copied {copied.rows} rows in {len(copied.tables)} tables and {copied.blobs} encrypted "
        f"file(s) to {where}; every table's row count and SHA-256 checked. The source is "
        "unchanged."
    )


def register(root: typer.Typer) -> None:
    root.command("migrate")(migrate)
