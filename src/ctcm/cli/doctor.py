"""``ctcm doctor``: check the installation and the vault; say what is wrong and how to fix it."""

from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat, View


def doctor(
    ctx: typer.Context,
    fmt: FormatOpt = OutputFormat.TABLE,
    no_key: Annotated[
        bool, typer.Option("--no-key", help="Only the checks that need no key (files, lock).")
    ] = False,
) -> None:
    """Check file modes, the file system (a network share), the writer lock, sessions and the
    keyring; with the key also the schema, the audit chain, key slots, the recovery code,
    enrolments and backups. Exits 1 when anything is wrong.

    Example: ctcm doctor
    """
    from ctcm.errors import CtcmError
    from ctcm.services.doctor import Check, installation_checks, vault_checks

    actx = app_context(ctx)
    checks, exists = installation_checks(actx.environment)
    if exists and not no_key:
        try:
            with opened(ctx, "doctor", write=False) as p:
                checks += vault_checks(p)
        except CtcmError as err:
            checks.append(
                Check("vault", "fail", f"cannot open it: {err}", "ctcm unlock, or --no-key")
            )
    data = [{"check": c.name, "level": c.level, "detail": c.detail, "fix": c.fix} for c in checks]
    rows = [[c.level.upper(), c.name, c.detail, c.fix] for c in checks]
    wrong = [c for c in checks if c.wrong]
    footer = f"{len(wrong)} problem(s)." if wrong else "Nothing wrong found."
    actx.show(
        View(data, ["level", "check", "detail", "fix"], rows, status_column=None, footer=footer),
        fmt,
    )
    if wrong:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(doctor)
