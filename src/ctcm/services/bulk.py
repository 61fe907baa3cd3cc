"""CSV imports where people work in bulk: vendors, devices, risk ratings with their mitigation
tasks, and patients' requests. The same dialect and date handling as ``person import``
(areas/credentials/csvio.py): all or nothing (every bad row reported with its row number,
nothing recorded), ``--dry-run`` checks without saving, and importing the same file again
changes nothing. Templates: examples/import/."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ctcm.areas.credentials.csvio import BadRows, ImportResult, _date, read_rows
from ctcm.errors import CtcmError, InvalidInput
from ctcm.services.practice import Practice

Apply = Callable[[Practice, dict[str, str], "str | None"], str]  # -> added | unchanged


@dataclass(frozen=True, slots=True)
class Kind:
    columns: tuple[str, ...]
    required: tuple[str, ...]
    apply: Apply
    label: Callable[[dict[str, str]], str]


def _vendor(p: Practice, row: dict[str, str], fmt: str | None) -> str:
    from ctcm.areas.assets import service as assets

    signed = _date(row.get("baa_signed") or None, "baa_signed", fmt)
    months = row.get("review_months") or "12"
    if not months.isdigit():
        raise InvalidInput(f"review_months {months!r} is not a number of months")
    existing = p.repo.vendors().get(row["key"])
    if existing is not None:
        same = (existing.name, existing.service) == (row["name"], row["service"])
        if same and (existing.baa_signed == signed or signed is None):
            return "unchanged"
        raise InvalidInput(
            f"vendor {row['key']!r} exists with other details (ctcm vendor edit / vendor baa)"
        )
    assets.add_vendor(p, row["key"], row["name"], row["service"], row["phi"], signed, None,
                      int(months), _date(row.get("since") or None, "since", fmt))  # fmt: skip
    return "added"


def _device(p: Practice, row: dict[str, str], fmt: str | None) -> str:
    from ctcm.areas.assets import service as assets

    if row["key"] in p.repo.devices():
        return "unchanged"
    assets.add_device(p, row["key"], row["type"], row.get("owner") or None, row["encrypted"],
                      row["screen_lock"], row["phi"],
                      _date(row.get("since") or None, "since", fmt))  # fmt: skip
    audited = _date(row.get("last_audit") or None, "last_audit", fmt)
    if audited is not None:
        assets.audit_device(p, row["key"], audited, row["encrypted"], row["screen_lock"], None)
    return "added"


def _request(p: Practice, row: dict[str, str], fmt: str | None) -> str:
    from ctcm.areas.privacy import service as privacy

    received = _date(row["received"], "received", fmt)
    assert received is not None
    for r in p.repo.privacy_requests():
        if (r.kind, r.received, r.patient_ref) == (row["kind"], received, row["patient_ref"]):
            return "unchanged"
    made = privacy.add_request(
        p, row["kind"], received, row["patient_ref"], row.get("note") or None,
        row.get("restriction_kind") or None,
    )  # fmt: skip
    closed = _date(row.get("closed") or None, "closed", fmt)
    if closed is not None:
        outcome = row.get("outcome") or ""
        privacy.close_request(p, made.id, outcome, closed, row.get("denial_basis") or None,
                              False, None)  # fmt: skip
    elif row.get("outcome"):
        raise InvalidInput("an outcome needs its closed date")
    return "added"


def _rating(assessment: int) -> Apply:
    def apply(p: Practice, row: dict[str, str], fmt: str | None) -> str:
        from ctcm.areas.risk import service as risk
        from ctcm.domain.risk import Level

        current = p.repo.ratings(assessment).get(row["scenario"])
        same = current is not None and (
            current.likelihood,
            current.impact,
            current.controls or "",
        ) == (
            Level(_level(row["likelihood"])) if _level(row["likelihood"]) in set(Level) else None,
            Level(_level(row["impact"])) if _level(row["impact"]) in set(Level) else None,
            row.get("controls") or "",
        )
        if not same:
            risk.rate(p, assessment, row["scenario"], row["likelihood"], row["impact"],
                      row.get("controls") or None)  # fmt: skip
        if row.get("action"):
            due = _date(row.get("due") or None, "due", fmt)
            if due is None or not row.get("owner"):
                raise InvalidInput("a mitigation action needs its owner and due date")
            tasks = p.repo.tasks(assessment)
            if not any(t.scenario == row["scenario"] and t.action == row["action"] for t in tasks):
                risk.mitigate(p, assessment, row["scenario"], row["action"], row["owner"], due)
                return "added"
        return "unchanged" if same else "added"

    return apply


def _level(text: str) -> str:
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    return "moderate" if value == "medium" else value


def _verification(p: Practice, row: dict[str, str], fmt: str | None) -> str:
    from ctcm.areas.screening import verify

    on = _date(row["date"], "date", fmt)
    assert on is not None
    if row.get("document"):
        if not row["document"].isdigit():
            raise InvalidInput(f"document {row['document']!r} is not a document number")
        doc_id = int(row["document"])
    else:
        found = [d.id for d in p.repo.documents(row.get("person") or "")
                 if d.doctype == row.get("doctype") and d.void_reason is None]  # fmt: skip
        if not found:
            raise InvalidInput(
                f"no {row.get('doctype')!r} document of {row.get('person')!r} on record "
                "(give document, or person and doctype)"
            )
        doc_id = found[-1]
    for v in p.repo.verifications():
        if (v.document_id, v.source, v.result, v.on) == (doc_id, row["source"], row["result"], on):
            return "unchanged"
    verify.record(p, doc_id, row["source"], row["result"], on, row.get("note") or None, None)
    return "added"


KINDS: dict[str, Kind] = {
    "verifications": Kind(
        ("document", "person", "doctype", "source", "result", "date", "note"),
        ("source", "result", "date"),
        _verification,
        lambda r: r.get("document") or f"{r.get('person')}:{r.get('doctype')}",
    ),
    "vendors": Kind(
        ("key", "name", "service", "phi", "baa_signed", "review_months", "since"),
        ("key", "name", "service", "phi"),
        _vendor,
        lambda r: r["key"],
    ),
    "devices": Kind(
        ("key", "type", "owner", "encrypted", "screen_lock", "phi", "last_audit", "since"),
        ("key", "type", "encrypted", "screen_lock", "phi"),
        _device,
        lambda r: r["key"],
    ),
    "requests": Kind(
        (
            "kind",
            "received",
            "patient_ref",
            "note",
            "restriction_kind",
            "closed",
            "outcome",
            "denial_basis",
        ),
        ("kind", "received", "patient_ref"),
        _request,
        lambda r: f"{r['kind']} {r['patient_ref']}",
    ),  # fmt: skip
}
RATING_COLUMNS = ("scenario", "likelihood", "impact", "controls", "action", "owner", "due")


def import_csv(
    p: Practice,
    kind: str | Kind,
    text: str,
    name: str,
    dry_run: bool,
    date_format: str | None = None,
) -> ImportResult:
    spec = KINDS[kind] if isinstance(kind, str) else kind
    result = ImportResult(dry_run=dry_run)
    errors: list[str] = []
    for line, row in read_rows(text, name, spec.columns, spec.required):
        if "__error__" in row:
            errors.append(f"row {line}: {row['__error__']}")
            continue
        try:
            outcome = spec.apply(p, row, date_format)
        except CtcmError as err:
            errors.append(f"row {line}: {err}")
            continue
        if outcome == "added":
            result.added.append(spec.label(row))
        else:
            result.unchanged += 1
    if errors:
        raise BadRows(name, errors)
    if result.added and not dry_run:
        from ctcm.areas.credentials.csvio import file_tag

        p.touch(f"import:{name}", file_tag(text), f"{len(result.added)} added")
    else:
        p.unchanged = not result.added
    return result


def ratings_kind(assessment: int) -> Kind:
    return Kind(RATING_COLUMNS, RATING_COLUMNS[:3], _rating(assessment), lambda r: r["scenario"])
