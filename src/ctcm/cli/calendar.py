"""``ctcm calendar``: the compliance calendar, its recurring activities and ICS export."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="The compliance calendar: recurring security activities and every dated item.",
    invoke_without_command=True,
)


@app.callback()
def calendar(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", help="How far ahead to show.")] = 90,
    since: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="YYYY-MM-DD",
            help="Also show past occurrences from this day, with their states "
            "(done, done late, missed).",
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Show the calendar: each scheduled activity's occurrences (done, due soon, overdue) and
    the dated items of the other areas (expiries, mitigation tasks, the risk analysis review).

    Example: ctcm calendar --days 30 --from 2026-01-01
    """
    if ctx.invoked_subcommand is not None:
        return
    from datetime import timedelta

    from ctcm.areas.activities.service import all_occurrences, kind_of, kinds
    from ctcm.domain.dates import parse_optional_date
    from ctcm.errors import InvalidInput
    from ctcm.registry import obligation_functions

    if not 0 <= days <= 3650:
        raise InvalidInput("--days must be between 0 and 3650")
    first = parse_optional_date(since, "--from")
    with opened(ctx, "calendar", write=False) as p:
        today = p.today
        until = today + timedelta(days=days)
        if first is not None and first > today:
            raise InvalidInput(f"--from {first} is after today ({today}): it shows the past")
        occ = [
            o
            for o in all_occurrences(p, until, first)
            if o.due >= today or o.state.value == "overdue" or first is not None
        ]
        names = kinds(p)
        owners = {s.kind: s.owner for s in p.repo.activity_schedules()}
        dated = [
            i for a, due in obligation_functions() if a.key != "activities" for i in due(p, until)
        ]
    data = {
        "as_of": today.isoformat(),
        "until": until.isoformat(),
        "occurrences": [
            {
                "kind": kind_of(o),
                "name": names[kind_of(o)].name,
                "date": o.due.isoformat(),
                "status": o.state.value,
                "warn_from": o.warn.isoformat(),
                "done_by": o.evidence,
                "done_on": o.closed_on.isoformat() if o.closed_on else None,
                "owner": owners.get(kind_of(o)),
            }
            for o in occ
        ],
        "dated": [
            {
                "date": i.on.isoformat(),
                "area": i.area,
                "status": i.light.value,
                "person": i.who,
                "what": i.what,
            }
            for i in dated
        ],
    }
    rows = sorted(
        [
            [
                o.due.isoformat(),
                o.state.label
                + (f" ({o.closed_on})" if o.closed_on and o.closed_on != o.due else ""),
                "activities",
                names[kind_of(o)].name,
                owners.get(kind_of(o)) or "",
            ]
            for o in occ
        ]
        + [[i.on.isoformat(), i.light.value, i.area, i.what, i.who or ""] for i in dated]
    )
    app_context(ctx).show(
        View(
            data,
            ["date", "status", "area", "what", "who"],
            rows,
            status_column=None,
            title=f"Compliance calendar to {until.isoformat()} (as of {today.isoformat()})",
        ),
        fmt,
    )


@app.command("set")
def set_(
    ctx: typer.Context,
    kind: str,
    rrule: Annotated[
        str | None,
        typer.Option(
            "--rrule",
            help='RFC 5545 rule, e.g. "FREQ=MONTHLY;BYMONTHDAY=1" '
            "(default: the kind's usual cadence).",
        ),
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="PERSON responsible.")] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--first",
            "--start",
            metavar="YYYY-MM-DD",
            help="First occurrence on or after this day (default: today).",
        ),
    ] = None,
) -> None:
    """Put an activity on the calendar, or change its rule or owner.

    Example: ctcm calendar set log-review --rrule "FREQ=MONTHLY;BYMONTHDAY=15" --owner fnguyen
    """
    from ctcm.areas.activities.service import set_schedule
    from ctcm.domain.dates import parse_optional_date

    day = parse_optional_date(start, "--start")
    with opened(ctx, "calendar set") as p:
        s = set_schedule(p, kind, rrule, owner, day)
    app_context(ctx).say(f"{s.kind}: {s.rrule} from {s.start}, owner {s.owner or '(none)'}.")


@app.command("off")
def off(ctx: typer.Context, kind: str) -> None:
    """Take an activity off the calendar (its log entries stay).

    Example: ctcm calendar off facility-walkthrough
    """
    from ctcm.areas.activities.service import schedule_off

    with opened(ctx, "calendar off") as p:
        schedule_off(p, kind)
    app_context(ctx).say(f"{kind} is off the calendar.")


@app.command("waive")
def waive(
    ctx: typer.Context,
    kind: str,
    for_date: Annotated[
        str, typer.Option("--for", metavar="YYYY-MM-DD", help="The occurrence not owed.")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why it is not owed.")],
) -> None:
    """Waive one occurrence with the reason (the office closed that month, the system retired):
    it shows as waived, never red, and the packet lists it with the reason.

    Example: ctcm calendar waive facility-walkthrough --for 2026-08-20 --reason "office closed for renovation in August"
    """
    from ctcm.areas.activities.service import waive_occurrence
    from ctcm.domain.dates import parse_date

    day = parse_date(for_date, "--for date")
    with opened(ctx, "calendar waive") as p:
        entry = waive_occurrence(p, kind, day, reason)
    app_context(ctx).say(f"Waived the {kind} occurrence of {day} (log entry {entry}).")


@app.command("ics")
def ics(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The .ics file to write (0600).")],
    days: Annotated[int, typer.Option("--days", help="How far ahead for dated items.")] = 365,
    person: Annotated[
        str | None, typer.Option("--person", help="Only this person's items.")
    ] = None,
    private: Annotated[
        bool, typer.Option("--private", help="Leave names out of event titles.")
    ] = False,
) -> None:
    """Export the calendar as an ICS file for Google Calendar, Outlook or Apple Calendar.

    Re-importing an updated file updates its events (stable UIDs); titles carry no identifier
    or note.

    Example: ctcm calendar ics --out compliance.ics --private
    """
    from ctcm.cli.context import write_private
    from ctcm.errors import InvalidInput
    from ctcm.services.ics import build_ics

    if not 1 <= days <= 3650:
        raise InvalidInput("--days must be between 1 and 3650")
    with opened(ctx, "calendar ics", write=False) as p:
        data = build_ics(p, days, person, private)
    write_private(out, data)
    app_context(ctx).say(f"Wrote {out}.")
