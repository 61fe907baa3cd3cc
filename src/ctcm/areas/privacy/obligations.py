"""What the Privacy Rule records owe: each open patient request by its deadline, each open
complaint, a notice of privacy practices in force and posted, acknowledgments counted. A line
for a mail names a request by number and kind only: never the patient's reference or a note."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ctcm.domain.credentials import Light
from ctcm.domain.privacy import NPP_FACT_PREFIX
from ctcm.domain.program import DueItem
from ctcm.program.area import Section
from ctcm.services.practice import Practice

WARN_DAYS = 7  # a request's deadline within a week is YELLOW
COMPLAINT_DAYS = 30  # the practice's own target for deciding a complaint
ACK_MONTHS = 3  # acknowledgments not counted for any of the last three months: YELLOW


@dataclass(frozen=True, slots=True)
class OpenRequest:
    id: int
    kind: str
    received: date
    due: date
    extended: bool
    legal: bool
    light: Light


@dataclass(frozen=True, slots=True)
class PrivacyStatus:
    light: Light
    requests: tuple[OpenRequest, ...]
    complaints: tuple[tuple[int, date], ...]  # open: (id, received)
    npp: str | None  # the version in force: "N (effective D)"
    npp_missing: tuple[str, ...]  # what the NPP lacks: "no NPP adopted", "not posted at office"
    acks_missing: tuple[str, ...]  # months without a count


def privacy_status(p: Practice) -> PrivacyStatus:
    from ctcm.areas.privacy.service import clock, npp_in_force

    requests = []
    for r in p.repo.privacy_requests():
        if r.closed is not None or r.received > p.today:
            continue
        c = clock(p, r)
        light = (
            Light.RED
            if c.days_left < 0
            else Light.YELLOW
            if c.days_left <= WARN_DAYS
            else Light.GREEN
        )
        requests.append(OpenRequest(r.id, r.kind, r.received, c.due, c.extended, c.legal, light))
    complaints = tuple(
        (c.id, c.received)
        for c in p.repo.complaints()
        if c.closed is None and c.received <= p.today
    )
    version = npp_in_force(p)
    missing: list[str] = []
    acks_missing: list[str] = []
    if version is None:
        missing.append("No notice of privacy practices adopted (ctcm npp adopt FILE --effective D)")
    else:
        places = {x.place for x in p.repo.npp_postings() if x.version_id == version.id}
        # a practice with a website posts the notice there too (164.520(c)(3)(i))
        wanted = ["office"] + (["website"] if p.settings.get("contact.website") else [])
        missing += [
            f"NPP {version.id} not recorded as posted at the {w}" for w in wanted if w not in places
        ]
        changed = _practices_changed_since(p, version.effective)
        if changed is not None:
            missing.append(
                f"The manual's privacy practices changed in version {changed.number} (effective "
                f"{changed.effective}), after NPP {version.id}: revise the notice if the change "
                "is material (164.520(b)(3)) (ctcm npp adopt FILE --effective D)"
            )
        counted = {a.month for a in p.repo.npp_acks()}
        first = max(version.effective, p.today - timedelta(days=31 * ACK_MONTHS))
        acks_missing = [m for m in _months(first, p.today) if m not in counted]
    red = any(r.light is Light.RED for r in requests) or (version is None and bool(requests))
    yellow = (
        any(r.light is Light.YELLOW for r in requests)
        or any((p.today - day).days > COMPLAINT_DAYS for _, day in complaints)
        or bool(missing)
        or len(acks_missing) >= ACK_MONTHS
    )
    light = Light.RED if red else Light.YELLOW if yellow else Light.GREEN
    npp = f"{version.id} (effective {version.effective})" if version else None
    return PrivacyStatus(
        light, tuple(requests), complaints, npp, tuple(missing), tuple(acks_missing)
    )


# the manual's policies that describe what the notice of privacy practices tells patients
PRIVACY_POLICIES = (
    "19-privacy-notice", "20-patient-rights", "21-minimum-necessary", "22-uses-disclosures",
    "23-psychotherapy-notes", "24-complaints",
)  # fmt: skip


def _practices_changed_since(p: Practice, npp_effective: date) -> Any:
    """The newest manual version in force after the NPP took effect whose privacy policies
    differ from those in force when it did; None if none."""
    versions = [v for v in p.repo.manual_versions() if v.effective <= p.today]
    before = [v for v in versions if v.effective <= npp_effective]
    after = [v for v in versions if v.effective > npp_effective]
    if not before or not after:
        return None

    def privacy_text(number: int) -> list[tuple[str, str]]:
        # the policy's line naming the notice in force reads the record: adopting a notice is
        # not a change to the practices it describes
        def practices(text: str) -> str:
            return "\n".join(x for x in text.splitlines() if not x.startswith(NPP_FACT_PREFIX))

        return [(s.slug, practices(s.text)) for s in p.repo.manual_sections(number)
                if s.slug in PRIVACY_POLICIES]  # fmt: skip

    base = privacy_text(before[-1].number)
    return after[-1] if privacy_text(after[-1].number) != base else None


def _months(first: date, today: date) -> list[str]:
    """The complete months from ``first``'s month to last month."""
    out = []
    day = first.replace(day=1)
    while day < today.replace(day=1):
        out.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def _what(r: OpenRequest) -> str:
    clock = "extended deadline" if r.extended else "deadline" if r.legal else "practice target"
    return f"Patient request {r.id} ({r.kind}, received {r.received}): {clock} {r.due}"


def privacy_due(p: Practice, until: date) -> Iterable[DueItem]:
    s = privacy_status(p)
    for r in s.requests:
        if r.due <= until or r.light is not Light.GREEN:
            late = " (overdue)" if r.due < p.today else ""
            light = r.light if r.light is not Light.GREEN else Light.YELLOW
            yield DueItem(r.due, "privacy", _what(r) + late, None, light, f"request:{r.id}")
    for cid, received in s.complaints:
        target = received + timedelta(days=COMPLAINT_DAYS)
        if target <= until:
            what = f"Complaint {cid} (received {received}): decide and record its disposition"
            yield DueItem(target, "privacy", what, None, Light.YELLOW, f"complaint:{cid}")
    for line in s.npp_missing:
        yield DueItem(p.today, "privacy", line.split(" (ctcm ")[0], None, Light.YELLOW, "npp")
    if len(s.acks_missing) >= ACK_MONTHS:
        yield DueItem(p.today, "privacy",
                      f"NPP acknowledgments of receipt not counted for {', '.join(s.acks_missing)}",
                      None, Light.YELLOW, "npp:acks")  # fmt: skip


def privacy_section(p: Practice) -> Section:
    s = privacy_status(p)
    lines = [
        _what(r) + (" (OVERDUE)" if r.light is Light.RED else "")
        for r in s.requests
        if r.light is not Light.GREEN
    ]
    open_ok = [r for r in s.requests if r.light is Light.GREEN]
    if open_ok:
        lines.append(f"{len(open_ok)} patient request(s) open within their deadlines")
    lines += [f"Complaint {cid} open since {day}" for cid, day in s.complaints]
    lines += list(s.npp_missing)
    if len(s.acks_missing) >= ACK_MONTHS:
        lines.append(
            f"NPP acknowledgments not counted for {', '.join(s.acks_missing)} "
            "(ctcm npp ack --month YYYY-MM --given N --acknowledged N)"
        )
    data = {
        "status": s.light.value,
        "npp_in_force": s.npp,
        "open_requests": [
            {
                "id": r.id,
                "kind": r.kind,
                "received": r.received.isoformat(),
                "due": r.due.isoformat(),
                "extended": r.extended,
                "status": r.light.value,
            }
            for r in s.requests
        ],  # fmt: skip
        "open_complaints": [{"id": c, "received": d.isoformat()} for c, d in s.complaints],
        "npp_missing": [m.split(" (ctcm ")[0] for m in s.npp_missing],
        "acks_missing": list(s.acks_missing),
    }
    plain = tuple(line.split(" (ctcm ")[0] for line in lines)
    return Section("privacy", s.light, data, tuple(lines), plain)
