"""Credential tracking use cases: people, documents, status (document types and policies:
areas/credentials/doctypes.py)."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from ctcm.domain.credentials import (
    Dashboard,
    DocType,
    Document,
    Light,
    Person,
    PersonStatus,
    Policy,
    Waiver,
    check_email,
    check_key,
    check_text,
    evaluate_person,
)
from ctcm.domain.files import numbered
from ctcm.domain.screening import CHECKED_NUMBERS, check_number
from ctcm.domain.suggest import did_you_mean
from ctcm.errors import AlreadyExists, InvalidInput, NotFound, VaultError
from ctcm.services.practice import Practice
from ctcm.storage.repo import Attachment

MAX_ATTACHMENT = 64 << 20


# ----------------------------------------------------------------------------- lookups


def get_doctype(p: Practice, key: str) -> DocType:
    found = p.repo.doctypes().get(key)
    if found is None:
        hint = did_you_mean(key, p.repo.doctypes()) or " (see 'ctcm doctype list')"
        raise NotFound(f"unknown document type {key!r}{hint}")
    return found


def get_policy(p: Practice, key: str) -> Policy:
    found = p.repo.policies().get(key)
    if found is None:
        hint = did_you_mean(key, p.repo.policies()) or " (see 'ctcm policy list')"
        raise NotFound(f"unknown policy {key!r}{hint}")
    return found


def get_person(p: Practice, person_id: str) -> Person:
    found = p.repo.person(person_id)
    if found is None:
        raise NotFound(f"unknown person {person_id!r} (see 'ctcm person list')")
    return found


def get_document(p: Practice, doc_id: int) -> Document:
    found = p.repo.document(doc_id)
    if found is None:
        raise NotFound(f"unknown document {doc_id} (see 'ctcm doc list PERSON')")
    return found


# ----------------------------------------------------------------------------- people


def validate_person(
    p: Practice, person: Person, policies: dict[str, Policy] | None = None
) -> Person:
    policies = policies if policies is not None else p.repo.policies()
    check_key(person.id, "person id")
    for key in person.policies:
        if key not in policies:
            hint = did_you_mean(key, policies) or " (see 'ctcm policy list')"
            raise NotFound(f"unknown policy {key!r}{hint}")
    return replace(
        person,
        name=check_text(person.name, "name"),
        email=check_email(person.email),
        title=check_text(person.title, "title") if person.title else None,
        policies=tuple(sorted(set(person.policies))),
    )


def add_person(p: Practice, person: Person) -> Person:
    person = validate_person(p, person)
    if p.repo.person(person.id) is not None:
        raise AlreadyExists(f"person {person.id!r} exists already")
    p.repo.put_people([person], p.now_iso)
    p.touch(f"person:{person.id}")
    return person


def edit_person(
    p: Practice,
    person_id: str,
    name: str | None = None,
    email: str | None = None,
    title: str | None = None,
    start: date | None = None,
) -> Person:
    person = get_person(p, person_id)
    person = replace(
        person,
        name=name if name is not None else person.name,
        email=email if email is not None else person.email,
        title=title if title is not None else person.title,
        start=start if start is not None else person.start,
    )
    person = validate_person(p, person)
    p.repo.put_people([person], p.now_iso)
    p.touch(f"person:{person_id}")
    return person


def _toggle(
    p: Practice, person: Person, field: str, key: str, on: bool, missing: str, target: str
) -> Person:
    """Add or remove ``key`` in a person's ``policies`` or ``extras`` and save."""
    keys = set(getattr(person, field))
    if not on and key not in keys:
        raise InvalidInput(missing)
    (keys.add if on else keys.discard)(key)
    person = replace(person, **{field: tuple(sorted(keys))})
    p.repo.put_people([person], p.now_iso)
    p.touch(f"person:{person.id}", target)
    return person


def assign_policy(p: Practice, person_id: str, policy: str, assigned: bool) -> Person:
    person = get_person(p, person_id)
    get_policy(p, policy)
    return _toggle(
        p,
        person,
        "policies",
        policy,
        assigned,
        f"{person_id} is not assigned policy {policy!r}",
        f"policy:{policy}",
    )


def person_extra(p: Practice, person_id: str, doctype: str, required: bool) -> Person:
    person = get_person(p, person_id)
    get_doctype(p, doctype)
    return _toggle(
        p,
        person,
        "extras",
        doctype,
        required,
        f"{doctype!r} is not an extra requirement of {person_id}",
        f"doctype:{doctype}",
    )


def waive(p: Practice, person_id: str, doctype: str, reason: str, until: date | None) -> Waiver:
    get_person(p, person_id)
    get_doctype(p, doctype)
    if until is not None and until < p.today:
        raise InvalidInput(f"the waiver would end in the past ({until.isoformat()})")
    waiver = Waiver(person_id, doctype, check_text(reason, "reason", 500), until)
    p.repo.put_waiver(waiver, p.now_iso, p.actor)
    p.touch(f"person:{person_id}", f"doctype:{doctype}")
    return waiver


def unwaive(p: Practice, person_id: str, doctype: str) -> None:
    get_person(p, person_id)
    if not p.repo.delete_waiver(person_id, doctype):
        raise NotFound(f"{person_id} has no waiver for {doctype!r}")
    p.touch(f"person:{person_id}", f"doctype:{doctype}")


def set_active(p: Practice, person_id: str, active: bool, on: date | None = None) -> Person:
    person = get_person(p, person_id)
    if person.active == active:
        raise InvalidInput(f"{person_id} is already {'active' if active else 'inactive'}")
    person = replace(person, active=active, deactivated_on=None if active else (on or p.today))
    p.repo.put_people([person], p.now_iso)
    p.touch(f"person:{person_id}")
    return person


def list_people(p: Practice, include_inactive: bool = False) -> list[Person]:
    p.touch("people")
    return p.repo.people(active_only=not include_inactive)


# ----------------------------------------------------------------------------- documents


def build_document(
    p: Practice,
    person_id: str,
    doctype: DocType,
    issued: date | None,
    expires: date | None,
    number: str | None,
    note: str | None,
    force: bool = False,
) -> Document:
    """Validate one document record (shared by ``doc add`` and ``doc import``); an NPI or DEA
    number must pass its check digit unless ``force`` (a number a board really issued that
    still fails: the note records it)."""
    if number and not force:
        check_number(doctype.key, number)
    elif number and force and doctype.key in CHECKED_NUMBERS:
        note = ((note + "; ") if note else "") + "number recorded with --force (check digit fails)"
    if expires is None:
        expires = doctype.default_expiry(issued)
        if expires is None and not doctype.never_expires:
            raise InvalidInput(f"{doctype.key} expires: give --expires or --issued")
    if issued and expires and expires < issued:
        raise InvalidInput(f"expiry {expires.isoformat()} is before issue {issued.isoformat()}")
    return Document(
        0,
        person_id,
        doctype.key,
        issued,
        expires,
        check_text(number, "number") if number else None,
        check_text(note, "note", 2000) if note else None,
    )


def add_document(
    p: Practice,
    person_id: str,
    doctype: str,
    issued: date | None,
    expires: date | None,
    number: str | None,
    note: str | None,
    files: list[Path],
    future: bool = False,
    force: bool = False,
) -> int:
    get_person(p, person_id)
    dt = get_doctype(p, doctype)
    if issued is not None and issued > p.today and not future:
        raise InvalidInput(
            f"the issue date {issued} is in the future (today is {p.today}); a typo? "
            "Give --future if the document really is issued later"
        )
    doc = build_document(p, person_id, dt, issued, expires, number, note, force)
    payloads = [read_upload(path) for path in files]  # every file read before anything is written
    doc_id = p.repo.add_documents([doc], p.now_iso, p.actor)[0]
    for path, data in zip(files, payloads, strict=True):
        _store_attachment(p, doc_id, path.name, data)
    p.touch(f"document:{doc_id}", f"person:{person_id}")
    return doc_id


def read_upload(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_ATTACHMENT:
            raise InvalidInput(f"{path} is larger than {MAX_ATTACHMENT >> 20} MiB")
        return path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"file {path} does not exist") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a directory, not a file") from None
    except PermissionError:
        raise InvalidInput(f"permission denied reading {path}") from None


def store_blob(p: Practice, doc_id: int, filename: str, data: bytes) -> Attachment:
    """Encrypt ``data`` into a new blob under its own random key; return its description
    (``doc_id`` is the record it belongs to: a document, or a log entry)."""
    key = secrets.token_bytes(32)
    blob_id = p.vault.put_blob(key, data)
    media = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return Attachment(
        blob_id, doc_id, filename, media, len(data), hashlib.sha256(data).hexdigest(), key
    )


def _store_attachment(p: Practice, doc_id: int, filename: str, data: bytes) -> Attachment:
    att = store_blob(p, doc_id, filename, data)
    p.repo.add_attachment(att, p.now_iso)
    return att


def attach(p: Practice, doc_id: int, files: list[Path]) -> list[Attachment]:
    get_document(p, doc_id)
    payloads = [read_upload(path) for path in files]
    stored = [
        _store_attachment(p, doc_id, path.name, data)
        for path, data in zip(files, payloads, strict=True)
    ]
    p.touch(f"document:{doc_id}", *(f"attachment:{a.id}" for a in stored))
    return stored


@dataclass(frozen=True, slots=True)
class DocumentDetail:
    document: Document
    person: Person
    doctype: DocType
    current: bool
    attachments: tuple[Attachment, ...]


def describe_recorded(p: Practice, doc_id: int) -> str:
    """What ``doc add`` recorded, in one line: type, person, id, expiry and the light now."""
    doc = get_document(p, doc_id)
    person = get_person(p, doc.person_id)
    status = person_status(p, doc.person_id)
    light = next(
        (r.status.value.upper() for r in status.requirements if r.doctype == doc.doctype),
        "not required of them",
    )
    if doc.expires is not None:
        when = f"expires {doc.expires.day} {doc.expires:%B %Y}"
    else:
        when = "no expiry"
    return f"Recorded {doc.doctype} for {person.name}, #{doc.id}: {when}, {light}."


def void_document(p: Practice, doc_id: int, reason: str) -> Document:
    """Take a document entered in error out of force: it stays in the history, marked voided
    with the reason, and the audit trail records who did it. The one recorded before it (if
    any) is in force again."""
    doc = get_document(p, doc_id)
    if doc.void_reason is not None:
        raise InvalidInput(f"document {doc_id} is voided already ({doc.void_reason})")
    reason = check_text(reason, "--reason", 500) if reason and reason.strip() else ""
    if not reason:
        raise InvalidInput("say why the document is voided (--reason TEXT)")
    p.repo.void_document(doc_id, reason, p.now_iso, p.actor)
    p.touch(f"document:{doc_id}", f"person:{doc.person_id}", "voided")
    return doc


def show_document(p: Practice, doc_id: int) -> DocumentDetail:
    doc = get_document(p, doc_id)
    current = p.repo.current_documents().get((doc.person_id, doc.doctype))
    p.touch(f"document:{doc_id}")
    return DocumentDetail(
        doc,
        get_person(p, doc.person_id),
        get_doctype(p, doc.doctype),
        current is not None and current.id == doc.id,
        tuple(p.repo.attachments(doc_id)),
    )


def list_documents(
    p: Practice, person_id: str, include_history: bool
) -> list[tuple[Document, bool]]:
    """The person's documents with a flag 'in force'; history only with ``include_history``."""
    get_person(p, person_id)
    current_ids = {d.id for (pid, _), d in p.repo.current_documents().items() if pid == person_id}
    docs = p.repo.documents(person_id)
    p.touch(f"person:{person_id}")
    return [(d, d.id in current_ids) for d in docs if include_history or d.id in current_ids]


_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(name: str, fallback: str) -> str:
    """A file name that cannot leave the target directory or hide itself."""
    base = _UNSAFE.sub("_", os.path.basename(name.replace("\\", "/"))).strip(" .")
    return base[:120] or fallback


def export_attachments(p: Practice, doc_id: int, out_dir: Path) -> list[Path]:
    """Decrypt a document's attachments into ``out_dir`` (0600 files; never outside it)."""
    get_document(p, doc_id)
    attachments = p.repo.attachments(doc_id)
    if not attachments:
        raise NotFound(f"document {doc_id} has no attachments")
    plain = []
    for att in attachments:
        data = p.vault.get_blob(att.key, att.id)
        if hashlib.sha256(data).hexdigest() != att.sha256:
            raise VaultError(f"attachment {att.id} of document {doc_id} does not match its digest")
        plain.append((att, data))
    try:
        out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InvalidInput(f"{out_dir} is not a directory") from None
    written = []
    for att, data in plain:
        name = safe_filename(att.filename, f"attachment-{att.id[:8]}")
        target = out_dir / numbered(name, lambda n: (out_dir / n).exists())
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        written.append(target)
    p.touch(f"document:{doc_id}", *(f"attachment:{a.id}" for a, _ in plain))
    return written


# ----------------------------------------------------------------------------- status


def dashboard(p: Practice, light: Light | None = None, policy: str | None = None) -> Dashboard:
    """Every active person's lights on ``p.today``, in a fixed number of queries. ``light``
    keeps the people with at least one requirement of that light (a person who is red for one
    document and has another expiring soon shows under yellow too)."""
    if policy is not None:
        get_policy(p, policy)
    people = [
        s
        for s in evaluate_active(p, policy)
        if light is None or any(r.status is light for r in s.requirements)
    ]
    p.touch("status")
    return Dashboard(p.today, p.settings.get("practice_name", ""), tuple(people))


def other_requirements(p: Practice, people: list[Person]) -> dict[str, tuple[Any, ...]]:
    """What the other areas add to each person's light (ctcm.registry: person_requirements)."""
    from ctcm.registry import person_requirement_functions

    out: dict[str, tuple[Any, ...]] = {}
    for function in person_requirement_functions():
        for pid, reqs in function(p, people).items():
            out[pid] = out.get(pid, ()) + tuple(reqs)
    return out


def evaluate_active(p: Practice, policy: str | None = None) -> list[PersonStatus]:
    """The traffic lights of every active person (optionally those assigned ``policy``)."""
    doctypes = p.repo.doctypes()
    policies = p.repo.policies()
    docs = p.repo.current_documents()
    waivers = p.repo.waivers()
    per_docs: dict[str, dict[str, Document]] = {}
    for (pid, dt), d in docs.items():
        per_docs.setdefault(pid, {})[dt] = d
    per_waivers: dict[str, dict[str, Waiver]] = {}
    for (pid, dt), w in waivers.items():
        per_waivers.setdefault(pid, {})[dt] = w
    today, warn_days = p.today, p.warn_days
    active = [x for x in p.repo.people(active_only=True) if policy is None or policy in x.policies]
    acks = other_requirements(p, active)
    people = [
        evaluate_person(
            person,
            policies,
            doctypes,
            per_docs.get(person.id, {}),
            per_waivers.get(person.id, {}),
            today,
            warn_days,
            acks.get(person.id, ()),
        )
        for person in active
    ]
    return people


def person_status(p: Practice, person_id: str) -> PersonStatus:
    person = get_person(p, person_id)
    if not person.active:
        raise InvalidInput(f"{person_id} is inactive (deactivated {person.deactivated_on})")
    docs = {dt: d for (pid, dt), d in p.repo.current_documents().items() if pid == person_id}
    waivers = {dt: w for (pid, dt), w in p.repo.waivers().items() if pid == person_id}
    p.touch(f"person:{person_id}")
    return evaluate_person(
        person,
        p.repo.policies(),
        p.repo.doctypes(),
        docs,
        waivers,
        p.today,
        p.warn_days,
        other_requirements(p, [person]).get(person.id, ()),
    )
