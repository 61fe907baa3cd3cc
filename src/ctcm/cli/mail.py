"""``ctcm mail``: mail settings, test messages, the reminder schedule and templates (the
messages themselves: cli/deliver.py)."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import AppContext, app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.errors import InvalidInput
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="Mail settings, test messages, reminder schedule, templates.", no_args_is_help=True
)
templates_app = typer.Typer(
    help="Message templates (override them in <vault>/templates/).", no_args_is_help=True
)
app.add_typer(templates_app, name="templates")

OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Write each message as an .eml file into this directory."),
]
SendOpt = Annotated[bool, typer.Option("--send", help="Send over SMTP.")]


def _config_view(c) -> View:  # type: ignore[no-untyped-def]
    data = {
        "host": c.host,
        "port": c.port,
        "security": c.security,
        "username": c.username,
        "password_set": c.has_password,
        "from": c.sender,
        "reply_to": c.reply_to,
        "admins": list(c.admins),
        "schedule": c.schedule,
        "missing_every": c.missing_every,
        "escalate_after": c.escalate_after,
        "escalate_grace": c.escalate_grace,
        "instructions": c.instructions,
    }
    return View(
        data,
        details=[
            ("server", f"{c.host or '(none)'}:{c.port} ({c.security})"),
            ("username", c.username or "(none)"),
            ("password", "set" if c.has_password else "not set"),
            ("from", c.sender or "(not set)"),
            ("reply-to", c.reply_to or "(none)"),
            ("admins", ", ".join(c.admins) or "(none)"),
            ("reminder schedule", c.schedule),
            ("missing documents", f"remind every {c.missing_every} days"),
            (
                "escalation",
                f"admins in Cc after {c.escalate_after} days red (not within "
                f"{c.escalate_grace} days of a person's start date)",
            ),
            ("instructions", c.instructions),
        ],
    )


@app.command("configure")
def configure(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="SMTP server.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="SMTP port (587, 465, 25).")] = None,
    security: Annotated[
        str | None, typer.Option("--security", help="starttls, ssl or none (none: localhost only).")
    ] = None,
    username: Annotated[str | None, typer.Option("--username", help="SMTP login.")] = None,
    sender: Annotated[str | None, typer.Option("--from", help='"Name <addr@host>"')] = None,
    reply_to: Annotated[str | None, typer.Option("--reply-to", help="Where replies go.")] = None,
    admins: Annotated[
        str | None,
        typer.Option("--admins", help="Comma-separated admin addresses (digest, escalations)."),
    ] = None,
    instructions: Annotated[
        str | None,
        typer.Option(
            "--instructions", help="How staff send an updated document (shown in their mails)."
        ),
    ] = None,
    password: Annotated[
        bool,
        typer.Option(
            "--password", help="Set the SMTP password: from CTCM_SMTP_PASSWORD or a hidden prompt."
        ),
    ] = False,
) -> None:
    """Store mail settings in the vault (the SMTP password never goes on the command line).

    Example: ctcm mail configure --host smtp.example.org --port 587 --username office --password --from "Lakeside <office@example.org>" --admins boss@example.org
    """
    from ctcm.services.messaging import configure_mail, mail_config

    actx = app_context(ctx)
    secret = _smtp_password(actx) if password else None
    with opened(ctx, "mail configure") as p:
        had_password = mail_config(p).has_password
        config = configure_mail(
            p, host, port, security, username, secret, sender, reply_to, admins, instructions
        )
    actx.show(_config_view(config))
    if had_password and not config.has_password:
        actx.say(
            "The stored SMTP password was dropped: it was given for the previous server. Enter "
            "it again for this one: ctcm mail configure --password"
        )


def _smtp_password(actx: AppContext) -> str:
    env = actx.environment
    if env.env.get("CTCM_SMTP_PASSWORD"):
        return env.env["CTCM_SMTP_PASSWORD"]
    if not env.interactive:
        raise InvalidInput("no terminal to ask for the SMTP password: set CTCM_SMTP_PASSWORD")
    return env.prompt_secret("SMTP password: ")


@app.command("show")
def show(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Show mail settings (never the password).

    Example: ctcm mail show
    """
    from ctcm.services.messaging import mail_config

    with opened(ctx, "mail show", write=False) as p:
        config = mail_config(p)
        p.touch("settings")
    app_context(ctx).show(_config_view(config), fmt)


@app.command("schedule")
def schedule(
    ctx: typer.Context,
    offsets: Annotated[
        str | None,
        typer.Argument(
            help='Days before expiry, 0 = the day, +N = every N days after, e.g. "60,30,14,7,0,+7".'
        ),
    ] = None,
    missing_every: Annotated[
        int | None,
        typer.Option("--missing-every", help="Days between reminders about a missing document."),
    ] = None,
    escalate_after: Annotated[
        int | None, typer.Option("--escalate-after", help="Days red before admins are copied.")
    ] = None,
    escalate_grace: Annotated[
        int | None,
        typer.Option(
            "--escalate-grace", help="Days after a person's start date without escalation."
        ),
    ] = None,
) -> None:
    """Set the practice's default reminder schedule (types can override it).

    Example: ctcm mail schedule "60,30,14,7,0,+7" --escalate-after 14 --escalate-grace 30
    """
    from ctcm.services.messaging import set_schedule

    with opened(ctx, "mail schedule") as p:
        config = set_schedule(p, offsets, missing_every, escalate_after, escalate_grace)
    app_context(ctx).show(_config_view(config))


def transport_for(p, out: Path | None, send: bool):  # type: ignore[no-untyped-def]
    from ctcm.mail.transport import DirectoryTransport, SmtpSettings, SmtpTransport

    if out is not None and send:
        raise InvalidInput("--out and --send exclude each other")
    if send and p.rehearsal_copy:  # a rehearsal copy's mail goes to files, always
        folder = p.vault.root / "rehearsal-mail"
        if p.env.warn:
            p.env.warn(f"REHEARSAL: --send writes the messages to {folder}, never to a server")
        return DirectoryTransport(folder)
    if send and p.env.rehearsal_day is not None:
        raise InvalidInput(
            "CTCM_TODAY is set: a rehearsal never sends real mail; rehearse on a copy "
            "(ctcm rehearse DIR), or write the messages to files with --out DIR"
        )
    if out is not None:
        return DirectoryTransport(out)
    if send:
        s = p.settings
        if not s.get("mail.host"):
            raise InvalidInput("no mail server: run ctcm mail configure --host ...")
        from ctcm.services.sealed import has as has_secret
        from ctcm.services.sealed import read as read_secret

        meant = s.get("mail.password_for")
        stored = has_secret(p, "mail.password")
        if stored and meant is not None and meant != s["mail.host"]:
            raise InvalidInput(
                f"the stored SMTP password was given for {meant or 'another server'}, not "
                f"{s['mail.host']}: enter it again (ctcm mail configure --password)"
            )
        return SmtpTransport(
            SmtpSettings(
                s["mail.host"],
                int(s.get("mail.port", "587")),
                s.get("mail.security", "starttls"),
                s.get("mail.username") or None,
                (p.env.env.get("CTCM_SMTP_PASSWORD") or read_secret(p, "mail.password"))
                if stored
                else None,
            )
        )
    return None


@app.command("test")
def test(ctx: typer.Context, to: str, out: OutOpt = None) -> None:
    """Send one test message (or write it with --out).

    Example: ctcm mail test office@example.org
    """
    from ctcm.services.messaging import send_test

    with opened(ctx, "mail test") as p:
        transport = transport_for(p, out, out is None)
        with transport:
            message_id = send_test(p, to, transport)
    app_context(ctx).say(f"Test message {message_id} delivered to {to}.")


@app.command("log")
def log(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Option("--person", help="Only this person.")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="reminder, status, digest or test.")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", metavar="YYYY-MM-DD")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Show the delivery ledger: every message sent, to whom, about what (proof for auditors).

    Example: ctcm mail log --person jdoe --format csv
    """
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ctcm.domain.dates import parse_optional_date
    from ctcm.services.messaging import delivery_log

    day = parse_optional_date(since, "--since date")
    with opened(ctx, "mail log", write=False) as p:
        entries = delivery_log(p, person, kind, day)
        zone = ZoneInfo(p.timezone)

    def local(ts: str) -> str:
        return (
            datetime.fromisoformat(ts.replace("Z", "+00:00"))
            .astimezone(zone)
            .strftime("%Y-%m-%d %H:%M")
        )

    def compact(passed: str | None) -> str:
        """'-60,-30,...,+49' as '12 earlier (-60 to +49)': the list is in the JSON."""
        keys = [k for k in (passed or "").split(",") if k]
        if len(keys) <= 2:
            return ", ".join(keys)
        return f"{len(keys)} earlier ({keys[0]} to {keys[-1]})"

    data = [
        {
            "at": e.at,
            "kind": e.kind,
            "status": e.status,
            "person": e.person_id,
            "doctype": e.doctype,
            "about": e.about,
            "threshold": e.threshold,
            "passed": e.passed,
            "escalation": e.escalation,
            "channel": e.channel,
            "recipients": e.recipients,
            "period": e.period,
            "message_id": e.message_id,
            "note": e.note,
        }
        for e in entries
    ]
    rows = [
        [
            local(e.at),
            e.kind,
            e.status + (" (rehearsal)" if e.note else ""),
            e.person_id or "",
            e.doctype or "",
            e.about or e.period or "",
            e.threshold or "",
            compact(e.passed),
            e.channel,
            e.recipients,
        ]
        for e in entries
    ]
    app_context(ctx).show(
        View(
            data,
            [
                "at",
                "kind",
                "status",
                "person",
                "doctype",
                "about",
                "threshold",
                "passed",
                "channel",
                "recipients",
            ],
            rows,
            status_column=None,
        ),
        fmt,
    )


@templates_app.command("check")
def templates_check(ctx: typer.Context) -> None:
    """Render every message template with sample data; report errors with file and line.

    Example: ctcm mail templates check
    """
    from ctcm.services.templatecheck import check_message_templates

    with opened(ctx, "mail templates check", write=False) as p:
        problems = check_message_templates(p)
    actx = app_context(ctx)
    if problems:
        for line in problems[:-1]:
            actx.say(f"  {line}")
        raise InvalidInput(
            problems[-1]
            if len(problems) == 1
            else f"{problems[-1]} ({len(problems)} template problems)"
        )
    actx.say("All message templates render.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="mail")
