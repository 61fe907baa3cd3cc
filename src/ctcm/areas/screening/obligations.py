"""Exclusion screening: what it owes (a run at hire and monthly, every candidate triaged) and
its section of status and the digest. A candidate names no one in any email: persons by id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ctcm.domain.credentials import Light
from ctcm.domain.program import DueItem
from ctcm.program.area import Section
from ctcm.services.practice import Practice
from ctcm.storage.screeningrepo import ScreeningList


@dataclass(frozen=True, slots=True)
class ScreeningStatus:
    light: Light
    last_run: date | None
    next_due: date | None
    never: tuple[str, ...]  # active people never screened
    open: tuple[tuple[int, str], ...]  # (candidate id, person) not yet triaged
    confirmed: tuple[str, ...]  # people on an exclusion list, confirmed
    lists: int
    stale: tuple[str, ...]  # what is wrong with the lists in force ("no SAM list", "LEIE of ...")


def screening_status(p: Practice) -> ScreeningStatus:
    from ctcm.areas.screening.service import MONTHLY

    active = {x.id for x in p.repo.people(active_only=True)}
    runs = [r for r in p.repo.screening_runs() if r.on <= p.today]
    screened = {pid for r in runs for pid in r.people}
    candidates = [c for c in p.repo.screening_candidates() if c.person_id in active]
    open_ = tuple((c.id, c.person_id) for c in candidates if c.resolution is None)
    confirmed = tuple(sorted({c.person_id for c in candidates if c.resolution == "confirmed"}))
    never = tuple(sorted(active - screened))
    last = max((r.on for r in runs), default=None)
    due = last + timedelta(days=MONTHLY) if last else None
    lists = p.repo.screening_lists()
    stale = _stale(lists, p.today) if lists else ()
    if open_ or confirmed or (due is not None and due < p.today):
        light = Light.RED
    elif never or not runs or stale or (due is not None and due - p.today <= timedelta(days=7)):
        light = Light.YELLOW
    else:
        light = Light.GREEN
    return ScreeningStatus(light, last, due, never, open_, confirmed, len(lists), stale)


def _stale(lists: list[ScreeningList], today: date) -> tuple[str, ...]:
    """A run against an old or missing list says nothing about this month: both lists are
    published monthly, so one older than last month's is stale."""
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    out = []
    for source, name in (("leie", "OIG LEIE"), ("sam", "SAM")):
        months = [sl.published for sl in lists if sl.source == source]
        if not months:
            out.append(f"no {name} list imported")
        elif max(months) < last_month:
            out.append(f"the {name} list is of {max(months)}: import this month's")
    return tuple(out)


def screening_due(p: Practice, until: date) -> Iterable[DueItem]:
    from ctcm.areas.screening.verify import unverified

    for u in unverified(p):
        yield DueItem(u.due, "screening",
                      f"Primary-source verification of {u.doctype} (document {u.document}): "
                      f"{u.why}",
                      u.person, u.light, f"verify:{u.document}")  # fmt: skip
    s = screening_status(p)
    for cid, person in s.open:
        yield DueItem(p.today, "screening",
                      f"Exclusion screening candidate {cid}: verify and resolve it",
                      person, Light.RED, f"screening:candidate:{cid}")  # fmt: skip
    for person in s.confirmed:
        yield DueItem(p.today, "screening",
                      "On a federal exclusion list (confirmed): may not work on federal "
                      "health program business", person, Light.RED,
                      f"screening:confirmed:{person}")  # fmt: skip
    if s.never:
        yield DueItem(p.today, "screening",
                      f"Screen {len(s.never)} person(s) never screened against the exclusion "
                      "lists (ctcm screen run)", None, Light.YELLOW, "screening:never")  # fmt: skip
    if s.next_due is not None and s.next_due <= until:
        late = s.next_due < p.today
        yield DueItem(s.next_due, "screening",
                      "Monthly exclusion screening run" + (" (overdue)" if late else ""),
                      None, Light.RED if late else Light.YELLOW, "screening:monthly")  # fmt: skip


def screening_section(p: Practice) -> Section:
    from ctcm.areas.screening.verify import unverified

    s = screening_status(p)
    checks = unverified(p)
    lines = [
        f"{u.person}: document {u.document} ({u.doctype}) {u.why} (ctcm doc verify "
        f"{u.document} --source ... --result ... --date D)"
        for u in checks
    ]
    if not s.lists:
        lines.append("Exclusion screening: no list imported yet (ctcm screen import leie FILE)")
    lines += [
        f"Exclusion screening candidate {cid} for {person}: verify it "
        f"(ctcm screen resolve {cid} --cleared|--confirmed --note ...)"
        for cid, person in s.open
    ]
    lines += [f"{person} is on a federal exclusion list (confirmed)" for person in s.confirmed]
    if s.never:
        lines.append(f"{len(s.never)} person(s) never screened (ctcm screen run)")
    lines += [f"Exclusion screening: {x} (ctcm screen import ...)" for x in s.stale]
    if s.next_due is not None and s.next_due - p.today <= timedelta(days=7):
        late = "overdue since" if s.next_due < p.today else "due"
        lines.append(f"Monthly exclusion screening {late} {s.next_due} (last run {s.last_run})")
    data = {
        "status": s.light.value,
        "last_run": s.last_run.isoformat() if s.last_run else None,
        "next_due": s.next_due.isoformat() if s.next_due else None,
        "never_screened": list(s.never),
        "open_candidates": [{"id": c, "person": who} for c, who in s.open],
        "confirmed": list(s.confirmed),
        "lists_stale": list(s.stale),
        "verification": [
            {"person": u.person, "document": u.document, "doctype": u.doctype,
             "status": u.light.value, "why": u.why}
            for u in checks
        ],
    }  # fmt: skip
    plain = tuple(line.split(" (ctcm ")[0] for line in lines)
    light = max([s.light, *(u.light for u in checks)], key=lambda x: x.severity)
    return Section("screening", light, data, tuple(lines), plain)
