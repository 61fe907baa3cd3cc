"""Forms & logs and the compliance calendar: activity kinds (packaged plus the practice's own),
log entries with encrypted evidence, recurring schedules, their occurrences, training sessions.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path

from ctcm.areas.credentials import service as cred
from ctcm.domain.activities import (
    ActivityKind,
    ActivitySchedule,
    LogEntry,
    check_rrule,
    occurrence_dates,
    parse_fields,
)
from ctcm.domain.credentials import Document, Light, check_key, check_text
from ctcm.domain.program import DueItem
from ctcm.domain.risk import Rule
from ctcm.errors import AlreadyExists, InvalidInput, NotFound
from ctcm.program.model import Evidence, Occurrence, State, current, light_of, recurring
from ctcm.services.practice import Practice

LOOKBACK_DAYS = 365  # how far back the calendar and the program look by default
TRAINING_KIND = "training-session"


@cache
def packaged_kinds() -> tuple[ActivityKind, ...]:
    data = tomllib.loads(resources.files("ctcm.catalog").joinpath("activities.toml").read_text())
    kinds = []
    for raw in data["kinds"]:
        kinds.append(
            ActivityKind(
                raw["key"],
                raw["name"],
                tuple(raw["citations"]),
                check_rrule(raw["cadence"]),
                tuple(raw.get("fields", ())),
                raw.get("why", ""),
                event=raw.get("event"),
            )
        )
    return tuple(kinds)


def kinds(p: Practice) -> dict[str, ActivityKind]:
    found = {k.key: k for k in packaged_kinds()}
    found.update({k.key: k for k in p.repo.activity_kinds()})
    return found


def get_kind(p: Practice, key: str) -> ActivityKind:
    found = kinds(p).get(key)
    if found is None:
        raise NotFound(f"unknown activity kind {key!r} (see 'ctcm log kinds')")
    return found


def add_kind(
    p: Practice,
    key: str,
    name: str,
    cadence: str,
    citations: list[str],
    fields: list[str],
    why: str | None,
) -> ActivityKind:
    check_key(key, "activity kind key")
    if key in kinds(p):
        raise AlreadyExists(f"activity kind {key!r} exists already")
    kind = ActivityKind(
        key,
        check_text(name, "--name", 200),
        tuple(check_text(c, "--cite", 60) for c in citations),
        check_rrule(cadence),
        tuple(check_key(f, "field name") for f in fields),
        check_text(why, "--why", 500) if why else "",
        builtin=False,
    )
    p.repo.add_activity_kind(kind, p.now_iso)
    p.touch(f"activity-kind:{key}")
    return kind


# ----------------------------------------------------------------------------- the log


def add_entry(
    p: Practice,
    kind_key: str,
    on: date | None,
    by: str | None,
    note: str | None,
    files: list[Path],
    field_pairs: list[str],
    corrects: int | None = None,
    for_date: date | None = None,
) -> int:
    """Record one activity done (with its evidence); a correction is a new entry that names
    the one it corrects, which stays on record. ``for_date`` names the occurrence it closes
    (the only way to close one older than the current period)."""
    kind = get_kind(p, kind_key)
    day = on or p.today
    if day > p.today:
        raise InvalidInput(f"--date {day} is in the future: record activities once done")
    if for_date is not None:
        _check_occurrence(p, kind, for_date, day)
    if by is not None:
        cred.get_person(p, by)
    else:
        by = actor_person(p)  # the person who records it did it, unless told otherwise
    if corrects is not None:
        old = get_entry(p, corrects)
        if old.kind != kind.key:
            raise InvalidInput(f"entry {corrects} is a {old.kind}, not a {kind.key}")
    fields = parse_fields(field_pairs, kind)
    payloads = [cred.read_upload(path) for path in files]  # all read before anything is written
    entry = LogEntry(
        0,
        kind.key,
        day,
        by,
        check_text(note, "--note", 2000) if note else None,
        fields,
        corrects,
        p.now_iso,
        for_date=for_date,
    )
    entry_id = p.repo.add_log_entry(entry, p.actor)
    for position, (path, data) in enumerate(zip(files, payloads, strict=True)):
        att = cred.store_blob(p, entry_id, path.name, data)
        p.repo.add_log_attachment(
            entry_id, position, att.id, att.filename, att.media_type, att.size, att.sha256, att.key
        )
    p.touch(f"log:{entry_id}", f"activity:{kind.key}")
    return entry_id


def get_entry(p: Practice, entry_id: int) -> LogEntry:
    for e in p.repo.log_entries():
        if e.id == entry_id:
            return e
    raise NotFound(f"unknown log entry {entry_id} (see 'ctcm log list')")


def list_entries(p: Practice, kind: str | None, since: date | None) -> list[LogEntry]:
    if kind is not None:
        get_kind(p, kind)
    p.touch("log")
    return [e for e in p.repo.log_entries(kind) if since is None or e.on >= since]


@dataclass(frozen=True, slots=True)
class EntryDetail:
    entry: LogEntry
    kind: ActivityKind
    attachments: list[tuple[str, str, int]]
    corrected_by: list[int]


def show_entry(p: Practice, entry_id: int) -> EntryDetail:
    entry = get_entry(p, entry_id)
    later = [e.id for e in p.repo.log_entries(entry.kind) if e.corrects == entry.id]
    p.touch(f"log:{entry_id}")
    return EntryDetail(entry, get_kind(p, entry.kind), p.repo.log_attachments(entry_id), later)


# ----------------------------------------------------------------------------- the calendar


def set_schedule(
    p: Practice, kind_key: str, rrule: str | None, owner: str | None, start: date | None
) -> ActivitySchedule:
    """Put a kind on the calendar (or change it). Its first occurrence is on or after ``start``
    (default: today), so a new activity is never overdue on the day it is set up."""
    kind = get_kind(p, kind_key)
    if owner is not None:
        cred.get_person(p, owner)
    current = {s.kind: s for s in p.repo.activity_schedules()}.get(kind.key)
    if kind.event and not rrule and current is None:
        raise InvalidInput(
            f"{kind.key} is done after {kind.event}, not on a schedule: record it with "
            f"'ctcm log add {kind.key}' when it happens (to schedule it anyway, give --rrule)"
        )
    schedule = ActivitySchedule(
        kind.key,
        check_rrule(rrule) if rrule else (current.rrule if current else kind.cadence),
        start or (current.start if current else p.today),
        owner if owner is not None else (current.owner if current else None),
    )
    p.repo.put_activity_schedule(schedule, p.now_iso)
    p.touch(f"calendar:{kind.key}")
    return schedule


def schedule_off(p: Practice, kind_key: str) -> None:
    get_kind(p, kind_key)
    if not p.repo.drop_activity_schedule(kind_key):
        raise NotFound(f"{kind_key} is not on the calendar")
    p.touch(f"calendar:{kind_key}")


def obligation_key(kind: str) -> str:
    return f"activity:{kind}"


def kind_of(o: Occurrence) -> str:
    return o.key.removeprefix("activity:")


WAIVED_FIELD = "waived"  # a log entry carrying it waives the occurrence it names


def actor_person(p: Practice) -> str | None:
    """The person record of the user running the command (``user add --person``), if any."""
    for u in p.repo.user_infos():
        if u.slot_id == p.actor and u.person_id:
            return u.person_id
    return None


def waive_occurrence(p: Practice, kind_key: str, for_date: date, reason: str) -> int:
    """Record that one occurrence is not owed (the office was closed that month, the system it
    reviews was retired), with the reason: the calendar shows it waived, the packet lists it,
    and it is never red. Entries are never edited: a waiver is an entry of its own."""
    kind = get_kind(p, kind_key)
    _check_occurrence(p, kind, for_date, max(for_date, p.today))  # a coming one too
    why = check_text(reason, "--reason", 2000)
    if len(why.split()) < 3:
        raise InvalidInput("--reason says why this occurrence is not owed")
    entry = LogEntry(
        0, kind.key, p.today, actor_person(p), f"waived: {why}", ((WAIVED_FIELD, why),), None,
        p.now_iso, for_date=for_date,
    )  # fmt: skip
    entry_id = p.repo.add_log_entry(entry, p.actor)
    p.touch(f"log:{entry_id}", f"activity:{kind.key}:{for_date}", "waived")
    return entry_id


def _check_occurrence(p: Practice, kind: ActivityKind, day: date, done: date) -> None:
    schedule = {s.kind: s for s in p.repo.activity_schedules()}.get(kind.key)
    if schedule is None:
        raise InvalidInput(
            f"{kind.key} is not on the calendar: --for names one of its occurrences "
            f"(ctcm calendar set {kind.key})"
        )
    if day > done:
        raise InvalidInput(f"--for {day} is after --date {done}: work is done for an earlier day")
    if day < schedule.start:
        raise InvalidInput(f"--for {day} is before {kind.key} was put on the calendar")
    # the schedule's own dates from its start (a rule without BYxxx repeats its start's day)
    dates = occurrence_dates(schedule.rrule, schedule.start, day, after=1)
    if day not in dates:
        nearest = min(dates, key=lambda d: abs((d - day).days), default=None)
        hint = f" (the nearest is {nearest})" if nearest else ""
        raise InvalidInput(f"{kind.key} has no occurrence on {day}{hint}")


def _evidence(p: Practice) -> dict[str, list[Evidence]]:
    """What closes each kind's occurrences: its log entries (a corrected one no longer counts);
    for the risk analysis review, each finalized analysis on its sign-off day; for exclusion
    screening, each screening run that covered every active person."""
    entries = p.repo.log_entries()
    corrected = {e.corrects for e in entries if e.corrects is not None}
    out: dict[str, list[Evidence]] = {}
    for e in entries:
        if e.id not in corrected:
            waived = any(name == WAIVED_FIELD for name, _ in e.fields)
            out.setdefault(e.kind, []).append(
                Evidence(obligation_key(e.kind), e.on, f"log:{e.id}", e.for_date, waived)
            )
    # only a finalized full Security Rule analysis is the review (not a privacy checklist or a
    # mini assessment of one change)
    full = {a.id for a in p.repo.assessments() if a.kind == "full" and a.rule is Rule.SECURITY}
    for signoff in p.repo.signoffs().values():
        if signoff.assessment_id in full:
            out.setdefault("risk-analysis", []).append(
                Evidence(
                    obligation_key("risk-analysis"), signoff.on, f"risk:{signoff.assessment_id}"
                )
            )
    # a recorded screening run of everyone is the month's exclusion screening
    active = {x.id for x in p.repo.people(active_only=True)}
    for run in p.repo.screening_runs():
        if active <= set(run.people):
            out.setdefault("exclusion-screening", []).append(
                Evidence(obligation_key("exclusion-screening"), run.on, f"screening:{run.id}")
            )
    return out


def schedule_occurrences(p: Practice, until: date) -> dict[str, list[Occurrence]]:
    """Each scheduled kind's occurrences from its start to ``until`` (and the one after), with
    their states as of today (a fixed number of queries)."""
    today = p.today
    evidence = _evidence(p)
    out: dict[str, list[Occurrence]] = {}
    for schedule in p.repo.activity_schedules():
        # two past the range: the last period needs its end, and a lone date has no period
        dates = occurrence_dates(schedule.rrule, schedule.start, max(until, today), after=2)
        out[schedule.kind] = recurring(
            obligation_key(schedule.kind),
            dates,
            evidence.get(schedule.kind, []),
            today,
            p.warn_days,
        )
    return out


def closed_by(p: Practice, kind: str, entry_id: int) -> Occurrence | None:
    """The calendar occurrence the entry closed, if its kind is on the calendar."""
    ref = f"log:{entry_id}"
    occ = schedule_occurrences(p, p.today).get(kind, [])
    return next((o for o in occ if o.evidence == ref), None)


def all_occurrences(p: Practice, until: date, since: date | None = None) -> list[Occurrence]:
    """Every scheduled occurrence from ``since`` (default: a year back) up to ``until``."""
    start = since or p.today - timedelta(days=LOOKBACK_DAYS)
    out = [
        o for occ in schedule_occurrences(p, until).values() for o in occ if start <= o.due <= until
    ]
    return sorted(out, key=lambda o: (o.due, o.key))


def activities_due(p: Practice, until: date) -> Iterable[DueItem]:
    """The program area's dated actions: the occurrences open now (overdue or coming by
    ``until``); missed ones are history, not actions."""
    names = kinds(p)
    owners = {s.kind: s.owner for s in p.repo.activity_schedules()}
    for o in all_occurrences(p, until):
        if o.state not in (State.OVERDUE, State.DUE_SOON, State.UPCOMING):
            continue
        kind = kind_of(o)
        late = " (overdue)" if o.state is State.OVERDUE else ""
        yield DueItem(
            o.due,
            "activities",
            f"{names[kind].name}{late}",
            owners.get(kind),
            o.light,
            f"activity:{kind}:{o.due.isoformat()}",
        )


@dataclass(frozen=True, slots=True)
class ActivitiesStatus:
    scheduled: int
    overdue: tuple[Occurrence, ...]
    due_soon: tuple[Occurrence, ...]
    names: dict[str, str]  # kind -> its name
    missed: tuple[Occurrence, ...] = ()  # in the last year: gaps on record, not red

    @property
    def light(self) -> Light:
        if self.overdue:
            return Light.RED
        return Light.YELLOW if self.due_soon or not self.scheduled else Light.GREEN


def activities_status(p: Practice) -> ActivitiesStatus:
    """Each kind's light follows its latest due occurrence and the coming one."""
    today = p.today
    by_kind = schedule_occurrences(p, today + timedelta(days=p.warn_days))
    overdue: list[Occurrence] = []
    due_soon: list[Occurrence] = []
    for occ in by_kind.values():
        light = light_of(occ, today)
        now = current(occ, today)
        if light is Light.RED:
            overdue.extend(o for o in now if o.state is State.OVERDUE)
        elif light is Light.YELLOW:
            due_soon.extend(o for o in now if o.state is State.DUE_SOON)
    missed = tuple(
        o
        for occ in by_kind.values()
        for o in occ
        if o.state is State.MISSED and o.due >= today - timedelta(days=LOOKBACK_DAYS)
    )
    return ActivitiesStatus(
        len(by_kind),
        tuple(overdue),
        tuple(due_soon),
        {k: v.name for k, v in kinds(p).items()},
        missed,
    )


# ----------------------------------------------------------------------------- training


def record_training(
    p: Practice,
    topic: str,
    on: date | None,
    attendees: list[str],
    doctype: str | None,
    files: list[Path],
    by: str | None,
) -> tuple[int, list[int]]:
    """Log a training session; with ``doctype`` each attendee gets a document of that type
    issued that day (their light turns green). Returns the entry id and the document ids."""
    if not attendees:
        raise InvalidInput("name at least one --attendee PERSON")
    day = on or p.today
    people = [cred.get_person(p, a) for a in dict.fromkeys(attendees)]
    dt = cred.get_doctype(p, doctype) if doctype else None
    entry_id = add_entry(
        p, TRAINING_KIND, day, by, None, files, [f"topic={check_text(topic, '--topic', 200)}"]
    )
    p.repo.set_log_attendees(entry_id, [x.id for x in people])
    doc_ids: list[int] = []
    if dt is not None:
        docs: list[Document] = [
            cred.build_document(p, x.id, dt, day, None, None, f"training session {entry_id}")
            for x in people
        ]
        doc_ids = p.repo.add_documents(docs, p.now_iso, p.actor)
    p.touch(*(f"person:{x.id}" for x in people))
    return entry_id, doc_ids


@dataclass(frozen=True, slots=True)
class TrainingRecord:
    entry: LogEntry
    topic: str
    attendees: tuple[str, ...]


def list_training(p: Practice, person: str | None) -> list[TrainingRecord]:
    if person is not None:
        cred.get_person(p, person)
    attendees = p.repo.log_attendees()
    out = []
    for e in p.repo.log_entries(TRAINING_KIND):
        who = tuple(attendees.get(e.id, ()))
        if person is None or person in who:
            out.append(TrainingRecord(e, dict(e.fields).get("topic", ""), who))
    p.touch("training", *([f"person:{person}"] if person else []))
    return out
