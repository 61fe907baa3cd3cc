"""Parsing and arithmetic of calendar dates given by users."""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import relativedelta

from ctcm.errors import InvalidInput

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str, what: str = "date") -> date:
    """Return the date in ``YYYY-MM-DD``; raise InvalidInput naming ``what`` otherwise."""
    text = text.strip()
    if not _ISO.match(text):
        raise InvalidInput(f"bad {what} {text!r}: expected YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"bad {what} {text!r}: no such day") from None


def parse_optional_date(text: str | None, what: str = "date") -> date | None:
    return parse_date(text, what) if text not in (None, "") else None


def add_months(day: date, months: int) -> date:
    return day + relativedelta(months=months)
