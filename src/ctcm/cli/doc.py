"""``ctcm doc``: document records, their history and encrypted scans."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened, write_output
from ctcm.cli.options import DateFormatOpt, DryRunOpt, FormatOpt
from ctcm.cli.people import report_import
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="Documents: licenses, certificates and forms with dates and scans.", no_args_is_help=True
)


@app.command("add")
def add(
    ctx: typer.Context,
    person: str,
    doctype: str,
    issued: Annotated[str | None, typer.Option("--issued", metavar="YYYY-MM-DD")] = None,
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires", metavar="YYYY-MM-DD", help="Default: issued + the type's validity."
        ),
    ] = None,
    number: Annotated[
        str | None, typer.Option("--number", help="License/certificate number.")
    ] = None,
    file: Annotated[
        list[Path] | None,
        typer.Option("--file", help="A scan to store encrypted (repeat the option)."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    future: Annotated[
        bool, typer.Option("--future", help="Accept an issue date after today.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Record an NPI or DEA number whose check digit fails."),
    ] = False,
) -> None:
    """Record a document; it supersedes the person's previous one of the same type.

    An NPI or DEA number is checked (its check digit); --force records a number a board
    really issued that still fails, and the document's note says so.

    Prints the new document id, and on stderr what was recorded.

    Example: ctcm doc add jdoe state-license --issued 2026-01-15 --number LPC-1234 --file scan.pdf
    """
    from ctcm.areas.credentials import service as cred
    from ctcm.domain.dates import parse_optional_date

    issued_d = parse_optional_date(issued, "issue date")
    expires_d = parse_optional_date(expires, "expiry date")
    with opened(ctx, "doc add") as p:
        doc_id = cred.add_document(
            p, person, doctype, issued_d, expires_d, number, note, list(file or []), future, force
        )
        line = cred.describe_recorded(p, doc_id)
    typer.echo(doc_id)
    app_context(ctx).say(line)


@app.command("void")
def void(
    ctx: typer.Context,
    doc_id: Annotated[int, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option("--reason", help="Why (entered in error, ...).")],
) -> None:
    """Take a document entered in error out of force (it stays in the history).

    The previous document of the same type, if any, is in force again.

    Example: ctcm doc void 17 --reason "entered for the wrong person"
    """
    from ctcm.areas.credentials import service as cred

    with opened(ctx, "doc void") as p:
        doc = cred.void_document(p, doc_id, reason)
        now = cred.person_status(p, doc.person_id)
    light = next(
        (r.status.value.upper() for r in now.requirements if r.doctype == doc.doctype),
        "not required",
    )
    app_context(ctx).say(
        f"Voided document {doc_id} ({doc.doctype} of {doc.person_id}); that requirement is "
        f"now {light}."
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    person: str,
    all_: Annotated[bool, typer.Option("--all", help="Include superseded documents.")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """List a person's documents in force (with --all, their history too).

    Example: ctcm doc list jdoe --all
    """
    from ctcm.areas.credentials import service as cred
    from ctcm.render.views import documents_view

    with opened(ctx, "doc list", write=False) as p:
        items = cred.list_documents(p, person, all_)
    app_context(ctx).show(documents_view(items), fmt)


@app.command("show")
def show(
    ctx: typer.Context,
    doc_id: Annotated[int, typer.Argument(metavar="ID")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Show one document and its attachments.

    Example: ctcm doc show 12
    """
    from ctcm.areas.credentials import service as cred
    from ctcm.render.views import document_json

    with opened(ctx, "doc show", write=False) as p:
        d = cred.show_document(p, doc_id)
    doc = d.document
    data = document_json(doc, d.current) | {
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "media_type": a.media_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in d.attachments
        ]
    }
    details = [
        ("document", str(doc.id)),
        ("person", f"{d.person.name} ({d.person.id})"),
        ("type", f"{d.doctype.name} ({d.doctype.key})"),
        ("issued", str(doc.issued or "")),
        ("expires", str(doc.expires or "never")),
        ("number", doc.number or ""),
        ("note", doc.note or ""),
        ("in force", "yes" if d.current else "no (superseded)"),
    ]
    rows = [[a.filename, a.media_type, a.size, a.sha256[:16]] for a in d.attachments]
    view = View(
        data,
        ["attachment", "type", "bytes", "sha256"] if rows else (),
        rows,
        details=details,
        status_column=None,
    )
    app_context(ctx).show(view, fmt)


@app.command("attach")
def attach(
    ctx: typer.Context,
    doc_id: Annotated[int, typer.Argument(metavar="ID")],
    file: Annotated[list[Path], typer.Option("--file", help="File to store encrypted.")],
) -> None:
    """Add scans to a document (stored encrypted in the vault).

    Example: ctcm doc attach 12 --file license-back.jpg
    """
    from ctcm.areas.credentials import service as cred

    with opened(ctx, "doc attach") as p:
        stored = cred.attach(p, doc_id, list(file))
    app_context(ctx).say(f"Attached {len(stored)} file(s) to document {doc_id}.")


@app.command("export")
def export(
    ctx: typer.Context,
    doc_id: Annotated[int, typer.Argument(metavar="ID")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the decrypted files.")],
) -> None:
    """Decrypt a document's attachments into a directory (files mode 0600).

    Example: ctcm doc export 12 --out ~/Desktop/for-auditor
    """
    from ctcm.areas.credentials import service as cred

    with opened(ctx, "doc export", write=False) as p:
        written = cred.export_attachments(p, doc_id, out)
    for path in written:
        typer.echo(str(path))


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.csv")],
    dry_run: DryRunOpt = False,
    date_format: DateFormatOpt = None,
) -> None:
    """Import document records from CSV (columns: person,doctype,issued,expires,number,note).

    Separators ',', ';' or tab are recognised; empty trailing columns are ignored.

    All or nothing; rows identical to a recorded document are skipped, so re-importing is safe.

    Example: ctcm doc import documents.csv
    """
    from ctcm.areas.credentials import csvio as csvio
    from ctcm.domain.dates import check_date_format

    check_date_format(date_format)
    text = csvio.read_csv_text(file)
    with opened(ctx, "doc import", write=not dry_run) as p:  # a dry run never saves
        result = csvio.import_documents(p, text, file.name, dry_run, date_format)
    report_import(app_context(ctx), result, "documents")


@app.command("export-csv")
def export_csv(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
    current: Annotated[bool, typer.Option("--current", help="Only documents in force.")] = False,
) -> None:
    """Export document records as CSV in the import format (formula-safe).

    Example: ctcm doc export-csv --out documents.csv
    """
    from ctcm.areas.credentials import csvio as csvio

    with opened(ctx, "doc export-csv", write=False) as p:
        text = csvio.export_documents(p, history=not current)
    write_output(app_context(ctx), text, out)
