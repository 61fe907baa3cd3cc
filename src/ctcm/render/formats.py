"""Pluggable renderers (table, json, csv) over one View shape."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, assert_never

from ctcm.errors import InvalidInput

STATUS_STYLES = {"green": "bold green", "yellow": "bold yellow", "red": "bold red",
                 "waived": "cyan"}


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@dataclass(frozen=True)
class View:
    """What a command shows: a JSON document and the same data as table rows."""

    data: Any
    columns: Sequence[str] = ()
    rows: Sequence[Sequence[Any]] = ()
    title: str | None = None
    footer: str | None = None
    status_column: str | None = "status"
    details: Sequence[tuple[str, str]] = field(default_factory=tuple)  # key/value block


@dataclass(frozen=True, slots=True)
class Style:
    color: bool = False
    width: int = 100


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def render_json(view: View, style: Style) -> str:
    return json.dumps(view.data, indent=2, ensure_ascii=False, default=str) + "\n"


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a quote to a cell a spreadsheet would run as a formula (CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA) else cell


def restore_neutralised(cell: str) -> str:
    """Undo ``neutralise`` when reading a CSV back, so exports round-trip exactly."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA) else cell


def render_csv(view: View, style: Style) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(view.columns)
    for row in view.rows:
        writer.writerow([neutralise(_cell(v)) for v in row])
    return buf.getvalue()


def render_table(view: View, style: Style) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, width=style.width, force_terminal=style.color,
                      no_color=not style.color, color_system="standard" if style.color else None,
                      highlight=False, emoji=False, markup=False)
    if view.title:
        console.print(Text(view.title, style="bold"))
    if view.details:
        for key, value in view.details:
            console.print(Text.assemble((f"{key}: ", "bold"), value))
    if view.columns:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for column in view.columns:
            table.add_column(column, overflow="fold")
        status_index = (list(view.columns).index(view.status_column)
                        if view.status_column in view.columns else None)
        for row in view.rows:
            cells = []
            for i, value in enumerate(row):
                text = _cell(value)
                if i == status_index:
                    cells.append(Text(text.upper(), style=STATUS_STYLES.get(text, "")))
                else:
                    cells.append(Text(text))
            table.add_row(*cells)
        if view.rows:
            console.print(table)
        else:
            console.print(Text("(none)"))
    if view.footer:
        console.print(Text(view.footer))
    text = buf.getvalue()
    return text if style.color else "".join(line.rstrip() + "\n" for line in text.splitlines())


Renderer = Callable[[View, Style], str]


def renderer(fmt: OutputFormat) -> Renderer:
    match fmt:
        case OutputFormat.TABLE:
            return render_table
        case OutputFormat.JSON:
            return render_json
        case OutputFormat.CSV:
            return render_csv
        case _:
            assert_never(fmt)


def render(view: View, fmt: OutputFormat, style: Style) -> str:
    if fmt is OutputFormat.CSV and not view.columns:
        raise InvalidInput("this command has no CSV output; use --format json")
    return renderer(fmt)(view, style)
