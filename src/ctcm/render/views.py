"""View models of credential tracking: the documented JSON shapes and their table rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ctcm.domain.credentials import (
    Dashboard,
    DocType,
    Document,
    Light,
    Person,
    PersonStatus,
    Policy,
    Reason,
    RequirementStatus,
)
from ctcm.render.formats import JSON_ENCODER, RawJSON, View


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def requirement_json(r: RequirementStatus) -> dict[str, Any]:
    # The light goes in as the StrEnum itself (a str, written as its value) and the dates are
    # formatted inline: this runs 60,000 times for a large practice's status.
    expires, waived = r.expires, r.waived_until
    out = {
        "doctype": r.doctype,
        "name": r.name,
        "status": r.status,
        "expires": expires.isoformat() if expires else None,
        "days_left": r.days_left,
        "document_id": r.document_id,
        "waived_until": waived.isoformat() if waived else None,
    }
    if r.manual_version is not None:  # "@manual": "expires" is the acknowledgment's due date
        out["manual_version"] = r.manual_version
        out["acknowledged"] = r.acknowledged.isoformat() if r.acknowledged else None
    return out


def person_status_json(s: PersonStatus) -> dict[str, Any]:
    return {
        "id": s.person.id,
        "name": s.person.name,
        "status": s.status,
        "requirements": [requirement_json(r) for r in s.requirements],
    }


def person_status_raw(s: PersonStatus, strings: dict[str, str]) -> RawJSON:
    """``person_status_json`` written straight to JSON text (same keys, same order): the
    dashboard of a large practice does this for every person, and building 60,000 dicts for
    the encoder cost more than the whole table. ``strings`` caches encoded type keys and
    names, which repeat across people."""
    enc = JSON_ENCODER.encode

    def cached(text: str) -> str:
        found = strings.get(text)
        if found is None:
            found = strings[text] = enc(text)
        return found

    reqs = ", ".join(
        f'{{"doctype": {cached(r.doctype)}, "name": {cached(r.name)}, "status": "{r.status}", '
        f'"expires": {_raw_date(r.expires)}, "days_left": {_raw_int(r.days_left)}, '
        f'"document_id": {_raw_int(r.document_id)}, '
        f'"waived_until": {_raw_date(r.waived_until)}}}'
        for r in s.requirements
    )
    return RawJSON(
        f'{{"id": {enc(s.person.id)}, "name": {enc(s.person.name)}, "status": "{s.status}", '
        f'"requirements": [{reqs}]}}'
    )


def _raw_date(day: date | None) -> str:
    return f'"{day.isoformat()}"' if day else "null"


def _raw_int(n: int | None) -> str:
    return "null" if n is None else str(int(n))


def days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def why(r: RequirementStatus) -> str:
    """Plain-language reason for a requirement's light."""
    match r.reason:
        case Reason.MISSING:
            return "missing"
        case Reason.EXPIRED:
            return f"expired {days(-(r.days_left or 0))} ago"
        case Reason.EXPIRING:
            return "expires today" if r.days_left == 0 else f"expires in {days(r.days_left or 0)}"
        case Reason.WAIVED:
            return f"waived until {r.waived_until}" if r.waived_until else "waived"
        case Reason.NO_EXPIRY:
            return "on file (no expiry)"
        case Reason.CURRENT:
            return "current"
        case Reason.ACKNOWLEDGED:
            return f"acknowledged on {r.acknowledged}"
        case Reason.CANDIDATE:
            return "possible match on an exclusion list: verify it"
        case Reason.EXCLUDED:
            return "on a federal exclusion list (confirmed)"
        case Reason.NOT_SCREENED:
            if (r.days_left or 0) > 0:
                return f"to screen before the start on {r.expires}"
            return f"not screened at hire (start {r.expires})"
        case Reason.UNACKNOWLEDGED:
            if (r.days_left or 0) < 0:
                return f"not acknowledged, due {days(-(r.days_left or 0))} ago ({r.expires})"
            return f"not acknowledged yet, due by {r.expires}"
    return r.reason.value


def _occurrence_json(acts: Any, o: Any) -> dict[str, Any]:
    kind = o.key.removeprefix("activity:")
    return {"kind": kind, "name": acts.names[kind], "date": o.due.isoformat()}


def activities_json(acts: Any) -> dict[str, Any]:
    return {
        "status": acts.light.value,
        "scheduled": acts.scheduled,
        "overdue": [_occurrence_json(acts, o) for o in acts.overdue],
        "due_soon": [_occurrence_json(acts, o) for o in acts.due_soon],
        "missed": [_occurrence_json(acts, o) for o in acts.missed],
    }


def activity_lines(acts: Any) -> list[str]:
    """The program section's lines about the compliance calendar (missed occurrences of the
    last year are gaps on record: said, but not red)."""
    if not acts.scheduled:
        return ["No security activities are on the calendar (ctcm calendar set KIND)"]

    def name(o: Any) -> str:
        return str(acts.names[o.key.removeprefix("activity:")])

    missed: dict[tuple[str, str], list[str]] = {}
    for o in acts.missed:
        missed.setdefault((o.key.removeprefix("activity:"), name(o)), []).append(o.due.isoformat())
    return (
        [f"Activity overdue since {o.due}: {name(o)}" for o in acts.overdue]
        + [f"Activity due {o.due}: {name(o)}" for o in acts.due_soon]
        + [
            f"Missed in the last year: {n} on {', '.join(days)} "
            f"(ctcm log add {kind} --for DATE records late work)"
            for (kind, n), days in missed.items()
        ]
    )


def program_json(program: Any) -> dict[str, Any]:
    draft = program.draft
    return {
        "status": program.light.value,
        "security_officer": program.security_officer,
        "privacy_officer": program.privacy_officer,
        "last_risk_analysis": (
            {
                "id": program.last_full.id,
                "date": program.signed.on.isoformat(),
                "finalized_by": program.signed.by,
            }
            if program.last_full and program.signed
            else None
        ),
        "risk_analysis_due": program.review_due.isoformat() if program.review_due else None,
        "risk_analysis_stale": program.stale,
        "risk_analysis_in_progress": (
            {
                "id": draft.id,
                "answered": draft.answered,
                "items": draft.items,
                "scenarios_rated": draft.rated,
                "scenarios": draft.scenarios,
                "scenarios_open": draft.open,
            }
            if draft
            else None
        ),
        "required_not_implemented": [
            {"citation": c, "name": n, "assessment": program.findings_from}
            for c, n in program.required_gaps
        ],
        "safeguards_changed_since": [
            {"citation": c, "assessment": m, "status": st} for c, m, st in program.changed_since
        ],
        "high_risks_without_plan": [
            {"scenario": s, "title": t, "level": lv} for s, t, lv in program.unplanned_high_risks
        ],
        "overdue_tasks": [
            {"id": t.id, "action": t.action, "owner": t.owner, "due": t.due.isoformat()}
            for t in program.overdue_tasks
        ],
        "open_high_risks": [
            {"scenario": s, "title": t, "level": lv} for s, t, lv in program.open_high_risks
        ],
        "warnings": program.warnings,
    }


def incidents_json(inc: Any) -> dict[str, Any]:
    return {
        "status": inc.light.value,
        "open": inc.open,
        "unassessed": list(inc.unassessed),
        "deadlines": [
            {"incident": n, "to": s.deadline.key, "due": s.deadline.due.isoformat()}
            for n, s in inc.deadlines
        ],
    }


def worst_light(program: Any, sections: Sequence[Any]) -> Light:
    """The security program's light: the worst of the risk analysis and every area."""
    light: Light = program.light
    for section in sections:
        if section.light.severity > light.severity:
            light = section.light
    return light


NOTHING_TRACKED = "nothing tracked: no compliance policy assigned (ctcm person assign)"


def program_lines(program: Any, sections: Sequence[Any]) -> list[str]:
    """What the security program says needs attention: the risk analysis's warnings and open
    high risks, then every area's lines."""
    return (
        program.warnings
        + [
            f"Open {lv} risk {s}: {t}"
            for s, t, lv in program.open_high_risks
            if (s, t, lv) not in program.unplanned_high_risks
        ]
        + [line for section in sections for line in section.lines]
    )


def dashboard_view(d: Dashboard, program: Any = None, sections: Sequence[Any] = ()) -> View:
    summary = d.summary()

    def data() -> dict[str, Any]:
        doc = {
            "as_of": d.as_of.isoformat(),
            "practice": d.practice,
            "summary": summary,
            "people": [person_status_raw(p, strings) for p in d.people],
        }
        if program is not None:
            doc["program"] = program_json(program)
            doc["program"]["risk"] = {"status": program.light.value}
            for section in sections:
                doc["program"][section.key] = section.data
            doc["program"]["status"] = light.value  # the worst of every area
        return doc

    strings: dict[str, str] = {}

    def rows() -> list[list[Any]]:
        out = []
        for p in d.people:
            problems = [
                f"{r.doctype if r.is_document else r.kind}: {why(r)}"
                for r in p.requirements
                if r.status.severity > 0
            ]
            if not p.tracks_documents:
                problems = [NOTHING_TRACKED, *problems]
            out.append(
                [
                    p.person.id,
                    p.person.name,
                    p.status.value,
                    len(p.requirements),
                    sum(1 for r in p.requirements if r.status is Light.YELLOW),
                    sum(1 for r in p.requirements if r.status is Light.RED),
                    "; ".join(problems),
                ]
            )
        return out

    footer = (
        f"{len(d.people)} people: {summary['green']} green, {summary['yellow']} yellow, "
        f"{summary['red']} red"
    )
    if program is not None:
        lines = program_lines(program, sections)
        light = worst_light(program, sections)
        areas = ", ".join(
            f"{key} {lit.value.upper()}"
            for key, lit in [("risk", program.light), *((s.key, s.light) for s in sections)]
        )
        footer += (
            f"\n\nSecurity program: {light.value.upper()}"
            + (f" ({areas})" if sections else "")
            + (" (a finalized risk analysis, nothing to act on)" if not lines else "")
        )
        footer += "".join(f"\n  ! {line}" for line in lines)
    return View(
        data,
        ["id", "name", "status", "required", "yellow", "red", "attention"],
        rows,
        title=f"{d.practice} - compliance as of {d.as_of.isoformat()}",
        footer=footer,
    )


def person_status_view(s: PersonStatus, as_of: date) -> View:
    rows = [
        [r.doctype, r.name, r.status.value, _iso(r.expires), r.days_left, why(r), r.document_id]
        for r in s.requirements
    ]
    return View(
        person_status_json(s),
        ["doctype", "name", "status", "expires", "days_left", "why", "document"],
        rows,
        title=f"{s.person.name} ({s.person.id}): {s.status.value.upper()} "
        f"as of {as_of.isoformat()}",
        footer=None if s.tracks_documents else NOTHING_TRACKED.capitalize(),
    )


def doctype_json(d: DocType) -> dict[str, Any]:
    return {
        "key": d.key,
        "name": d.name,
        "category": d.category.value,
        "validity_months": d.validity_months,
        "validity_days": d.validity_days,
        "no_expiry": d.never_expires,
        "warn_days": d.warn_days,
        "provided_by_practice": d.provided,
        "archived": d.archived,
    }


def doctypes_view(items: Sequence[DocType], default_warn: int) -> View:
    rows = [
        [
            d.key,
            d.name,
            d.category.value,
            d.validity_text,
            d.warn_days if d.warn_days is not None else f"{default_warn} (default)",
            "practice" if d.provided else "staff",
            d.archived,
        ]
        for d in items
    ]
    return View(
        [doctype_json(d) for d in items],
        ["key", "name", "category", "validity", "warn_days", "provided_by", "archived"],
        rows,
        status_column=None,
    )


def doctype_view(d: DocType, used_by: Sequence[str], default_warn: int) -> View:
    data = doctype_json(d) | {"required_by": list(used_by)}
    return View(
        data,
        details=[
            ("key", d.key),
            ("name", d.name),
            ("category", d.category.value),
            ("validity", d.validity_text),
            ("warning window", f"{d.warn_days if d.warn_days is not None else default_warn} days"),
            ("provided by", "the practice (never asked of staff)" if d.provided else "staff"),
            ("archived", "yes" if d.archived else "no"),
            ("required by policies", ", ".join(used_by) or "(none)"),
        ],
    )


def policy_json(p: Policy) -> dict[str, Any]:
    return {"key": p.key, "name": p.name, "requires": list(p.requires)}


def policies_view(items: Sequence[Policy]) -> View:
    return View(
        [policy_json(p) for p in items],
        ["key", "name", "requires"],
        [[p.key, p.name, list(p.requires)] for p in items],
        status_column=None,
    )


def policy_view(p: Policy, people: Sequence[str]) -> View:
    return View(
        policy_json(p) | {"people": list(people)},
        details=[
            ("key", p.key),
            ("name", p.name),
            ("requires", ", ".join(p.requires) or "(nothing)"),
            ("assigned to", ", ".join(people) or "(nobody)"),
        ],
    )


def person_json(p: Person) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "email": p.email,
        "title": p.title,
        "start": _iso(p.start),
        "active": p.active,
        "deactivated_on": _iso(p.deactivated_on),
        "policies": list(p.policies),
        "extras": list(p.extras),
    }


def people_view(items: Sequence[Person]) -> View:
    return View(
        [person_json(p) for p in items],
        ["id", "name", "email", "title", "policies", "extras", "active"],
        [
            [p.id, p.name, p.email, p.title, list(p.policies), list(p.extras), p.active]
            for p in items
        ],
        status_column=None,
    )


def person_view(p: Person, waivers: Sequence[tuple[str, str, date | None]]) -> View:
    data = person_json(p) | {
        "waivers": [{"doctype": d, "reason": r, "until": _iso(u)} for d, r, u in waivers]
    }
    details = [
        ("id", p.id),
        ("name", p.name),
        ("email", p.email),
        ("title", p.title or ""),
        ("start", _iso(p.start) or ""),
        ("active", "yes" if p.active else f"no (since {p.deactivated_on})"),
        ("policies", ", ".join(p.policies) or "(none)"),
        ("extra requirements", ", ".join(p.extras) or "(none)"),
    ]
    details += [("waiver", f"{d}: {r}" + (f" (until {u})" if u else "")) for d, r, u in waivers]
    return View(data, details=details)


def document_json(d: Document, in_force: bool) -> dict[str, Any]:
    return {
        "id": d.id,
        "person": d.person_id,
        "doctype": d.doctype,
        "issued": _iso(d.issued),
        "expires": _iso(d.expires),
        "number": d.number,
        "note": d.note,
        "in_force": in_force,
        "attachments": d.attachments,
        "voided": d.void_reason,
    }


def documents_view(items: Sequence[tuple[Document, bool]]) -> View:
    return View(
        [document_json(d, f) for d, f in items],
        ["id", "doctype", "issued", "expires", "number", "in_force", "attachments"],
        [
            [
                d.id,
                d.doctype,
                _iso(d.issued),
                _iso(d.expires),
                d.number,
                f"voided: {d.void_reason}" if d.void_reason else f,
                d.attachments,
            ]
            for d, f in items
        ],
        status_column=None,
    )
