"""Exclusion screening use cases: import the OIG LEIE and SAM files (kept as encrypted files
beside the vault, each with its SHA-256, row count and month), screen the active people, triage
the candidates. Every run is evidence: when, by whom, against which list versions, whom."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import secrets
import zipfile
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from ctcm.domain.credentials import check_text
from ctcm.domain.screening import (
    VENDOR,
    Candidate,
    Excluded,
    Subject,
    read_leie,
    read_sam,
    screen,
    screen_businesses,
)
from ctcm.errors import AlreadyExists, InvalidInput, NotFound
from ctcm.services.practice import Practice
from ctcm.storage.screeningrepo import ScreeningList

MAX_LIST = 64 << 20  # the LEIE full file is about 15 MB
MONTHLY = 31  # days: a run older than this is due again (monthly screening)


def _read_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_LIST:
            raise InvalidInput(f"{path} is larger than {MAX_LIST >> 20} MiB: not an exclusion list")
        return path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"file {path} does not exist") from None
    except (IsADirectoryError, PermissionError):
        raise InvalidInput(f"cannot read {path}") from None


def _text(raw: bytes, path: Path) -> str:
    if raw[:4] == b"PK\x03\x04":  # SAM's extract comes zipped
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            names = [n for n in z.namelist() if n.lower().endswith(".csv")]
            if not names:
                raise InvalidInput(f"{path} holds no CSV file")
            info = z.getinfo(names[0])
            if info.file_size > MAX_LIST:
                raise InvalidInput(f"{path}: its CSV is larger than {MAX_LIST >> 20} MiB")
            raw = z.read(info)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # older list files: every byte is a character


def _kind(source: str, name: str) -> str:
    if source == "sam":
        return "sam"
    m = re.search(r"(EXCL|REIN)", name.upper())
    return m[1].lower() if m else "full"


def _month(path: Path, published: str | None) -> str:
    """The list's month: --published, else a supplement's name (YYMMEXCL.csv), else the month
    the file was downloaded (its date on disk): never today's month by default, which would
    make an old file look current."""
    if published:
        if not re.fullmatch(r"\d{4}-\d{2}", published):
            raise InvalidInput("--published is a month: YYYY-MM")
        return published
    m = re.match(r"^(\d{2})(\d{2})(EXCL|REIN)", path.name.upper())
    if m and 1 <= int(m[2]) <= 12:
        return f"20{m[1]}-{m[2]}"
    return date.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m")


def import_list(p: Practice, source: str, path: Path, published: str | None) -> ScreeningList:
    """Read, check and keep one list file (encrypted, like a scan); the same file twice is
    refused: a list is imported once."""
    if source not in ("leie", "sam"):
        raise InvalidInput("the list is leie (OIG) or sam (SAM.gov)")
    raw = _read_file(path)
    digest = hashlib.sha256(raw).hexdigest()
    for known in p.repo.screening_lists():
        if known.sha256 == digest:
            raise AlreadyExists(
                f"{path.name} was imported already on {known.imported_at[:10]} (list {known.id})"
            )
    rows = (
        read_leie(_text(raw, path), str(path))
        if source == "leie"
        else read_sam(_text(raw, path), str(path))
    )
    payload = json.dumps([asdict(r) for r in rows], default=str).encode()
    key = secrets.token_bytes(32)
    blob_id = p.vault.put_blob(key, payload)
    sl = ScreeningList(
        0, source, _kind(source, path.name), path.name, digest, len(rows),
        _month(path, published), blob_id, base64.b64encode(key).decode(),
        p.now_iso,
    )  # fmt: skip
    list_id = p.repo.add_screening_list(sl, p.actor)
    p.touch(f"screening-list:{list_id}", f"{source}:{sl.kind}", f"sha256:{digest[:16]}")
    from dataclasses import replace

    return replace(sl, id=list_id)


def _rows(p: Practice, sl: ScreeningList) -> list[Excluded]:
    data = json.loads(p.vault.get_blob(base64.b64decode(sl.blob_key), sl.blob_id))
    out = []
    for r in data:
        r["dob"] = date.fromisoformat(r["dob"]) if r["dob"] else None
        r["since"] = date.fromisoformat(r["since"]) if r["since"] else None
        out.append(Excluded(**r))
    return out


def current_lists(p: Practice) -> tuple[list[Excluded], list[ScreeningList]]:
    """The lists in force: the newest LEIE full file with the supplements after it (exclusions
    added, reinstatements removed), and the newest SAM extract."""
    lists = p.repo.screening_lists()
    used: list[ScreeningList] = []
    rows: dict[tuple[str, ...], Excluded] = {}
    fulls = [sl for sl in lists if sl.source == "leie" and sl.kind == "full"]
    if fulls:
        base = fulls[-1]
        used.append(base)
        for r in _rows(p, base):
            rows[("leie", *r.key)] = r
        for sl in lists:
            if sl.source == "leie" and sl.kind != "full" and sl.id > base.id:
                used.append(sl)
                for r in _rows(p, sl):
                    if sl.kind == "excl":
                        rows[("leie", *r.key)] = r
                    else:
                        rows.pop(("leie", *r.key), None)
    sams = [sl for sl in lists if sl.source == "sam"]
    if sams:
        used.append(sams[-1])
        for r in _rows(p, sams[-1]):
            rows[("sam", *r.key, r.business)] = r
    return list(rows.values()), used


def set_subject(p: Practice, person_id: str, dob: date | None, other_names: list[str]) -> None:
    from ctcm.areas.credentials.service import get_person

    get_person(p, person_id)
    names = []
    for text in other_names:
        parts = check_text(text, "--other-name", 200).split()
        if len(parts) < 2:
            raise InvalidInput(f"--other-name {text!r}: give first and last name")
        names.append([parts[0], parts[-1]])
    if dob is not None and dob >= p.today:
        raise InvalidInput(f"--dob {dob} is not in the past")
    current = p.repo.screening_subjects().get(person_id)
    p.repo.put_screening_subject(
        person_id,
        dob if dob is not None else (current[0] if current else None),
        names or (current[1] if current else []),
    )
    p.touch(f"person:{person_id}", "screening details")


def subjects(p: Practice, person_id: str | None = None) -> list[Subject]:
    people = [x for x in p.repo.people(active_only=True) if person_id in (None, x.id)]
    details = p.repo.screening_subjects()
    npis = {  # the NPI in force, not an older or voided one
        pid: d.number
        for (pid, doctype), d in p.repo.current_documents().items()
        if doctype == "npi" and d.number
    }
    out = []
    for person in people:
        words = person.name.split()
        names = [(words[0], words[-1])] if len(words) >= 2 else []
        if len(words) > 2:  # a compound surname: "Ana Lopez Garcia", "Sinead O'Connor West"
            names.append((words[0], " ".join(words[1:])))
        dob, other = details.get(person.id, (None, []))
        names += [(a, b) for a, b in other]
        out.append(Subject(person.id, tuple(names), npis.get(person.id), dob))
    return out


@dataclass(frozen=True, slots=True)
class RunResult:
    run_id: int
    people: int
    candidates: list[Candidate]
    lists: list[ScreeningList]
    vendors: int = 0


def run(p: Practice, person_id: str | None = None, vendors: bool = False) -> RunResult:
    rows, lists = current_lists(p)
    if not lists:
        raise InvalidInput(
            "no exclusion list imported yet: ctcm screen import leie UPDATED.csv (and sam FILE)"
        )
    if person_id is not None:
        from ctcm.areas.credentials.service import get_person

        get_person(p, person_id)
    who = subjects(p, person_id)
    found = screen(who, rows)
    businesses = [(VENDOR + v.key, v.name) for v in p.repo.vendors().values()] if vendors else []
    found += screen_businesses(businesses, rows)
    run_id = p.repo.add_screening_run(
        p.today,
        p.now_iso,
        p.actor,
        [
            {
                "id": sl.id,
                "source": sl.source,
                "kind": sl.kind,
                "sha256": sl.sha256,
                "published": sl.published,
                "rows": sl.rows,
            }
            for sl in lists
        ],  # fmt: skip
        [s.id for s in who] + [b[0] for b in businesses],
        [(c.subject, c.basis, c.row.describe()) for c in found],
    )
    p.touch(f"screening-run:{run_id}", *(f"person:{c.subject}" for c in found))
    return RunResult(run_id, len(who), found, lists, len(businesses))


def resolve(p: Practice, candidate_id: int, resolution: str, note: str) -> None:
    found = {c.id: c for c in p.repo.screening_candidates()}.get(candidate_id)
    if found is None:
        raise NotFound(f"no screening candidate {candidate_id} (ctcm screen list)")
    if found.resolution is not None:
        raise InvalidInput(f"candidate {candidate_id} was {found.resolution} already")
    why = check_text(note, "--note", 2000)
    if len(why.split()) < 4:
        raise InvalidInput(
            "--note says how it was verified (the LEIE has no SSNs: e.g. 'LEIE online "
            "verification by SSN on 2026-03-02: no match')"
        )
    p.repo.resolve_candidate(candidate_id, resolution, why, p.now_iso, p.actor)
    p.touch(f"screening-candidate:{candidate_id}", resolution, f"person:{found.person_id}")
