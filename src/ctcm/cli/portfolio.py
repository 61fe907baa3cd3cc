"""``ctcm portfolio``: every registered client practice, most urgent first, with the few items
that matter most; ``ctcm portfolio due``: every client's due items in one list."""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ctcm.cli.context import AppContext, app_context, write_output
from ctcm.errors import InvalidInput
from ctcm.render.formats import OutputFormat, View

if TYPE_CHECKING:
    from ctcm.services.portfolio import Row

app = typer.Typer(
    help="Every registered client practice, most urgent first.", invoke_without_command=True
)


class PortfolioFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    HTML = "html"


UnlockOpt = Annotated[
    bool, typer.Option("--unlock", help="Ask for each locked practice's passphrase in turn.")
]
DaysOpt = Annotated[int, typer.Option("--days", help="How far ahead to look (days).")]


@app.callback()
def portfolio(
    ctx: typer.Context,
    fmt: Annotated[
        PortfolioFormat,
        typer.Option(
            "--format", "-f", help="table, json or html (one page).", case_sensitive=False
        ),
    ] = PortfolioFormat.TABLE,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the html page here (and each client's page beside it)."),
    ] = None,
    unlock: UnlockOpt = False,
    days: DaysOpt = 30,
) -> None:
    """Every registered practice, most urgent first: its worst items (breach and request
    deadlines, expired credentials of people at work, exclusions, vendors without a BAA,
    overdue obligations of every area), red / yellow / green people, the security program's
    light and everything overdue. Locked practices stay listed as locked, with the command to
    unlock (nothing prompts unless --unlock).

    Example: ctcm portfolio --format html --out portfolio.html
    """
    if ctx.invoked_subcommand is not None:
        return
    from ctcm.services.portfolio import portfolio as rows_of

    actx = app_context(ctx)
    if out is not None and fmt is not PortfolioFormat.HTML:
        raise InvalidInput("--out writes the html page: add --format html")
    pages = out if fmt is PortfolioFormat.HTML and out is not None else None
    rows = rows_of(actx.environment, unlock, days, pages)
    if fmt is PortfolioFormat.HTML:
        from ctcm.services.portfolio import render_html

        write_output(actx, render_html(actx.environment, rows), out)
        return
    show_rows(actx, rows, OutputFormat(fmt.value))


def show_rows(actx: AppContext, rows: "list[Row]", fmt: OutputFormat) -> None:
    """One row per practice with the first item to act on; the next two on lines of their own
    under it."""
    data = [r.to_json() for r in rows]
    table: list[list[object]] = []
    for r in rows:
        first = (r.top[0] if r.top else "nothing due") if r.state == "open" else r.detail
        if r.state != "open":
            table.append([r.name, r.state, "", "", first])
            continue
        table.append([r.name, r.program, r.red, r.overdue, first])
        table += [["", "", "", "", more] for more in r.top[1:]]
    footer = None if rows else "No practice registered (ctcm practice register NAME PATH)."
    cols = ["practice", "program", "red people", "overdue", "first to act on"]
    actx.show(View(data, cols, table, status_column="program", footer=footer), fmt)


@app.command("due")
def due(
    ctx: typer.Context,
    days: DaysOpt = 30,
    unlock: UnlockOpt = False,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table, json or csv.")
    ] = OutputFormat.TABLE,
) -> None:
    """Every client's due items in one list, most urgent first (red before yellow; legal
    deadlines first; then by date).

    Example: ctcm portfolio due --days 14
    """
    from ctcm.services.portfolio import portfolio as rows_of
    from ctcm.services.portfolio import triage

    rows = rows_of(app_context(ctx).environment, unlock, days)
    practice = {id(i): r.name for r in rows for i in r.items}
    items = triage([i for r in rows for i in r.items])
    data = {
        "items": [
            {"practice": practice[id(i)], "date": i.on.isoformat(), "status": i.light.value,
             "area": i.area, "what": i.what, "person": i.who, "ref": i.ref}
            for i in items
        ],
        "not_opened": [{"practice": r.name, "state": r.state, "detail": r.detail}
                       for r in rows if r.state != "open"],
    }  # fmt: skip
    table = [[practice[id(i)], i.on, i.light.value.upper(), i.area, i.what, i.who or ""]
             for i in items]  # fmt: skip
    closed = [f"{r.name}: {r.state} ({r.detail})" for r in rows if r.state != "open"]
    footer = "Not opened: " + "; ".join(closed) if closed else None
    app_context(ctx).show(
        View(data, ["practice", "date", "status", "area", "what", "person"], table,
             status_column="status", footer=footer), fmt,
    )  # fmt: skip


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="portfolio")
