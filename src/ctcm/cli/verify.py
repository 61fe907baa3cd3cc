"""``ctcm doc verify``, ``doc verifications``, ``doc verify-import``, ``doctype verification``:
primary-source verification of credentials (areas/screening/verify.py)."""

from pathlib import Path
from typing import Annotated, Any

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import DateFormatOpt, DryRunOpt, FormatOpt
from ctcm.render.formats import OutputFormat, View


def _data(v: Any) -> dict[str, Any]:
    return {
        "id": v.id, "document": v.document_id, "source": v.source, "result": v.result,
        "date": v.on.isoformat(), "note": v.note, "file": v.filename, "sha256": v.sha256,
        "recorded_at": v.recorded_at, "by": v.recorded_by,
    }  # fmt: skip


def verify(
    ctx: typer.Context,
    doc_id: Annotated[int, typer.Argument(metavar="DOCUMENT")],
    source: Annotated[str, typer.Option("--source", help="A URL, or the source's name.")],
    result: Annotated[
        str, typer.Option("--result", help="active | expired | disciplined | not-found")
    ],
    on: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="When it was checked.")],
    file: Annotated[
        Path | None, typer.Option("--file", help="The page seen (kept encrypted, hashed).")
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record a primary-source verification of a document: who checked it, at which source,
    when, with what result.

    Example: ctcm doc verify 12 --source https://online-dfpr.micropiche.com --result active --date 2026-03-02 --file lookup.pdf
    """
    from ctcm.areas.screening.verify import record
    from ctcm.domain.dates import parse_any_date

    day = parse_any_date(on, "--date")
    with opened(ctx, "doc verify") as p:
        v = record(p, doc_id, source, result, day, note, file)
    actx = app_context(ctx)
    if fmt is not OutputFormat.TABLE:
        actx.show(View(_data(v), ["field", "value"], [], status_column=None), fmt)
        return
    actx.say(f"Recorded verification {v.id} of document {doc_id}: {result} at {source} on {day}.")


def verifications(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Option("--person", help="Only this person's.")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Primary-source verifications on record, and the documents still to verify.

    Example: ctcm doc verifications --format json
    """
    from ctcm.areas.screening.verify import unverified

    with opened(ctx, "doc verifications", write=False) as p:
        owner = {d.id: d.person_id for d in p.repo.documents()}
        found = [v for v in p.repo.verifications() if person in (None, owner.get(v.document_id))]
        todo = [u for u in unverified(p) if person in (None, u.person)]
        p.touch("verifications")
    data = {
        "verifications": [_data(v) | {"person": owner.get(v.document_id)} for v in found],
        "to_verify": [
            {"person": u.person, "document": u.document, "doctype": u.doctype,
             "status": u.light.value, "why": u.why}
            for u in todo
        ],
    }  # fmt: skip
    rows = [
        [v.id, owner.get(v.document_id), v.document_id, v.source, v.result, v.on] for v in found
    ]
    footer = "; ".join(f"{u.person} document {u.document}: {u.why}" for u in todo) or None
    app_context(ctx).show(
        View(data, ["id", "person", "document", "source", "result", "date"], rows,
             status_column=None, footer=footer), fmt,
    )  # fmt: skip


def verify_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.csv")],
    dry_run: DryRunOpt = False,
    date_format: DateFormatOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Import verification results from CSV (columns: document,source,result,date,note; or
    person and doctype instead of document, for the document in force).

    All or nothing; importing the same file again changes nothing. Template:
    examples/import/verifications.csv.

    Example: ctcm doc verify-import board-lookups.csv
    """
    from ctcm.areas.credentials import csvio
    from ctcm.cli.people import report_import
    from ctcm.domain.dates import check_date_format
    from ctcm.services import bulk

    check_date_format(date_format)
    text = csvio.read_csv_text(file)
    with opened(ctx, "doc verify-import", write=not dry_run) as p:
        result = bulk.import_csv(p, "verifications", text, file.name, dry_run, date_format)
    report_import(app_context(ctx), result, "verifications", fmt)


def verification_rule(
    ctx: typer.Context,
    key: str,
    every_days: Annotated[
        int | None,
        typer.Option("--every-days", help="Verify at the source again after this many days."),
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="No longer require verification.")] = False,
) -> None:
    """Require that documents of this type be verified at their source (and again after N
    days), or no longer.

    Example: ctcm doctype verification state-license --every-days 365
    """
    from ctcm.areas.screening.verify import set_rule
    from ctcm.errors import InvalidInput

    if off == (every_days is not None):
        raise InvalidInput("give --every-days N or --off")
    with opened(ctx, "doctype verification") as p:
        set_rule(p, key, None if off else every_days)
    app_context(ctx).say(
        f"{key}: no verification required." if off
        else f"{key}: verify at the source, and again every {every_days} days."
    )  # fmt: skip


def register() -> None:
    from ctcm.cli import doc, doctype

    doc.app.command("verify")(verify)
    doc.app.command("verifications")(verifications)
    doc.app.command("verify-import")(verify_import)
    doctype.app.command("verification")(verification_rule)
