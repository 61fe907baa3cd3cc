"""Staff self-service submissions: ``ctcm submit`` seals a renewed document for the vault with
the practice's public submission key (no vault access needed); the office reviews the drop
folder with ``ctcm inbox`` and accepts (a document with its scan) or rejects each one.

Anyone who has the key file can submit for anyone: a submission is a proposal that a person
with the manager role reviews, never a record by itself.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ctcm.domain.credentials import check_key, check_text
from ctcm.errors import InvalidInput, NotFound
from ctcm.services.practice import Practice
from ctcm.vault import submission as sub

SUFFIX = ".ctcmsub"
SUBMIT_LIMIT = 20 << 20  # a scan or phone photo of a document; larger is a mistake


# ---------------------------------------------------------------------------- the vault's side


def inbox_key(p: Practice, drop: Path | None) -> sub.InboxKey:
    """The practice's submission key (made on first use), and where submissions are dropped."""
    header = p.header
    if drop is not None:
        p.set_settings({"inbox_dir": str(drop.expanduser().resolve())})
    if "inbox" not in header:
        private, public = sub.new_key_pair()
        key_id = base64.b32encode(secrets.token_bytes(5)).decode().lower()
        p.set_settings(
            {"inbox.private": base64.b64encode(private).decode(), "inbox.key_id": key_id}
        )
        header["inbox"] = {"key_id": key_id, "pub": base64.b64encode(public).decode()}
        p.touch(f"inbox key {key_id}")
    return sub.InboxKey(
        base64.b64decode(header["inbox"]["pub"]),
        header["inbox"]["key_id"],
        header["vault_id"],
        p.settings.get("practice_name", ""),
    )


def drop_dir(p: Practice, given: Path | None = None) -> Path:
    if given is not None:
        return given
    if p.settings.get("inbox_dir"):
        return Path(p.settings["inbox_dir"])
    return p.vault.root / "inbox"


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    path: Path
    meta: dict[str, Any] | None
    content: bytes | None
    refused: str | None  # why it cannot be accepted

    @property
    def status(self) -> str:
        return "refused" if self.refused else "pending"


# a sealed submission: a scan of at most SUBMIT_LIMIT, its metadata and the envelope
MAX_SEALED = SUBMIT_LIMIT + (1 << 20)


def _open(p: Practice, path: Path) -> Entry:
    """One submission file, checked before it is read: a symbolic link, or a file larger than
    any submission can be, is refused without reading it."""
    if path.is_symlink():
        name_id = hashlib.sha256(path.name.encode()).hexdigest()[:10]
        return Entry(name_id, path, None, None, "a symbolic link, not a submission file")
    size = path.stat().st_size
    if size > MAX_SEALED:
        name_id = hashlib.sha256(path.name.encode()).hexdigest()[:10]
        return Entry(
            name_id, path, None, None, f"{size >> 20} MiB: larger than any submission can be"
        )
    data = path.read_bytes()
    entry_id = hashlib.sha256(data).hexdigest()[:10]
    if "inbox" not in p.header or not p.settings.get("inbox.private"):
        return Entry(entry_id, path, None, None, "this vault has no submission key yet")
    try:
        meta, content = sub.open_sealed(
            data,
            base64.b64decode(p.settings["inbox.private"]),
            p.header["vault_id"],
            p.settings["inbox.key_id"],
        )
    except sub.SubmissionRefused as err:
        return Entry(entry_id, path, None, None, str(err))
    wrong = _wrong_meta(meta)
    if wrong:
        return Entry(
            entry_id, path, None, None, f"its contents are not a ctcm submission ({wrong})"
        )
    return Entry(entry_id, path, meta, content, None)


_REQUIRED = ("person", "doctype")
_OPTIONAL = ("issued", "expires", "filename", "submitted_on")


def _wrong_meta(meta: object) -> str | None:
    """What is wrong with a submission's metadata, else None. Whoever holds the submission key
    writes it, so it can be any JSON at all: only the shape ``submit`` writes is accepted."""
    if not isinstance(meta, dict):
        return "no metadata"
    for name in _REQUIRED:
        if not isinstance(meta.get(name), str) or not meta[name]:
            return f"no {name}"
    for name in _OPTIONAL:
        if meta.get(name) is not None and not isinstance(meta[name], str):
            return f"{name} is not text"
    return None


def entries(p: Practice, directory: Path | None) -> list[Entry]:
    folder = drop_dir(p, directory)
    if not folder.is_dir():
        if directory is None and not p.settings.get("inbox_dir"):
            return []  # the default folder, never used yet: truly nothing submitted
        # a folder named or configured that is not there (a typo, an unmounted share) is a
        # doubt, never "no submissions waiting"
        raise NotFound(f"the drop folder {folder} does not exist (or is not mounted)")
    out = [_open(p, f) for f in sorted(folder.glob(f"*{SUFFIX}")) if f.is_symlink() or f.is_file()]
    p.touch("inbox", *(f"submission:{e.id}" for e in out))
    return out


def get_entry(p: Practice, entry_id: str, directory: Path | None) -> Entry:
    found = [e for e in entries(p, directory) if e.id.startswith(entry_id.lower())]
    if not found:
        raise NotFound(f"no submission {entry_id!r} in {drop_dir(p, directory)} (ctcm inbox list)")
    if len(found) > 1:
        raise InvalidInput(f"{entry_id!r} matches several submissions; give more characters")
    return found[0]


def accept(p: Practice, entry_id: str, directory: Path | None) -> int:
    """The submission becomes a document with its scan; the file goes once the vault is saved."""
    from ctcm.areas.credentials import service as cred
    from ctcm.domain.dates import parse_optional_date

    e = get_entry(p, entry_id, directory)
    if e.refused or e.meta is None or e.content is None:
        raise InvalidInput(f"submission {e.id} is refused: {e.refused}")
    done = decided(p).get(e.id)
    if done is not None:  # a retry after a crash, or the same file dropped again
        p.after_save.append(lambda: e.path.unlink(missing_ok=True))
        p.touch(f"submission:{e.id} seen again")
        raise AlreadyDecided(
            f"submission {e.id} was {done} already: nothing recorded twice; its file is removed"
        )
    m = e.meta
    try:
        person = cred.get_person(p, m["person"])
    except NotFound:
        raise InvalidInput(
            f"submission {e.id} names person {m['person']!r}, who is not in this vault: "
            f"reject it (ctcm inbox reject {e.id} --reason ...)"
        ) from None
    try:
        doctype = cred.get_doctype(p, m["doctype"])
    except NotFound:
        raise InvalidInput(
            f"submission {e.id} names document type {m['doctype']!r}, unknown here: reject it, "
            "or add the type first"
        ) from None
    issued = parse_optional_date(m.get("issued"), "issued")
    expires = parse_optional_date(m.get("expires"), "expires")
    note = f"submitted by staff on {m.get('submitted_on')} (inbox {e.id})"
    doc = cred.build_document(p, person.id, doctype, issued, expires, None, note)
    doc_id = p.repo.add_documents([doc], p.now_iso, p.actor)[0]
    name = m.get("filename")  # hostile metadata may hold anything: only a string is a name
    filename = cred.safe_filename(name if isinstance(name, str) else "", "scan")
    att = cred.store_blob(p, doc_id, filename, e.content)
    p.repo.add_attachment(att, p.now_iso)
    p.touch(f"submission:{e.id} accepted", f"document:{doc_id}", f"person:{person.id}")
    _decide(p, e, "accepted", f"document {doc_id}")
    p.after_save.append(lambda: e.path.unlink(missing_ok=True))
    return doc_id


class AlreadyDecided(Exception):
    """A submission decided before (accepted or rejected): not an error. The command still
    saves (the sighting audited, then the file removed) and says so, recording nothing twice
    (see ``cli/inbox.py``)."""


def decided(p: Practice) -> dict[str, str]:
    """Submission id -> what was decided ("accepted on 2026-03-02 (document 12)"), from the
    delivery ledger, where each decision is recorded in the same commit as its effect."""
    out = {}
    for e in p.repo.deliveries("submission"):
        if e.about and e.about.startswith("submission:"):
            out[e.about.split(":", 1)[1]] = f"{e.status} on {e.threshold_date} ({e.note})"
    return out


def _decide(p: Practice, e: Entry, what: str, note: str) -> None:
    from ctcm.domain.reminders import LedgerEntry

    p.repo.add_deliveries(
        [
            LedgerEntry(
                kind="submission",
                status=what,
                at=p.now_iso,
                person_id=(e.meta or {}).get("person"),
                about=f"submission:{e.id}",
                threshold_date=p.today,
                note=note,
            )
        ]
    )


def reject(p: Practice, entry_id: str, reason: str, directory: Path | None) -> Entry:
    """Refuse a submission; the reason goes to the person with their next reminder run (it is
    queued in the delivery ledger), when they are in this vault with an address."""
    from ctcm.domain.reminders import LedgerEntry

    e = get_entry(p, entry_id, directory)
    why = check_text(reason, "--reason")
    who = (e.meta or {}).get("person", "unknown")
    done = decided(p).get(e.id)
    if done is not None:
        p.after_save.append(lambda: e.path.unlink(missing_ok=True))
        p.touch(f"submission:{e.id} seen again")
        raise AlreadyDecided(
            f"submission {e.id} was {done} already: nothing recorded twice; its file is removed"
        )
    p.touch(f"submission:{e.id} rejected", f"person:{who}", f"reason: {why}")
    _decide(p, e, "rejected", why[:200])
    if who in {x.id for x in p.repo.people(active_only=True)}:
        p.repo.add_deliveries(
            [
                LedgerEntry(
                    kind="rejection",
                    status="queued",
                    at=p.now_iso,
                    person_id=who,
                    doctype=(e.meta or {}).get("doctype"),
                    about=f"submission:{e.id}",
                    threshold_date=p.today,
                    note=why,
                )
            ]
        )
    p.after_save.append(lambda: e.path.unlink(missing_ok=True))
    return e


@dataclass(frozen=True, slots=True)
class Rejection:
    about: str  # "submission:<id>"
    doctype: str | None
    on: date
    reason: str

    def say(self, names: dict[str, str]) -> str:
        what = names.get(self.doctype or "", self.doctype or "a document")
        return f"{what} you sent in (rejected on {self.on:%B} {self.on.day}): {self.reason}"


def pending_rejections(p: Practice) -> dict[str, list[Rejection]]:
    """Rejected submissions whose reason has not yet gone to the person, by person."""
    rows = p.repo.deliveries("rejection")
    told = {e.about for e in rows if e.status in ("sent", "claimed")}
    out: dict[str, list[Rejection]] = {}
    for e in rows:
        if e.status == "queued" and e.about not in told and e.person_id and e.threshold_date:
            out.setdefault(e.person_id, []).append(
                Rejection(e.about or "", e.doctype, e.threshold_date, e.note or "")
            )
    return out


# ---------------------------------------------------------------------------- the staff side


@dataclass(frozen=True, slots=True)
class Submission:
    """What ``ctcm submit`` is about to seal, checked and shown before sealing."""

    key: sub.InboxKey
    person: str
    doctype: str
    doctype_name: str | None  # known from a submit card
    issued: date | None
    expires: date | None
    file: Path
    kind: str  # "PDF", "JPEG image", ...
    content: bytes
    out: Path

    def preview(self) -> list[str]:
        what = f"{self.doctype_name} ({self.doctype})" if self.doctype_name else self.doctype
        size = len(self.content)
        shown = f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(1, size // 1024)} KB"
        return [
            f"Person:   {self.person}",
            f"Document: {what}",
            f"Issued:   {_long(self.issued)}",
            f"Expires:  {_long(self.expires)}",
            f"File:     {self.file.name} ({self.kind}, {shown})",
            f"For:      {self.key.practice or 'the practice'}, key {sub.fingerprint(self.key.pub)}",
            f"Into:     {self.out}",
        ]


def _long(day: date | None) -> str:
    return f"{day:%B} {day.day}, {day.year} ({day.isoformat()})" if day else "(not given)"


def key_fingerprint(key: sub.InboxKey) -> str:
    return sub.fingerprint(key.pub)


def read_key(key_file: Path) -> tuple[sub.InboxKey, sub.Card | None]:
    try:
        text = key_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"key file {key_file} does not exist") from None
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"cannot read the key file {key_file}") from None
    return sub.parse_card(text, str(key_file))


def card_type(card: sub.Card, given: str) -> tuple[str, str]:
    """The card's type that ``given`` names, by key or by name (any case); refused otherwise:
    a card lists what the office asked of this person, and nothing else is sealed."""
    from ctcm.domain.suggest import did_you_mean

    wanted = " ".join(given.lower().split())
    for key, name in card.types:
        if wanted in (key, name.lower()):
            return key, name
    names = [name for _, name in card.types]
    hint = did_you_mean(given, [n.lower() for n in names] + [k for k, _ in card.types])
    raise InvalidInput(
        f"--type {given!r}{hint} is not one of the documents the office asked of you: "
        f"{'; '.join(names) or 'none'}"
    )


def prepare_submission(
    key_file: Path,
    person: str | None,
    doctype: tuple[str, str | None],
    issued: str | None,
    expires: str | None,
    file: Path,
    out: Path | None,
    today: date,
) -> Submission:
    """Check everything before anything is sealed: the key (or card), the person, the type,
    the dates (US formats and month names accepted), the file's content and size."""
    from ctcm.domain.dates import parse_any_date
    from ctcm.domain.files import document_kind

    key, card = read_key(key_file)
    if card is not None and person is not None and person != card.person:
        raise InvalidInput(f"your submit card is for {card.person}, not {person}")
    who = person or (card.person if card else None)
    if who is None:
        raise InvalidInput("give --person ID (or use your submit card: --key CARD)")
    check_key(who, "--person")
    type_key, type_name = doctype
    check_key(type_key, "--type")
    day_issued = parse_any_date(issued, "--issued") if issued else None
    day_expires = parse_any_date(expires, "--expires") if expires else None
    if day_issued and day_expires and day_expires < day_issued:
        raise InvalidInput(f"--expires {day_expires} is before --issued {day_issued}")
    if day_issued and day_issued > today:
        raise InvalidInput(f"--issued {day_issued} is in the future")
    if day_expires and day_expires < today:
        raise InvalidInput(
            f"--expires {day_expires} has passed: send the renewed document, not the old one"
        )
    folder = out or (Path(card.drop) if card and card.drop else None)
    if folder is None:
        raise InvalidInput("give --out DIR, the practice's drop folder")
    if not folder.is_dir():
        raise InvalidInput(f"--out {folder} is not a directory (the practice's drop folder)")
    content = _read_document(file, SUBMIT_LIMIT)
    kind = document_kind(content)
    if kind is None:
        raise InvalidInput(
            f"{file.name} is not a PDF, PNG, JPEG or HEIC file: send a scan or a photo of the "
            "document"
        )
    return Submission(
        key, who, type_key, type_name, day_issued, day_expires, file, kind, content, folder
    )


def _read_document(file: Path, limit: int) -> bytes:
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        raise NotFound(f"file {file} does not exist") from None
    except OSError as err:
        raise InvalidInput(f"cannot read {file}: {err.strerror}") from None
    if not file.is_file():
        raise InvalidInput(f"{file} is not a file")
    if size > limit:
        raise InvalidInput(
            f"{file.name} is {size / 1_048_576:.1f} MB; the limit is {limit // 1_048_576} MB "
            "(scan at a lower resolution, or as a PDF)"
        )
    if size == 0:
        raise InvalidInput(f"{file.name} is empty")
    try:
        return file.read_bytes()
    except OSError as err:
        raise InvalidInput(f"cannot read {file}: {err.strerror}") from None


def seal_submission(s: Submission, today: date) -> Path:
    """Seal it into the drop folder; return the file written. Nothing is read back: only the
    vault can open it."""
    meta = {
        "person": s.person,
        "doctype": s.doctype,
        "issued": s.issued.isoformat() if s.issued else None,
        "expires": s.expires.isoformat() if s.expires else None,
        "filename": s.file.name,
        "submitted_on": today.isoformat(),
    }
    sealed = sub.seal(s.key, meta, s.content)
    target = s.out / f"submission-{today:%Y%m%d}-{secrets.token_hex(4)}{SUFFIX}"
    try:
        # readable by the office on a shared folder: sealed, only the vault opens it
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except OSError as err:
        raise InvalidInput(f"cannot write into {s.out}: {err.strerror}") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(sealed)
    return target


def submit_card(p: Practice, person_id: str, types: list[tuple[str, str]]) -> sub.Card | None:
    """A person's submit card (None until the practice has a submission key): the key, their
    id and the document types they are asked to send."""
    if "inbox" not in p.header:
        return None
    key = sub.InboxKey(
        base64.b64decode(p.header["inbox"]["pub"]),
        p.header["inbox"]["key_id"],
        p.header["vault_id"],
        p.settings.get("practice_name", ""),
    )
    return sub.Card(key, person_id, tuple(types), str(drop_dir(p)), p.today.isoformat())
