"""Privacy Rule records: patients' requests with their clocks, complaints, sanctions and the
notice of privacy practices. A patient is named by the practice's reference only; notes stay in
the vault and never reach a mail."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta
from pathlib import Path

from ctcm.domain import privacy as rules
from ctcm.domain.credentials import check_text
from ctcm.errors import InvalidInput, NotFound
from ctcm.services.practice import Practice
from ctcm.storage.privacyrepo import Complaint, NppVersion, PrivacyRequest, Sanction

REF_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/#]{0,39}")
PLACES = ("office", "website")
SANCTION_READERS = frozenset({"admin", "officer"})


def decide_days(p: Practice) -> int:
    raw = p.settings.get("privacy.decide_days", "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 365 else rules.DEFAULT_DECIDE_DAYS


def clock(p: Practice, r: PrivacyRequest) -> rules.RequestClock:
    due = rules.deadline(r.kind, r.received, r.extended_to, decide_days(p))
    return rules.RequestClock(
        due, (due - p.today).days, r.extended_to is not None, rules.legal_clock(r.kind)
    )


def _not_future(p: Practice, day: date, what: str) -> date:
    if day > p.today:
        raise InvalidInput(f"{what} {day} is in the future")
    return day


def _store_file(p: Practice, path: Path) -> int:
    from ctcm.areas.credentials.service import read_upload, store_blob

    att = store_blob(p, 0, path.name, read_upload(path))
    return p.repo.add_privacy_file(
        att.id, base64.b64encode(att.key).decode(), att.filename, att.sha256, att.size, p.now_iso
    )


# --------------------------------------------------------------------------- requests


def add_request(
    p: Practice,
    kind: str,
    received: date,
    patient_ref: str,
    note: str | None,
    restriction_kind: str | None,
) -> PrivacyRequest:
    if kind not in rules.KINDS:
        raise InvalidInput(f"the kind must be one of {', '.join(rules.KINDS)}")
    if not REF_RE.fullmatch(patient_ref):
        raise InvalidInput(
            "--patient-ref is the practice's reference (a chart or request number: letters, "
            "digits, . _ - / #, up to 40), never a name"
        )
    _not_future(p, received, "--received")
    if kind == "restriction":
        if restriction_kind not in rules.RESTRICTION_KINDS:
            raise InvalidInput(
                "a restriction request needs --restriction-kind out-of-pocket (a disclosure "
                "to a health plan of an item paid in full: must be agreed to) or other"
            )
    elif restriction_kind is not None:
        raise InvalidInput("--restriction-kind is for restriction requests only")
    earlier = [
        r.received
        for r in p.repo.privacy_requests()
        if r.kind == "accounting" and r.patient_ref == patient_ref
    ]
    fee = kind == "accounting" and rules.fee_allowed(received, earlier)
    request_id = p.repo.add_privacy_request(
        {
            "kind": kind,
            "received": received.isoformat(),
            "patient_ref": patient_ref,
            "note": check_text(note, "--note", 2000) if note else None,
            "restriction_kind": restriction_kind,
            "fee_allowed": int(fee),
            "reviewable": 0,
            "recorded_at": p.now_iso,
            "recorded_by": p.actor,
        }
    )
    p.touch(f"request:{request_id}")
    return get_request(p, request_id)


def get_request(p: Practice, request_id: int) -> PrivacyRequest:
    for r in p.repo.privacy_requests():
        if r.id == request_id:
            return r
    raise NotFound(f"no request {request_id} (see 'ctcm request list')")


def _open(p: Practice, request_id: int) -> PrivacyRequest:
    r = get_request(p, request_id)
    if r.closed is not None:
        raise InvalidInput(f"request {request_id} was closed on {r.closed} ({r.outcome})")
    return r


def extend_request(p: Practice, request_id: int, reason: str, notified: date) -> PrivacyRequest:
    r = _open(p, request_id)
    _not_future(p, notified, "--notified")
    refusal = rules.extension_refusal(r.kind, r.received, r.extended_to, notified)
    if refusal:
        raise InvalidInput(refusal)
    first = rules.first_deadline(r.kind, r.received)
    new_due = first + timedelta(days=rules.EXTENSION_DAYS)
    p.repo.update_privacy_request(
        request_id,
        {
            "extended_to": new_due.isoformat(),
            "extension_reason": check_text(reason, "--reason", 1000),
            "extension_notified": notified.isoformat(),
        },
    )
    p.touch(f"request:{request_id}", "extended")
    return get_request(p, request_id)


def close_request(
    p: Practice,
    request_id: int,
    outcome: str,
    on: date,
    denial_basis: str | None,
    reviewable: bool,
    letter: Path | None,
) -> PrivacyRequest:
    r = _open(p, request_id)
    if outcome not in rules.OUTCOMES:
        raise InvalidInput(f"the outcome is one of {', '.join(rules.OUTCOMES)}")
    _not_future(p, on, "--date")
    if on < r.received:
        raise InvalidInput(f"--date {on} is before the request was received ({r.received})")
    if r.kind == "restriction" and r.restriction_kind == "out-of-pocket" and outcome != "granted":
        raise InvalidInput(
            "a restriction of a disclosure to a health plan for an item paid in full out of "
            "pocket must be agreed to (45 CFR 164.522(a)(1)(vi)): record it --granted"
        )
    if outcome in ("denied", "partly") and not denial_basis:
        raise InvalidInput(
            "a denial is given in writing with its basis: add --denial-basis TEXT "
            f"({rules.CITES[r.kind]})"
        )
    if reviewable and (r.kind != "access" or outcome == "granted"):
        raise InvalidInput("--reviewable is for an access request denied in whole or part")
    values: dict[str, object] = {
        "closed": on.isoformat(),
        "outcome": outcome,
        "denial_basis": check_text(denial_basis, "--denial-basis", 2000) if denial_basis else None,
        "reviewable": int(reviewable),
    }
    if letter is not None:
        values["letter_file"] = _store_file(p, letter)
    p.repo.update_privacy_request(request_id, values)
    p.touch(f"request:{request_id}", f"closed {outcome}")
    return get_request(p, request_id)


def review_request(p: Practice, request_id: int, by: str, on: date, outcome: str) -> PrivacyRequest:
    """The review of a reviewable access denial by a licensed health care professional who did
    not take part in the denial (164.524(d)(4))."""
    r = get_request(p, request_id)
    if not r.reviewable or r.outcome not in ("denied", "partly"):
        raise InvalidInput(f"request {request_id} is not an access denial open to review")
    if r.review_by is not None:
        raise InvalidInput(f"request {request_id} was reviewed already ({r.review_outcome})")
    if outcome not in ("upheld", "overturned"):
        raise InvalidInput("give --upheld or --overturned")
    _not_future(p, on, "--date")
    p.repo.update_privacy_request(
        request_id,
        {
            "review_by": check_text(by, "--by", 200),
            "review_date": on.isoformat(),
            "review_outcome": outcome,
        },
    )
    p.touch(f"request:{request_id}", f"review {outcome}")
    return get_request(p, request_id)


# --------------------------------------------------------------------------- complaints


def add_complaint(p: Practice, received: date, about: str, note: str | None) -> Complaint:
    _not_future(p, received, "--received")
    cid = p.repo.add_complaint(
        received,
        check_text(about, "--about", 300),
        check_text(note, "--note", 2000) if note else None,
        p.now_iso,
        p.actor,
    )
    p.touch(f"complaint:{cid}")
    return get_complaint(p, cid)


def get_complaint(p: Practice, complaint_id: int) -> Complaint:
    for c in p.repo.complaints():
        if c.id == complaint_id:
            return c
    raise NotFound(f"no complaint {complaint_id} (see 'ctcm complaint list')")


def close_complaint(p: Practice, complaint_id: int, disposition: str, on: date) -> Complaint:
    c = get_complaint(p, complaint_id)
    if c.closed is not None:
        raise InvalidInput(f"complaint {complaint_id} was closed on {c.closed}")
    _not_future(p, on, "--date")
    if on < c.received:
        raise InvalidInput(f"--date {on} is before the complaint was received ({c.received})")
    p.repo.close_complaint(complaint_id, check_text(disposition, "--disposition", 2000), on)
    p.touch(f"complaint:{complaint_id}", "closed")
    return get_complaint(p, complaint_id)


# --------------------------------------------------------------------------- sanctions


def may_see_sanctions(p: Practice) -> bool:
    from ctcm.services.roles import role_of

    return role_of(p.repo.users(), p.actor) in SANCTION_READERS


def add_sanction(
    p: Practice, person_id: str, on: date, reason: str, action: str, incident: int | None
) -> Sanction:
    from ctcm.areas.credentials.service import get_person

    get_person(p, person_id)
    _not_future(p, on, "--date")
    if incident is not None and incident not in {i.id for i in p.repo.incidents()}:
        raise NotFound(f"no incident {incident} (see 'ctcm incident list')")
    s = Sanction(
        0, person_id, on, check_text(reason, "--reason", 1000),
        check_text(action, "--action", 500), incident, p.now_iso, p.actor,
    )  # fmt: skip
    sid = p.repo.add_sanction(s)
    p.touch(f"sanction:{sid}")
    return next(x for x in p.repo.sanctions() if x.id == sid)


def sanctions(p: Practice) -> list[Sanction]:
    from ctcm.services.roles import PermissionDenied

    if not may_see_sanctions(p):
        raise PermissionDenied("sanctions are shown to admins and officers only")
    p.touch("sanctions")
    return p.repo.sanctions()


# --------------------------------------------------------------------------- the NPP


def adopt_npp(p: Practice, path: Path, effective: date) -> NppVersion:
    versions = p.repo.npp_versions()
    if versions and effective <= versions[-1].effective:
        raise InvalidInput(
            f"--effective {effective} is not after the version in force ({versions[-1].effective})"
        )
    file_id = _store_file(p, path)
    vid = p.repo.add_npp_version(effective, file_id, p.now_iso, p.actor)
    p.touch(f"npp:{vid}")
    return next(v for v in p.repo.npp_versions() if v.id == vid)


def npp_in_force(p: Practice, on: date | None = None) -> NppVersion | None:
    day = on or p.today
    current = [v for v in p.repo.npp_versions() if v.effective <= day]
    return current[-1] if current else None


def posted(p: Practice, place: str, on: date) -> NppVersion:
    if place not in PLACES:
        raise InvalidInput(f"--where is one of {', '.join(PLACES)}")
    _not_future(p, on, "--date")
    version = npp_in_force(p, on)
    if version is None:
        raise InvalidInput(f"no notice of privacy practices was in force on {on}: npp adopt first")
    p.repo.add_npp_posting(version.id, place, on, p.now_iso)
    p.touch(f"npp:{version.id}", f"posted {place}")
    return version


def record_acks(p: Practice, month: str, given: int, acknowledged: int) -> None:
    if not re.fullmatch(r"(19|20|21)\d\d-(0[1-9]|1[0-2])", month):
        raise InvalidInput(f"--month {month!r} is not YYYY-MM")
    if month > p.today.strftime("%Y-%m"):
        raise InvalidInput(f"--month {month} is in the future")
    if not 0 <= acknowledged <= given <= 1_000_000:
        raise InvalidInput("--acknowledged must be between 0 and --given (at most 1,000,000)")
    p.repo.put_npp_acks(month, given, acknowledged, p.now_iso, p.actor)
    p.touch(f"npp-acks:{month}")
