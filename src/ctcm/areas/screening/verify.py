"""Primary-source verification of credentials: who checked which document at which source
(a board's license lookup, the DEA, NPPES), when, with what result, and the page seen (kept
encrypted like a scan). A document type can require it, with a re-verification interval: a
current document of that type never verified, or verified longer ago than the interval, is
YELLOW; a source that says expired, disciplined or not found is RED."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ctcm.domain.credentials import Light, check_text
from ctcm.errors import InvalidInput
from ctcm.services.practice import Practice
from ctcm.storage.verifyrepo import Verification

RESULTS = ("active", "expired", "disciplined", "not-found")


def record(
    p: Practice,
    doc_id: int,
    source: str,
    result: str,
    on: date,
    note: str | None,
    file: Path | None,
) -> Verification:
    from ctcm.areas.credentials.service import get_document, read_upload, store_blob

    doc = get_document(p, doc_id)
    if doc.void_reason is not None:
        raise InvalidInput(f"document {doc_id} was voided: verify the document in force")
    if result not in RESULTS:
        raise InvalidInput(f"--result must be one of {', '.join(RESULTS)}")
    if on > p.today:
        raise InvalidInput(f"--date {on} is in the future")
    blob = None
    filename = digest = None
    if file is not None:
        import base64

        data = read_upload(file)
        att = store_blob(p, doc_id, file.name, data)
        blob = (att.id, base64.b64encode(att.key).decode())
        filename, digest = file.name, hashlib.sha256(data).hexdigest()
    v = Verification(
        0, doc_id, check_text(source, "--source", 500), result, on,
        check_text(note, "--note", 1000) if note else None, filename, digest, p.now_iso, p.actor,
    )  # fmt: skip
    vid = p.repo.add_verification(v, blob)
    p.touch(f"document:{doc_id}", f"verification:{vid}")
    return next(x for x in p.repo.verifications() if x.id == vid)


def set_rule(p: Practice, doctype: str, every_days: int | None) -> None:
    from ctcm.areas.credentials.doctypes import get_doctype

    get_doctype(p, doctype)
    if every_days is not None and not 1 <= every_days <= 3650:
        raise InvalidInput("--every-days must be between 1 and 3650")
    p.repo.set_verify_rule(doctype, every_days, p.now_iso)
    p.touch(f"doctype:{doctype}", f"verify every {every_days} days" if every_days else "no verify")


@dataclass(frozen=True, slots=True)
class Unverified:
    person: str
    document: int
    doctype: str
    light: Light
    why: str
    due: date


def unverified(p: Practice) -> list[Unverified]:
    """The current documents of the types that need verification, that lack a good one."""
    rules = p.repo.verify_rules()
    if not rules:
        return []
    active = {x.id for x in p.repo.people(active_only=True)}
    current: dict[tuple[str, str], object] = {}
    for d in p.repo.documents():
        if d.doctype in rules and d.person_id in active and d.void_reason is None:
            current[(d.person_id, d.doctype)] = d  # ordered by id: the newest wins
    latest: dict[int, Verification] = {}
    for v in p.repo.verifications():
        if v.on <= p.today:
            latest[v.document_id] = v
    out = []
    for (person, doctype), d in sorted(current.items()):
        doc_id = d.id  # type: ignore[attr-defined]
        v = latest.get(doc_id)
        every = rules[doctype]
        if v is None:
            out.append(Unverified(person, doc_id, doctype, Light.YELLOW,
                                  "not verified at its source", p.today))  # fmt: skip
        elif v.result != "active":
            out.append(Unverified(person, doc_id, doctype, Light.RED,
                                  f"the source said {v.result} on {v.on}", v.on))  # fmt: skip
        elif v.on + timedelta(days=every) < p.today:
            due = v.on + timedelta(days=every)
            out.append(Unverified(person, doc_id, doctype, Light.YELLOW,
                                  f"verification of {v.on} is older than {every} days", due))  # fmt: skip
    return out
