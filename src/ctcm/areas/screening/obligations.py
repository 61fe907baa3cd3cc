"""Exclusion screening: what it owes (a run at hire and monthly, every candidate triaged) and
its section of status and the digest. A candidate names no one in any email: persons by id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ctcm.domain.credentials import Light, Person, Reason, RequirementStatus
from ctcm.domain.program import DueItem
from ctcm.domain.screening import VENDOR
from ctcm.program.area import Section
from ctcm.services.practice import Practice
from ctcm.storage.screeningrepo import ScreeningList


@dataclass(frozen=True, slots=True)
class ScreeningStatus:
    light: Light
    last_run: date | None
    next_due: date | None
    never: tuple[str, ...]  # active people never screened
    open: tuple[tuple[int, str], ...]  # (candidate id, person or "vendor:KEY") not yet triaged
    confirmed: tuple[str, ...]  # people (or "vendor:KEY") on an exclusion list, confirmed
    lists: int
    stale: tuple[str, ...]  # what is wrong with the lists in force ("no SAM list", "LEIE of ...")
    hires: dict[str, date]  # once screening is in use: people never screened -> start date


def screening_status(p: Practice) -> ScreeningStatus:
    from ctcm.areas.screening.service import MONTHLY

    people = p.repo.people(active_only=True)
    active = {x.id for x in people}
    runs = [r for r in p.repo.screening_runs() if r.on <= p.today]
    screened = {pid for r in runs for pid in r.people}
    every = p.repo.screening_candidates()
    vendors = (
        {VENDOR + k for k in p.repo.vendors()} if any(_is_vendor(c.person_id) for c in every)
        else set()
    )  # fmt: skip
    candidates = [c for c in every if c.person_id in active or c.person_id in vendors]
    open_ = tuple((c.id, c.person_id) for c in candidates if c.resolution is None)
    confirmed = tuple(sorted({c.person_id for c in candidates if c.resolution == "confirmed"}))
    never = tuple(sorted(active - screened))
    lists = p.repo.screening_lists()
    # once the practice screens at all, each person is screened at hire, before the first day
    starts = {x.id: x.start or p.today for x in people if x.id in never} if runs or lists else {}
    late_hire = any(start <= p.today for start in starts.values())
    last = max((r.on for r in runs), default=None)
    due = last + timedelta(days=MONTHLY) if last else None
    stale = _stale(lists, p.today) if lists else ()
    if open_ or confirmed or late_hire or (due is not None and due < p.today):
        light = Light.RED
    elif never or not runs or stale or (due is not None and due - p.today <= timedelta(days=7)):
        light = Light.YELLOW
    else:
        light = Light.GREEN
    return ScreeningStatus(light, last, due, never, open_, confirmed, len(lists), stale, starts)


def _is_vendor(subject: str) -> bool:
    return subject.startswith(VENDOR)


def _label(subject: str) -> str:
    return f"vendor {subject.removeprefix(VENDOR)}" if _is_vendor(subject) else subject


SCREENING_KEY = "@screening"  # the requirement key: never a document type's key
SCREENING_NAME = "Exclusion screening (OIG LEIE, SAM)"


def person_requirements(
    p: Practice, people: list[Person]
) -> dict[str, tuple[RequirementStatus, ...]]:
    """What screening adds to each person's own light, once the practice screens at all (a
    list imported or a run recorded): RED for a candidate not yet verified or a confirmed
    exclusion; never screened: YELLOW until the start date (screen at hire, before the first
    day), RED from it. Nothing for a person screened and clear."""
    s = screening_status(p)
    candidates = {pid for _, pid in s.open}
    out: dict[str, tuple[RequirementStatus, ...]] = {}
    for x in people:
        if x.id in s.confirmed:
            req = _requirement(Light.RED, Reason.EXCLUDED, None, p.today)
        elif x.id in candidates:
            req = _requirement(Light.RED, Reason.CANDIDATE, None, p.today)
        elif x.id in s.hires:
            start = s.hires[x.id]
            light = Light.YELLOW if start > p.today else Light.RED
            req = _requirement(light, Reason.NOT_SCREENED, start, p.today)
        else:
            continue
        out[x.id] = (req,)
    return out


def _requirement(light: Light, reason: Reason, due: date | None, today: date) -> RequirementStatus:
    left = (due - today).days if due is not None else None
    return RequirementStatus(SCREENING_KEY, SCREENING_NAME, light, reason, due, left, None, None,
                             kind="screening")  # fmt: skip


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
    for cid, who in s.open:
        vendor = f" (vendor {who.removeprefix(VENDOR)})" if _is_vendor(who) else ""
        yield DueItem(p.today, "screening",
                      f"Exclusion screening candidate {cid}{vendor}: verify and resolve it",
                      None if vendor else who, Light.RED, f"screening:candidate:{cid}")  # fmt: skip
    for who in s.confirmed:
        if _is_vendor(who):
            yield DueItem(p.today, "screening",
                          f"Vendor {who.removeprefix(VENDOR)} is on a federal exclusion list "
                          "(confirmed): no federal health program business through it", None,
                          Light.RED, f"screening:confirmed:{who}")  # fmt: skip
            continue
        yield DueItem(p.today, "screening",
                      "On a federal exclusion list (confirmed): may not work on federal "
                      "health program business", who, Light.RED,
                      f"screening:confirmed:{who}")  # fmt: skip
    for pid, start in sorted(s.hires.items()):
        yield DueItem(start, "screening", f"Exclusion screening at hire (start {start})", pid,
                      Light.YELLOW if start > p.today else Light.RED,
                      f"screening:hire:{pid}")  # fmt: skip
    if s.never and not s.hires:
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
        f"Exclusion screening candidate {cid} for {_label(who)}: verify it "
        f"(ctcm screen resolve {cid} --cleared|--confirmed --note ...)"
        for cid, who in s.open
    ]
    lines += [f"{_label(who)} is on a federal exclusion list (confirmed)" for who in s.confirmed]
    lines += [
        f"{pid}: not screened at hire (start {start}) (ctcm screen run {pid})"
        for pid, start in sorted(s.hires.items())
    ]
    if s.never and not s.hires:
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
