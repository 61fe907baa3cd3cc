"""``ctcm vendor import``, ``device import``, ``request import``, ``risk import-ratings``: CSV
imports where people work in bulk (services/bulk.py; templates in examples/import/)."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import DateFormatOpt, DryRunOpt, FormatOpt
from ctcm.render.formats import OutputFormat

FileArg = Annotated[Path, typer.Argument(metavar="FILE.csv")]


def _run(
    ctx: typer.Context,
    command: str,
    kind: str,
    file: Path,
    dry_run: bool,
    date_format: str | None,
    what: str,
    assessment: int | None = None,
    fmt: OutputFormat = OutputFormat.TABLE,
) -> None:
    from ctcm.areas.credentials import csvio
    from ctcm.cli.people import report_import
    from ctcm.domain.dates import check_date_format
    from ctcm.services import bulk

    check_date_format(date_format)
    text = csvio.read_csv_text(file)
    with opened(ctx, command, write=not dry_run) as p:  # a dry run never saves
        if assessment is not None:  # an unknown or final analysis is one error, not every row's
            from ctcm.areas.risk.service import editable

            editable(p, assessment)
        spec = bulk.ratings_kind(assessment) if assessment is not None else kind
        result = bulk.import_csv(p, spec, text, file.name, dry_run, date_format)
    report_import(app_context(ctx), result, what, fmt)


def vendor_import(
    ctx: typer.Context, file: FileArg, dry_run: DryRunOpt = False,
    date_format: DateFormatOpt = None, fmt: FormatOpt = OutputFormat.TABLE,
) -> None:  # fmt: skip
    """Import vendors from CSV (columns: key,name,service,phi,baa_signed,review_months,since).

    All or nothing: any bad row is reported with its row number and nothing is imported;
    importing the same file again changes nothing. Template: examples/import/vendors.csv.

    Example: ctcm vendor import vendors.csv --dry-run
    """
    _run(ctx, "vendor import", "vendors", file, dry_run, date_format, "vendors", fmt=fmt)


def device_import(
    ctx: typer.Context, file: FileArg, dry_run: DryRunOpt = False,
    date_format: DateFormatOpt = None, fmt: FormatOpt = OutputFormat.TABLE,
) -> None:  # fmt: skip
    """Import devices from CSV (columns: key,type,owner,encrypted,screen_lock,phi,last_audit,
    since).

    All or nothing; importing the same file again changes nothing. Template:
    examples/import/devices.csv.

    Example: ctcm device import devices.csv
    """
    _run(ctx, "device import", "devices", file, dry_run, date_format, "devices", fmt=fmt)


def request_import(
    ctx: typer.Context, file: FileArg, dry_run: DryRunOpt = False,
    date_format: DateFormatOpt = None, fmt: FormatOpt = OutputFormat.TABLE,
) -> None:  # fmt: skip
    """Import patients' requests from CSV (columns: kind,received,patient_ref,note,
    restriction_kind,closed,outcome,denial_basis): a log kept elsewhere until now.

    All or nothing; importing the same file again changes nothing. Template:
    examples/import/requests.csv.

    Example: ctcm request import requests-2026.csv --date-format %m/%d/%Y
    """
    _run(ctx, "request import", "requests", file, dry_run, date_format, "requests", fmt=fmt)


def ratings_import(
    ctx: typer.Context,
    assessment: Annotated[int, typer.Argument(help="The draft analysis.")],
    file: FileArg,
    dry_run: DryRunOpt = False,
    date_format: DateFormatOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Import threat-scenario ratings and their mitigation tasks into a draft analysis
    (columns: scenario,likelihood,impact,controls,action,owner,due).

    All or nothing; importing the same file again changes nothing. Template:
    examples/import/risk-ratings.csv.

    Example: ctcm risk import-ratings 1 ratings.csv
    """
    _run(ctx, "risk import-ratings", "", file, dry_run, date_format, "ratings or tasks",
         assessment, fmt)  # fmt: skip


def register() -> None:
    from ctcm.cli import device, privacy, risk, vendor

    vendor.app.command("import")(vendor_import)
    device.app.command("import")(device_import)
    privacy.request_app.command("import")(request_import)
    risk.app.command("import-ratings")(ratings_import)
