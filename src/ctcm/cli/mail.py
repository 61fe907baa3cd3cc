"""``ctcm mail``, ``ctcm remind``, ``ctcm notify`` and ``ctcm digest``: messages to people."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import AppContext, app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.errors import DeliveriesFailed, InvalidInput
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="Mail settings, test messages, reminder schedule, templates.", no_args_is_help=True
)
templates_app = typer.Typer(
    help="Message templates (override them in <vault>/templates/).", no_args_is_help=True
)
app.add_typer(templates_app, name="templates")
notify_app = typer.Typer(help="Messages to personnel about their own status.", no_args_is_help=True)

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
    from ctcm.services.messaging import configure_mail

    actx = app_context(ctx)
    secret = _smtp_password(actx) if password else None
    with opened(ctx, "mail configure") as p:
        config = configure_mail(
            p, host, port, security, username, secret, sender, reply_to, admins, instructions
        )
    actx.show(_config_view(config))


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
            help='Days before expiry, 0 = the day, +N = every N days after, e.g. "60,30,14,7,1,0,+7".'
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

    Example: ctcm mail schedule "60,30,14,7,1,0,+7" --escalate-after 14 --escalate-grace 30
    """
    from ctcm.services.messaging import set_schedule

    with opened(ctx, "mail schedule") as p:
        config = set_schedule(p, offsets, missing_every, escalate_after, escalate_grace)
    app_context(ctx).show(_config_view(config))


def _transport(p, out: Path | None, send: bool):  # type: ignore[no-untyped-def]
    from ctcm.mail.transport import DirectoryTransport, SmtpSettings, SmtpTransport

    if out is not None and send:
        raise InvalidInput("--out and --send exclude each other")
    if out is not None:
        return DirectoryTransport(out)
    if send:
        s = p.settings
        if not s.get("mail.host"):
            raise InvalidInput("no mail server: run ctcm mail configure --host ...")
        return SmtpTransport(
            SmtpSettings(
                s["mail.host"],
                int(s.get("mail.port", "587")),
                s.get("mail.security", "starttls"),
                s.get("mail.username") or None,
                s.get("mail.password") or None,
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
        transport = _transport(p, out, out is None)
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


def _report(actx: AppContext, report, fmt: OutputFormat, what: str) -> None:  # type: ignore[no-untyped-def]
    rows = [
        [
            d["person"],
            d["email"],
            i["doctype"],
            i["status"],
            i["why"],
            i["threshold"] or "",
            "yes" if d["cc_admins"] else "",
        ]
        for d in report.due
        for i in d["items"]
    ] + [
        [d["person"], d["email"], a["kind"], "activity", f"due {a['date']}", a["threshold"], ""]
        for d in report.due
        for a in d.get("activities", ())
    ]
    view = View(
        report.to_json(),
        ["person", "email", "doctype", "status", "why", "threshold", "cc_admins"]
        if report.due
        else (),
        rows,
    )
    if fmt is not OutputFormat.TABLE or report.due:
        actx.show(view, fmt)
    for note in sorted(set(report.notes)):
        actx.say(f"Note: {note}.")
    if report.channel is None:
        items = sum(len(d["items"]) for d in report.due)
        actx.say(
            f"{len(report.due)} {what} due: {items} item(s) for {len(report.due)} person(s) "
            "(plan only: nothing sent or recorded; use --out DIR or --send)."
        )
    elif report.preview:
        actx.say(
            f"{len(report.sent)} {what} written as a preview of {report.as_of} "
            "(--as-of: nothing recorded, nothing sent)."
        )
    else:
        actx.say(
            f"{len(report.sent)} {what} delivered ({report.channel})"
            + (f", {len(report.skipped)} skipped" if report.skipped else "")
            + (f", {len(report.failed)} failed" if report.failed else "")
            + "."
        )
    if report.failed:
        for who, err in report.failed[:-1]:
            actx.say(f"  {who}: {err}")
        who, err = report.failed[-1]
        raise DeliveriesFailed(
            f"{len(report.failed)} delivery(ies) failed (last: {who}: {err}); "
            "they are retried on the next run"
        )


def remind(
    ctx: typer.Context,
    out: OutOpt = None,
    send: SendOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Send due reminders: one message per person listing everything due; never twice.

    With neither --out nor --send, prints the plan and records nothing.

    Example: ctcm remind --send
    """
    from ctcm.services.reminders import prepare_reminders

    report = _delivery(ctx, "remind", out, send, prepare_reminders)
    _report(app_context(ctx), report, fmt, "reminder(s)")


def _delivery(ctx: typer.Context, command: str, out: Path | None, send: bool, prepare):  # type: ignore[no-untyped-def]
    """Plan only (a read), write files (one short write), or send through the outbox (the
    writer lock is not held while the mail server is talked to)."""
    from ctcm.errors import UsageError
    from ctcm.services.outbox import deliver_now, deliver_via_outbox

    if out is not None and send:
        raise InvalidInput("--out and --send exclude each other")
    preview = app_context(ctx).environment.as_of is not None
    if send and preview:
        raise UsageError(
            "--as-of only previews and cannot send: use --out DIR to see the messages of that "
            "day (nothing is recorded), or set CTCM_TODAY=YYYY-MM-DD to rehearse it for real"
        )
    if send:
        return deliver_via_outbox(
            app_context(ctx).environment,
            command,
            lambda p: prepare(p, "smtp"),
            lambda p: _transport(p, None, True),
        )
    if out is None:
        with opened(ctx, command, write=False) as p:
            report, _ = prepare(p, None)
        return report
    with opened(ctx, command, write=not preview) as p:
        transport = _transport(p, out, False)
        report, outgoing = prepare(p, transport.channel)
        with transport:
            deliver_now(p, transport, report, outgoing, record=not preview)
    return report


@notify_app.command("status")
def notify_status(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Argument(help="One person (or --all).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every active person.")] = False,
    out: OutOpt = None,
    send: SendOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Email people their own lights (never anyone else's) and what to renew by when.

    Example: ctcm notify status --all --send
    """
    from ctcm.services.statusmail import prepare_status_notices

    if (person is None) == (not all_):
        raise InvalidInput("name one PERSON or give --all")
    if out is None and not send:
        raise InvalidInput("give --out DIR or --send")
    report = _delivery(
        ctx, "notify status", out, send, lambda p, ch: prepare_status_notices(p, person, ch)
    )
    _report(app_context(ctx), report, fmt, "status message(s)")


def digest(
    ctx: typer.Context,
    out: OutOpt = None,
    send: SendOpt = False,
    force: Annotated[
        bool, typer.Option("--force", help="Send even if this month's digest went out already.")
    ] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Send the monthly practice-wide digest to the admins (once per month per admin).

    Example: ctcm digest --send
    """
    from ctcm.services.digest import prepare_digest

    if out is None and not send:
        raise InvalidInput("give --out DIR or --send")
    report = _delivery(ctx, "digest", out, send, lambda p, ch: prepare_digest(p, ch, force))
    actx = app_context(ctx)
    if report.skipped:
        actx.say(f"Already sent this month to {', '.join(report.skipped)} (use --force).")
    _report(actx, report, fmt, "digest(s)")


awareness_app = typer.Typer(
    help="Monthly security reminders to staff (164.308(a)(5)(ii)(A)).", no_args_is_help=True
)


@awareness_app.command("send")
def awareness_send(
    ctx: typer.Context,
    out: OutOpt = None,
    send: SendOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Send this month's security tip to every active person (at most once a month each).

    A rotating series of short, practical tips (templates/awareness/). Sent by email, the
    month's "security reminder sent" activity is logged at once, so the calendar shows it
    done. With neither --out nor --send, prints who would get it.

    Example: ctcm awareness send --send
    """
    from ctcm.services.awareness import log_sent, prepare_awareness

    report = _delivery(ctx, "awareness send", out, send, prepare_awareness)
    actx = app_context(ctx)
    if report.skipped:
        actx.say(f"{len(report.skipped)} already had this month's reminder.")
    _report(actx, report, fmt, "security reminder(s)")
    if send and report.sent:
        with opened(ctx, "awareness log") as p:
            entry = log_sent(p, report)
        actx.say(f"Logged as activity entry {entry} (security-reminder).")
    elif out is not None and report.sent and not report.preview:
        actx.say(
            "Not logged as sent: forward the files, then record it with "
            "'ctcm log add security-reminder'."
        )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="mail")
    root.add_typer(notify_app, name="notify")
    root.add_typer(awareness_app, name="awareness")
    root.command()(remind)
    root.command()(digest)
