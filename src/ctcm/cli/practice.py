"""``ctcm practice``: the practice's own settings."""

from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(help="Practice settings: name, time zone, warning window, automatic logoff.",
                  no_args_is_help=True)


def _view(s) -> View:  # type: ignore[no-untyped-def]
    data = {"name": s.name, "timezone": s.timezone, "warn_days": s.warn_days,
            "idle_minutes": s.idle_minutes, "max_hours": s.max_hours}
    return View(data, details=[
        ("practice", s.name), ("time zone", s.timezone),
        ("warning window", f"{s.warn_days} days before expiry (unless a type sets its own)"),
        ("automatic logoff", f"after {s.idle_minutes} idle minutes, at most {s.max_hours} hours")])


@app.command("show")
def show(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Show the practice settings.

    Example: ctcm practice show --format json
    """
    from ctcm.services.settings import read_settings

    with opened(ctx, "practice show") as p:
        settings = read_settings(p)
    app_context(ctx).show(_view(settings), fmt)


@app.command("set")
def set_(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option("--name", help="Practice name.")] = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="IANA time zone.")] = None,
    warn_days: Annotated[int | None, typer.Option(
        "--warn-days", help="Default warning window before expiry (days).")] = None,
    idle_minutes: Annotated[int | None, typer.Option(
        "--idle-minutes", help="Session ends after this many idle minutes.")] = None,
    max_hours: Annotated[int | None, typer.Option(
        "--max-hours", help="Session ends after this many hours in any case.")] = None,
) -> None:
    """Change practice settings.

    Example: ctcm practice set --warn-days 45 --idle-minutes 15
    """
    from ctcm.services.settings import update_settings

    with opened(ctx, "practice set") as p:
        settings = update_settings(p, name, timezone, warn_days, idle_minutes, max_hours)
    app_context(ctx).show(_view(settings))
