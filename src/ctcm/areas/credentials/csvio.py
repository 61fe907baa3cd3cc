"""CSV import and export of people and document records: all or nothing, idempotent, and safe
to open in a spreadsheet (cells that start a formula are neutralised on export)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ctcm.areas.credentials import service as cred
from ctcm.domain.credentials import Document, Person
from ctcm.domain.dates import parse_optional_date
from ctcm.domain.suggest import did_you_mean
from ctcm.errors import CtcmError, InvalidInput, NotFound
from ctcm.render.formats import neutralise, restore_neutralised
from ctcm.services.practice import Practice

PERSON_COLUMNS = ("id", "name", "email", "policies", "title", "start")
PERSON_REQUIRED = ("id", "name", "email")
DOC_COLUMNS = ("person", "doctype", "issued", "expires", "number", "note")
DOC_REQUIRED = ("person", "doctype")


class BadRows(InvalidInput):
    """A CSV file with bad rows: ``rows`` holds one line per problem."""

    def __init__(self, path: str, rows: list[str]) -> None:
        super().__init__(f"{path}: {len(rows)} bad row(s); nothing was imported")
        self.rows = rows


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    dry_run: bool = False


MAX_IMPORT = 32 << 20  # a roster or register of tens of thousands of rows is a few MB


def file_tag(text: str) -> str:
    """The import file's SHA-256 as the audit trail names it, in the same commit as what the
    import changed (a retry of the same file changes nothing and says so)."""
    import hashlib

    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def read_csv_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_IMPORT:
            raise InvalidInput(f"{path} is larger than {MAX_IMPORT >> 20} MiB: not an import file")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"file {path} does not exist") from None
    except (IsADirectoryError, PermissionError):
        raise InvalidInput(f"cannot read {path}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidInput(
            f"{path} is not UTF-8 text (byte {err.start}); save it as UTF-8 CSV"
        ) from None


def read_rows(
    text: str,
    name: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    ignored: tuple[str, ...] = (),
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as dicts keyed by header; columns in ``ignored`` (descriptive ones a
    file written by ctcm itself carries) are accepted and dropped."""
    first = text.split("\n", 1)[0]
    # Spreadsheets in many locales save with ';', and some exports use tabs: take the
    # separator the header line uses most.
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
        while header and header[-1] == "":  # the empty trailing columns spreadsheets add
            header.pop()
    except StopIteration:
        raise InvalidInput(
            f"{name} is empty (expected a header row: {','.join(columns)})"
        ) from None
    except csv.Error as err:
        raise InvalidInput(f"{name}: not a CSV file ({err})") from None
    unknown = [h for h in header if h not in columns and h not in ignored]
    if unknown:
        hint = did_you_mean(unknown[0], columns)
        raise InvalidInput(
            f"{name}: unknown column {unknown[0]!r}{hint} (columns: {','.join(columns)})"
        )
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(f"{name}: missing column {missing[0]!r}")
    if len(set(header)) != len(header):
        raise InvalidInput(f"{name}: a column appears twice in the header")
    out = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header) and not any(v.strip() for v in values[len(header) :]):
                values = values[: len(header)]
            if len(values) != len(header):
                out.append(
                    (
                        reader.line_num,
                        {"__error__": f"has {len(values)} cells, the header has {len(header)}"},
                    )
                )
                continue
            out.append(
                (
                    reader.line_num,
                    {
                        h: restore_neutralised(v.strip())
                        for h, v in zip(header, values, strict=True)
                        if h not in ignored
                    },
                )
            )
    except csv.Error as err:
        raise InvalidInput(f"{name}: line {reader.line_num}: {err}") from None
    return out


def _date(text: str | None, what: str, date_format: str | None) -> date | None:
    """A date cell; without --date-format a date in another layout says how to read it."""
    try:
        return parse_optional_date(text, what, date_format)
    except InvalidInput as err:
        if date_format is None and text and any(c in text for c in "/."):
            raise InvalidInput(
                f"{err}; for dates like 03/15/2026 give --date-format %m/%d/%Y "
                "(or %d/%m/%Y, %d.%m.%Y)"
            ) from None
        raise


def import_people(
    p: Practice, text: str, name: str, dry_run: bool, date_format: str | None = None
) -> ImportResult:
    policies = p.repo.policies()
    existing = {person.id: person for person in p.repo.people()}
    errors: list[str] = []
    parsed: list[Person] = []
    seen: set[str] = set()
    for line, row in read_rows(text, name, PERSON_COLUMNS, PERSON_REQUIRED):
        try:
            if "__error__" in row:
                raise InvalidInput(row["__error__"])
            pid = row["id"]
            if pid in seen:
                raise InvalidInput(f"id {pid!r} appears twice in the file")
            seen.add(pid)
            old = existing.get(pid)
            person = Person(
                id=pid,
                name=row["name"],
                email=row["email"],
                title=row.get("title") or None,
                start=_date(row.get("start"), "start date", date_format),
                policies=tuple(k.strip() for k in row.get("policies", "").split(";") if k.strip()),
                active=old.active if old else True,
                deactivated_on=old.deactivated_on if old else None,
                extras=old.extras if old else (),
            )
            parsed.append(cred.validate_person(p, person, policies))
        except CtcmError as err:
            errors.append(f"row {line}: {err}")
    if errors:
        raise BadRows(name, errors)
    result = ImportResult(dry_run=dry_run)
    changed = []
    for person in parsed:
        old = existing.get(person.id)
        if old is None:
            result.added.append(person.id)
            changed.append(person)
        elif old != person:
            result.updated.append(person.id)
            changed.append(person)
        else:
            result.unchanged += 1
    if changed and not dry_run:
        p.repo.put_people(changed, p.now_iso)
    p.touch(f"import:{name}", file_tag(text), *(f"person:{x.id}" for x in changed))
    return result


def _doc_key(d: Document) -> tuple[object, ...]:
    return (d.person_id, d.doctype, d.issued, d.expires, d.number or None)


def import_documents(
    p: Practice, text: str, name: str, dry_run: bool, date_format: str | None = None
) -> ImportResult:
    people = {person.id for person in p.repo.people()}
    doctypes = p.repo.doctypes()
    known = {_doc_key(d) for d in p.repo.documents()}
    errors: list[str] = []
    new: list[Document] = []
    result = ImportResult(dry_run=dry_run)
    for line, row in read_rows(text, name, DOC_COLUMNS, DOC_REQUIRED):
        try:
            if "__error__" in row:
                raise InvalidInput(row["__error__"])
            if row["person"] not in people:
                raise NotFound(
                    f"unknown person {row['person']!r}{did_you_mean(row['person'], people)}"
                )
            if row["doctype"] not in doctypes:
                hint = did_you_mean(row["doctype"], doctypes)
                raise NotFound(f"unknown document type {row['doctype']!r}{hint}")
            doc = cred.build_document(
                p,
                row["person"],
                doctypes[row["doctype"]],
                _date(row.get("issued"), "issue date", date_format),
                _date(row.get("expires"), "expiry date", date_format),
                row.get("number") or None,
                row.get("note") or None,
            )
            if _doc_key(doc) in known:
                result.unchanged += 1
            else:
                known.add(_doc_key(doc))
                new.append(doc)
        except CtcmError as err:
            errors.append(f"row {line}: {err}")
    if errors:
        raise BadRows(name, errors)
    if new and not dry_run:
        ids = p.repo.add_documents(new, p.now_iso, p.actor)
        result.added = [str(i) for i in ids]
    else:
        result.added = [f"{d.person_id}/{d.doctype}" for d in new]
    p.touch(f"import:{name}", file_tag(text),
            *(f"document:{i}" for i in result.added if i.isdigit()))  # fmt: skip
    return result


def _write(columns: tuple[str, ...], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
    return buf.getvalue()


def export_people(p: Practice, include_inactive: bool = True) -> str:
    people = p.repo.people(active_only=not include_inactive)
    p.touch("people")
    return _write(
        PERSON_COLUMNS,
        [
            [
                x.id,
                x.name,
                x.email,
                ";".join(x.policies),
                x.title or "",
                x.start.isoformat() if x.start else "",
            ]
            for x in people
        ],
    )


def export_documents(p: Practice, history: bool = True) -> str:
    docs = (
        p.repo.documents()
        if history
        else sorted(p.repo.current_documents().values(), key=lambda d: d.id)
    )
    p.touch("documents")
    return _write(
        DOC_COLUMNS,
        [
            [
                d.person_id,
                d.doctype,
                d.issued.isoformat() if d.issued else "",
                d.expires.isoformat() if d.expires else "",
                d.number or "",
                d.note or "",
            ]
            for d in docs
        ],
    )
