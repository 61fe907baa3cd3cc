"""``ctcm practice``: the practice's own settings."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.errors import InvalidInput
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="Practice settings: name, time zone, warning window, automatic logoff.",
    no_args_is_help=True,
)


def _view(s) -> View:  # type: ignore[no-untyped-def]
    data = {
        "name": s.name,
        "timezone": s.timezone,
        "warn_days": s.warn_days,
        "idle_minutes": s.idle_minutes,
        "max_hours": s.max_hours,
        "security_officer": s.security_officer,
        "privacy_officer": s.privacy_officer,
        "risk_scale": s.risk_scale,
        "risk_review_months": s.risk_review_months,
        "contact": s.contact,
    }
    return View(
        data,
        details=[
            ("practice", s.name),
            ("time zone", s.timezone),
            ("warning window", f"{s.warn_days} days before expiry (unless a type sets its own)"),
            (
                "automatic logoff",
                f"after {s.idle_minutes} idle minutes, at most {s.max_hours} hours",
            ),
            ("security official", s.security_officer or "(not designated)"),
            ("privacy official", s.privacy_officer or "(not designated)"),
            ("risk scale", s.risk_scale),
            ("risk analysis review", f"every {s.risk_review_months} months"),
            (
                "contact for notices",
                "; ".join(f"{k} {v}" for k, v in s.contact.items()) or "(none set)",
            ),
        ],
    )


@app.command("show")
def show(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Show the practice settings.

    Example: ctcm practice show --format json
    """
    from ctcm.services.settings import read_settings

    with opened(ctx, "practice show", write=False) as p:
        settings = read_settings(p)
    app_context(ctx).show(_view(settings), fmt)


@app.command("set")
def set_(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option("--name", help="Practice name.")] = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="IANA time zone.")] = None,
    warn_days: Annotated[
        int | None, typer.Option("--warn-days", help="Default warning window before expiry (days).")
    ] = None,
    idle_minutes: Annotated[
        int | None,
        typer.Option("--idle-minutes", help="Session ends after this many idle minutes."),
    ] = None,
    max_hours: Annotated[
        int | None,
        typer.Option("--max-hours", help="Session ends after this many hours in any case."),
    ] = None,
    security_officer: Annotated[
        str | None,
        typer.Option(
            "--security-officer", help="PERSON designated security official (164.308(a)(2))."
        ),
    ] = None,
    privacy_officer: Annotated[
        str | None,
        typer.Option("--privacy-officer", help="PERSON designated privacy official (164.530(a))."),
    ] = None,
    risk_scale: Annotated[
        str | None,
        typer.Option(
            "--risk-scale", help="three (low/moderate/high, default) or five (NIST SP 800-30)."
        ),
    ] = None,
    risk_review_months: Annotated[
        int | None,
        typer.Option(
            "--risk-review-months", help="Months before a full risk analysis is due again (12)."
        ),
    ] = None,
    contact_toll_free: Annotated[
        str | None,
        typer.Option("--contact-toll-free", help="Toll-free number for breach notices."),
    ] = None,
    contact_phone: Annotated[
        str | None,
        typer.Option("--contact-phone", help="Telephone for breach notices (an ordinary number)."),
    ] = None,
    contact_email: Annotated[str | None, typer.Option("--contact-email")] = None,
    contact_website: Annotated[str | None, typer.Option("--contact-website")] = None,
    contact_address: Annotated[str | None, typer.Option("--contact-address")] = None,
    request_target_days: Annotated[
        int | None,
        typer.Option(
            "--request-target-days",
            help="Days the practice gives itself to decide a restriction or confidential-"
            "communication request (the rule sets none; 30).",
        ),
    ] = None,
) -> None:
    """Change practice settings.

    Example: ctcm practice set --security-officer amartinez --warn-days 45 --idle-minutes 15
    """
    from ctcm.services.settings import update_settings

    with opened(ctx, "practice set") as p:
        settings = update_settings(
            p,
            name,
            timezone,
            warn_days,
            idle_minutes,
            max_hours,
            security_officer,
            privacy_officer,
            risk_scale,
            risk_review_months,
            {
                "toll_free": contact_toll_free,
                "phone": contact_phone,
                "email": contact_email,
                "website": contact_website,
                "address": contact_address,
            },
            request_target_days,
        )
    app_context(ctx).show(_view(settings))


@app.command("register")
def register(
    ctx: typer.Context,
    name: str,
    path: Annotated[Path | None, typer.Argument(help="The practice's vault folder.")] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", metavar="postgresql://USER@HOST/DB",
                      help="A practice kept on a server (ctcm migrate --to): no password."),
    ] = None,
    schema: Annotated[
        str | None, typer.Option("--schema", help="Its schema on the server.")
    ] = None,
) -> None:  # fmt: skip
    """Register a client practice's vault under a short name (for --practice NAME and ctcm
    portfolio), or a practice kept on a PostgreSQL server (the portfolio reads it there).
    Kept in your config directory: names, paths and server addresses only.

    Example: ctcm practice register riverbend ~/clients/riverbend-vault

    Example: ctcm practice register lakeside --database-url postgresql://ctcm@db.example.org/practices --schema lakeside
    """
    from ctcm.services.portfolio import register as do_register
    from ctcm.services.portfolio import register_server

    env = app_context(ctx).environment
    if database_url is not None:
        if path is not None or schema is None:
            raise InvalidInput("a server practice takes --database-url URL --schema NAME, no PATH")
        where = register_server(env, name, database_url, schema)
        app_context(ctx).say(f"Registered {name}: {where}. ctcm portfolio reads it there.")
        return
    if path is None or schema is not None:
        raise InvalidInput("give the practice's vault folder (or --database-url and --schema)")
    vault = do_register(env, name, path)
    app_context(ctx).say(f"Registered {name}: {vault}. Use it with ctcm --practice {name} ...")


def _registry_change(
    ctx: typer.Context, fmt: OutputFormat, data: dict[str, str], said: str
) -> None:
    actx = app_context(ctx)
    if fmt is not OutputFormat.TABLE:
        actx.show(View(data, ["field", "value"], [], status_column=None), fmt)
        return
    actx.say(said)


@app.command("unregister")
def unregister(ctx: typer.Context, name: str, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Take a client practice off your list (its vault is not touched).

    Example: ctcm practice unregister riverbend
    """
    from ctcm.services.portfolio import unregister as do_unregister

    where = do_unregister(app_context(ctx).environment, name)
    _registry_change(ctx, fmt, {"unregistered": name, "path": str(where)},
                     f"Unregistered {name} (its vault at {where} is untouched).")  # fmt: skip


@app.command("rename")
def rename(ctx: typer.Context, old: str, new: str, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Give a registered practice another short name.

    Example: ctcm practice rename riverbend riverbend-counseling
    """
    from ctcm.services.portfolio import rename as do_rename

    do_rename(app_context(ctx).environment, old, new)
    _registry_change(ctx, fmt, {"renamed": old, "to": new},
                     f"Renamed {old} to {new}: use ctcm --practice {new} ...")  # fmt: skip


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """The registered practices (no vault is opened).

    Example: ctcm practice list
    """
    from ctcm.services.portfolio import registered

    known = registered(app_context(ctx).environment)
    data = [
        {"name": k, "path": str(v),
         "exists": not isinstance(v, Path) or (v / "vault.ctcm").exists()}
        for k, v in known.items()
    ]  # fmt: skip
    rows = [[d["name"], d["path"], "" if d["exists"] else "missing"] for d in data]
    footer = None if data else "No practice registered (ctcm practice register NAME PATH)."
    app_context(ctx).show(
        View(data, ["name", "path", "missing"], rows, status_column=None, footer=footer), fmt
    )
