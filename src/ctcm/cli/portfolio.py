"""``ctcm portfolio``: one row per registered client practice."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, write_output
from ctcm.errors import InvalidInput
from ctcm.render.formats import OutputFormat, View


class PortfolioFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    HTML = "html"


def portfolio(
    ctx: typer.Context,
    fmt: Annotated[
        PortfolioFormat,
        typer.Option(
            "--format", "-f", help="table, json or html (one page).", case_sensitive=False
        ),
    ] = PortfolioFormat.TABLE,
    out: Annotated[Path | None, typer.Option("--out", help="Write the html page here.")] = None,
    unlock: Annotated[
        bool, typer.Option("--unlock", help="Ask for each locked practice's passphrase in turn.")
    ] = False,
) -> None:
    """Every registered practice: red / yellow / green people, the security program's light,
    the last signed-off risk analysis and overdue security tasks. Locked practices show as
    locked (nothing prompts unless --unlock).

    Example: ctcm portfolio --format html --out portfolio.html
    """
    from ctcm.services.portfolio import portfolio as rows_of

    actx = app_context(ctx)
    if out is not None and fmt is not PortfolioFormat.HTML:
        raise InvalidInput("--out writes the html page: add --format html")
    rows = rows_of(actx.environment, unlock)
    if fmt is PortfolioFormat.HTML:
        from ctcm.services.portfolio import render_html

        write_output(actx, render_html(actx.environment, rows), out)
        return
    data = [r.to_json() for r in rows]
    table = [
        [
            r.name,
            r.state if r.state != "open" else r.program,
            r.red if r.state == "open" else "",
            r.yellow if r.state == "open" else "",
            r.green if r.state == "open" else "",
            r.last_risk_analysis or ("none" if r.state == "open" else ""),
            r.overdue_tasks if r.state == "open" else "",
            r.detail,
        ]
        for r in rows
    ]
    footer = None if rows else "No practice registered (ctcm practice register NAME PATH)."
    cols = ["practice", "program", "red", "yellow", "green", "risk analysis", "overdue", "note"]
    actx.show(
        View(data, cols, table, status_column="program", footer=footer),
        OutputFormat(fmt.value),
    )


def register(app: typer.Typer) -> None:
    app.command()(portfolio)
