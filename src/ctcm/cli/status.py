"""``ctcm status``: the practice dashboard and one person's lights."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened, write_output
from ctcm.cli.options import FormatOpt
from ctcm.errors import InvalidInput, ThresholdReached
from ctcm.render.formats import OutputFormat


class FailOn(StrEnum):
    RED = "red"
    YELLOW = "yellow"


class StatusFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def status(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Argument(help="Show this person's lights only.")] = None,
    red: Annotated[bool, typer.Option("--red", help="Only people whose light is red.")] = False,
    yellow: Annotated[
        bool, typer.Option("--yellow", help="Only people whose light is yellow.")
    ] = False,
    policy: Annotated[
        str | None, typer.Option("--policy", help="Only people assigned this policy.")
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 3 when anyone shown is at or past this light (for cron).",
            case_sensitive=False,
        ),
    ] = None,
    fmt: Annotated[
        StatusFormat,
        typer.Option(
            "--format",
            "-f",
            help="table, json, csv, or html (one self-contained page).",
            case_sensitive=False,
        ),
    ] = StatusFormat.TABLE,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the html page to this file (0600).")
    ] = None,
) -> None:
    """Show green / yellow / red compliance lights for the practice or one person.

    Example: ctcm status --red --format json
    """
    from ctcm.areas.credentials import service as cred
    from ctcm.domain.credentials import Light
    from ctcm.render.views import dashboard_view, person_status_view

    actx = app_context(ctx)
    if red and yellow:
        raise InvalidInput("--red and --yellow exclude each other")
    if person is not None and (red or yellow or policy):
        raise InvalidInput("filters apply to the practice dashboard, not to one person")
    if out is not None and fmt is not StatusFormat.HTML:
        raise InvalidInput("--out writes the html page: add --format html")
    html = fmt is StatusFormat.HTML
    shown_fmt = OutputFormat.TABLE if html else OutputFormat(fmt.value)
    with opened(ctx, "status", write=False) as p:
        if person is not None:
            one = cred.person_status(p, person)
            if html:
                from ctcm.services.dashboard import render_html

                page = render_html(p, [one], None, scope=f"{one.person.name} only")
            else:
                actx.show(person_status_view(one, p.today), shown_fmt)
            shown = [one]
        else:
            from ctcm.areas.risk.program import program_status
            from ctcm.render.views import worst_light
            from ctcm.services.program import program_sections

            light = Light.RED if red else Light.YELLOW if yellow else None
            board = cred.dashboard(p, light, policy)
            program, sections = program_status(p), program_sections(p)
            if html:
                from ctcm.services.dashboard import render_html

                scope = ", ".join(
                    x
                    for x in (
                        f"people with a {light.value} requirement" if light else "",
                        f"people assigned {policy}" if policy else "",
                    )
                    if x
                )
                page = render_html(p, board.people, board, program, sections, scope)
            else:
                actx.show(dashboard_view(board, program, sections), shown_fmt)
            shown = list(board.people)
            program_light = worst_light(program, sections)
    if html:
        write_output(actx, page, out)
    if fail_on is not None:
        threshold = Light(fail_on.value).severity
        hit = [s.person.id for s in shown if s.status.severity >= threshold]
        # The program counts for the whole practice, not for one person or one policy.
        if person is None and policy is None and program_light.severity >= threshold:
            hit.append("the security program")
        if hit:
            raise ThresholdReached(
                f"{len(hit)} at or past {fail_on.value}: {', '.join(hit[:10])}"
                + (" ..." if len(hit) > 10 else "")
            )


def register(app: typer.Typer) -> None:
    app.command()(status)
    app.command()(due)


def due(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", help="How far ahead to look.")] = 30,
    person: Annotated[str | None, typer.Option("--person", help="Only this person.")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """List what is due in the next days across the practice, by date (overdue first).

    Documents missing, expired or expiring, waivers ending, mitigation tasks and the risk
    analysis review; works without any mail settings.

    Example: ctcm due --days 30
    """
    from ctcm.render.formats import View
    from ctcm.services.program import due as list_due

    with opened(ctx, "due", write=False) as p:
        until, items = list_due(p, days, person)
        today = p.today
        names = {x.id: x.name for x in p.repo.people()}
    data = {
        "as_of": today.isoformat(),
        "until": until.isoformat(),
        "items": [
            {
                "date": i.on.isoformat(),
                "area": i.area,
                "status": i.light.value,
                "person": i.who,
                "what": i.what,
                "ref": i.ref,
            }
            for i in items
        ],
    }
    rows = [
        [
            i.on.isoformat() + (" (overdue)" if i.on < today else ""),
            i.light.value,
            i.area,
            names.get(i.who or "", i.who or ""),
            i.what,
        ]
        for i in items
    ]
    people = len({i.who for i in items if i.who})
    view = View(
        data,
        ["date", "status", "area", "person", "what"],
        rows,
        title=f"Due by {until.isoformat()} (as of {today.isoformat()})",
        footer=f"{len(items)} item(s) for {people} person(s)" if items else None,
    )
    app_context(ctx).show(view, fmt)
