"""``ctcm remind``, ``ctcm notify``, ``ctcm digest`` and ``ctcm awareness``: messages to
people, written to files (--out) or sent (--send)."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import AppContext, app_context, opened
from ctcm.cli.mail import OutOpt, SendOpt, transport_for
from ctcm.cli.options import FormatOpt
from ctcm.errors import DeliveriesFailed, InvalidInput
from ctcm.render.formats import OutputFormat, View

notify_app = typer.Typer(help="Messages to personnel about their own status.", no_args_is_help=True)


def quiet(fmt: OutputFormat) -> bool:
    """Under cron (no terminal on stdout or stderr) a delivery prints nothing when nothing went
    out, and one summary line on stdout otherwise; errors still go to stderr."""
    import sys

    return fmt is OutputFormat.TABLE and not (sys.stdout.isatty() or sys.stderr.isatty())


def _summary(report, what: str) -> str:  # type: ignore[no-untyped-def]
    line = f"{len(report.sent)} {what} delivered ({report.channel})"
    if report.sent:
        line += ": " + ", ".join(sorted(set(report.sent)))
    if report.failed:
        line += f"; {len(report.failed)} failed"
    return line + "."


def _report(actx: AppContext, report, fmt: OutputFormat, what: str) -> None:  # type: ignore[no-untyped-def]
    if report.channel is not None and not report.preview and quiet(fmt):
        for note in sorted(set(report.notes)):
            actx.say(f"Note: {note}.")
        if report.sent or report.failed:
            typer.echo(_summary(report, what))
        _raise_failed(report)
        return
    rows = [
        [
            d["person"],
            d["email"],
            i["doctype"],
            i["status"],
            i["why"],
            i["threshold"] or "",
            "yes" if d.get("escalated") else "",
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
        ["person", "email", "doctype", "status", "why", "threshold", "escalated"]
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
    _raise_failed(report)


def _raise_failed(report) -> None:  # type: ignore[no-untyped-def]
    if report.failed:
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
            "day (nothing is recorded), or rehearse it on a copy (ctcm rehearse DIR, then "
            "CTCM_TODAY=YYYY-MM-DD ctcm --vault DIR ...)"
        )
    if send:
        return deliver_via_outbox(
            app_context(ctx).environment,
            command,
            lambda p: prepare(p, "file" if p.rehearsal_copy else "smtp"),  # a rehearsal: files
            lambda p: transport_for(p, None, True),
        )
    if out is None:
        with opened(ctx, command, write=False) as p:
            report, _ = prepare(p, None)
        return report
    with opened(ctx, command, write=not preview) as p:
        transport = transport_for(p, out, False)
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
    again: Annotated[
        bool, typer.Option("--again", help="Send even to those who had theirs this month.")
    ] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Email people their own lights (never anyone else's) and what to renew by when.

    Once per person per calendar month: a second run skips who had theirs (--again sends
    anyway).

    Example: ctcm notify status --all --send
    """
    from ctcm.areas.credentials.statusmail import prepare_status_notices

    if (person is None) == (not all_):
        raise InvalidInput("name one PERSON or give --all")
    if out is None and not send:
        raise InvalidInput("give --out DIR or --send")
    report = _delivery(
        ctx, "notify status", out, send, lambda p, ch: prepare_status_notices(p, person, ch, again)
    )
    _report(app_context(ctx), report, fmt, "status message(s)")
    if report.skipped and not quiet(fmt):
        app_context(ctx).say(
            f"Already sent this month to {', '.join(report.skipped)} (use --again)."
        )


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
    if report.skipped and not quiet(fmt):
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
    if report.skipped and not quiet(fmt):
        actx.say(f"{len(report.skipped)} already had this month's reminder.")
    _report(actx, report, fmt, "security reminder(s)")
    if send and report.sent:
        with opened(ctx, "awareness log") as p:
            entry = log_sent(p, report)
        if not quiet(fmt):
            actx.say(f"Logged as activity entry {entry} (security-reminder).")
    elif out is not None and report.sent and not report.preview:
        actx.say(
            "Not logged as sent: forward the files, then record it with "
            "'ctcm log add security-reminder'."
        )


def register(root: typer.Typer) -> None:
    root.add_typer(notify_app, name="notify")
    root.add_typer(awareness_app, name="awareness")
    root.command()(remind)
    root.command()(digest)
