"""Pluggable renderers (table, json, csv) over one View shape."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, assert_never

from ctcm.errors import InvalidInput

STATUS_STYLES = {
    "green": "bold green",
    "yellow": "bold yellow",
    "red": "bold red",
    "waived": "cyan",
}


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@dataclass(frozen=True)
class View:
    """What a command shows: a JSON document and the same data as table rows.

    ``data`` and ``rows`` may be zero-argument callables, built only by the renderer that needs
    them (a 10,000-person table then never builds 60,000 JSON objects, nor JSON the rows)."""

    data: Any
    columns: Sequence[str] = ()
    rows: Sequence[Sequence[Any]] | Callable[[], Sequence[Sequence[Any]]] = ()
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


def _resolve(value: Any) -> Any:
    return value() if callable(value) else value


def render_json(view: View, style: Style) -> str:
    return dumps_readable(_resolve(view.data)) + "\n"


JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


class RawJSON(str):
    """A value already encoded as JSON, written as it is by ``render_json``."""


def dumps_readable(data: Any, depth: int = 2) -> str:
    """JSON indented by two spaces for the outer ``depth`` levels, each deeper value on one
    line (so a list of records reads one record per line). Python's C encoder only runs without
    ``indent``; letting it write each record keeps a 10,000-person status as fast in JSON as
    in a table."""
    return "".join(_readable(data, depth, 0))


def _readable(value: Any, depth: int, level: int) -> Iterator[str]:
    if isinstance(value, RawJSON):
        yield value
        return
    if level >= depth or not isinstance(value, dict | list | tuple) or not value:
        yield JSON_ENCODER.encode(value)
        return
    pad = "\n" + "  " * (level + 1)
    if isinstance(value, dict):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ("," if i else "") + pad + JSON_ENCODER.encode(str(key)) + ": "
            yield from _readable(item, depth, level + 1)
        yield "\n" + "  " * level + "}"
        return
    yield "["
    for i, item in enumerate(value):
        yield ("," if i else "") + pad
        yield from _readable(item, depth, level + 1)
    yield "\n" + "  " * level + "]"


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
    for row in _resolve(view.rows):
        writer.writerow([neutralise(_cell(v)) for v in row])
    return buf.getvalue()


_ANSI = {"bold": "1", "bold green": "1;32", "bold yellow": "1;33", "bold red": "1;31", "cyan": "36"}


def _paint(text: str, style_name: str, color: bool) -> str:
    code = _ANSI.get(style_name)
    return f"\x1b[{code}m{text}\x1b[0m" if color and code and text else text


def render_table(view: View, style: Style) -> str:
    """Aligned plain-text columns, one record per line (grep- and pipe-friendly).

    Written by hand rather than with Rich's Table: Rich measures and wraps every cell, which
    cost seconds for a dashboard of a thousand people; this is linear and cheap. Status words
    are upper-case and coloured only when ``style.color``.
    """
    out: list[str] = []
    if view.title:
        out.append(_paint(view.title, "bold", style.color))
    for key, value in view.details:
        out.append(f"{_paint(key + ':', 'bold', style.color)} {value}")
    if view.columns:
        status_index = (
            list(view.columns).index(view.status_column)
            if view.status_column in view.columns
            else None
        )
        cells = [[_cell(v).replace("\n", " ") for v in row] for row in _resolve(view.rows)]
        if status_index is not None:
            for row in cells:
                row[status_index] = row[status_index].upper()
        header = list(view.columns)
        widths = [max([len(header[i])] + [len(r[i]) for r in cells]) for i in range(len(header))]
        last = len(header) - 1

        def line(row: list[str], header_row: bool = False) -> str:
            parts = []
            for i, text in enumerate(row):
                pad = "" if i == last else " " * (widths[i] - len(text))
                if header_row:
                    text = _paint(text, "bold", style.color)
                elif i == status_index:
                    text = _paint(text, STATUS_STYLES.get(text.lower(), ""), style.color)
                parts.append(text + pad)
            return "  ".join(parts).rstrip()

        if cells:
            out.append(line(header, header_row=True))
            out.extend(line(row) for row in cells)
        else:
            out.append("(none)")
    if view.footer:
        out.append(view.footer)
    return "".join(text + "\n" for text in out)


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
