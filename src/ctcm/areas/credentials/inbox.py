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


def _open(p: Practice, path: Path) -> Entry:
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
    out = [_open(p, f) for f in sorted(folder.glob(f"*{SUFFIX}")) if f.is_file()]
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
    p.after_save.append(lambda: e.path.unlink(missing_ok=True))
    return doc_id


def reject(p: Practice, entry_id: str, reason: str, directory: Path | None) -> Entry:
    e = get_entry(p, entry_id, directory)
    why = check_text(reason, "--reason")
    who = (e.meta or {}).get("person", "unknown")
    p.touch(f"submission:{e.id} rejected", f"person:{who}", f"reason: {why}")
    p.after_save.append(lambda: e.path.unlink(missing_ok=True))
    return e


# ---------------------------------------------------------------------------- the staff side


def submit(
    key_file: Path,
    person: str,
    doctype: str,
    issued: date | None,
    expires: date | None,
    file: Path,
    out: Path,
    today: date,
) -> Path:
    """Seal one document for the practice's vault into ``out``; return the file written.
    Nothing is read back: only the vault can open it."""
    from ctcm.areas.credentials.service import MAX_ATTACHMENT, read_upload

    try:
        key_text = key_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"key file {key_file} does not exist") from None
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"cannot read the key file {key_file}") from None
    key = sub.parse_key(key_text, str(key_file))
    check_key(person, "--person")
    check_key(doctype, "--type")
    if issued and expires and expires < issued:
        raise InvalidInput(f"--expires {expires} is before --issued {issued}")
    if issued and issued > today:
        raise InvalidInput(f"--issued {issued} is in the future")
    if not out.is_dir():
        raise InvalidInput(f"--out {out} is not a directory (the practice's drop folder)")
    content = read_upload(file)
    assert len(content) <= MAX_ATTACHMENT
    meta = {
        "person": person,
        "doctype": doctype,
        "issued": issued.isoformat() if issued else None,
        "expires": expires.isoformat() if expires else None,
        "filename": file.name,
        "submitted_on": today.isoformat(),
    }
    sealed = sub.seal(key, meta, content)
    target = out / f"submission-{today:%Y%m%d}-{secrets.token_hex(4)}{SUFFIX}"
    try:
        # readable by the office on a shared folder: sealed, only the vault opens it
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except OSError as err:
        raise InvalidInput(f"cannot write into {out}: {err.strerror}") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(sealed)
    return target
