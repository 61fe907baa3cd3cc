"""Parsing and arithmetic of calendar dates given by users."""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import relativedelta

from ctcm.errors import InvalidInput

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# the dates ctcm works with: anything outside is a typo, and date arithmetic near the ends of
# the calendar (year 1, year 9999) overflows
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


def check_range(day: date, what: str) -> date:
    if not EARLIEST <= day <= LATEST:
        from ctcm.errors import UsageError

        raise UsageError(f"{what} {day.isoformat()} is out of range: use a date from 1900 to 2199")
    return day


def parse_date(text: str, what: str = "date", fmt: str | None = None) -> date:
    """Return the date in ``YYYY-MM-DD`` (or in ``fmt``, a strptime format such as
    ``%m/%d/%Y``); raise InvalidInput naming ``what`` and what is wrong otherwise."""
    text = text.strip()
    if fmt is not None:
        from datetime import datetime

        try:
            return check_range(datetime.strptime(text, fmt).date(), what)
        except ValueError:
            raise InvalidInput(f"bad {what} {text!r}: expected the format {fmt}") from None
    if not _ISO.match(text):
        raise InvalidInput(f"bad {what} {text!r}: expected YYYY-MM-DD")
    year, month, day = (int(x) for x in text.split("-"))
    if year < 1:
        raise InvalidInput(f"bad {what} {text!r}: there is no year 0")
    if not 1 <= month <= 12:
        raise InvalidInput(f"bad {what} {text!r}: no month {month}")
    try:
        return check_range(date(year, month, day), what)
    except ValueError:
        import calendar

        last = calendar.monthrange(year, month)[1]
        raise InvalidInput(
            f"bad {what} {text!r}: no such day ({date(year, month, 1):%B %Y} has {last} days)"
        ) from None


_MONTHS = {
    name: i
    for i in range(1, 13)
    for name in (
        date(2000, i, 1).strftime("%B").lower(),
        date(2000, i, 1).strftime("%b").lower(),
        date(2000, i, 1).strftime("%B").lower()[:4],  # "sept"
    )
}
_US = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_NAMED = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_NAMED_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$")


def parse_any_date(text: str, what: str = "date") -> date:
    """A date as a person writes it in the US: 2027-03-31, 3/31/2027, 03/31/27, March 31, 2027,
    Mar 31 2027 or 31 March 2027 (numbers are month first). The caller echoes the date
    understood, so a slip is seen before anything is recorded."""
    raw = text.strip()
    low = " ".join(raw.lower().split())
    if _ISO.match(low):
        return parse_date(low, what)
    hint = "use e.g. 2027-03-31, 3/31/2027 or March 31, 2027"
    month = day = year = None
    if m := _US.match(low):
        month, day, year = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:
            year += 2000
    elif m := _NAMED.match(low):
        month, day, year = _MONTHS.get(m[1]), int(m[2]), int(m[3])
    elif m := _NAMED_DAY_FIRST.match(low):
        month, day, year = _MONTHS.get(m[2]), int(m[1]), int(m[3])
    if month is None or day is None or year is None:
        raise InvalidInput(f"bad {what} {raw!r}: {hint}")
    if not 1 <= month <= 12:
        raise InvalidInput(f"bad {what} {raw!r}: no month {month} (month comes first: {hint})")
    return parse_date(f"{year:04d}-{month:02d}-{day:02d}", f"{what} {raw!r} read as")


def parse_optional_date(
    text: str | None, what: str = "date", fmt: str | None = None
) -> date | None:
    return parse_date(text, what, fmt) if text not in (None, "") else None


def check_date_format(fmt: str | None) -> str | None:
    """A ``--date-format`` must contain a day, a month and a year directive."""
    if fmt is None:
        return None
    if not all(d in fmt for d in ("%d", "%m")) or not ("%Y" in fmt or "%y" in fmt):
        raise InvalidInput(f"bad --date-format {fmt!r}: use directives like %m/%d/%Y")
    return fmt


def add_months(day: date, months: int) -> date:
    return day + relativedelta(months=months)


def check_timezone(tz: str) -> str:
    """An IANA time zone name, checked; refused with one line."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {tz!r} (use a name like America/Chicago)") from None
    return tz


def long_date(day: date, today: date) -> str:
    """'1 March 2027'; the year left out within the current one ('15 November')."""
    return f"{day.day} {day:%B}" if day.year == today.year else f"{day.day} {day:%B %Y}"
