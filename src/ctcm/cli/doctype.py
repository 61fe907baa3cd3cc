"""``ctcm doctype``: the kinds of documents the practice tracks."""

from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat

app = typer.Typer(
    help="Document types to track (licenses, trainings, forms...).", no_args_is_help=True
)

MonthsOpt = Annotated[
    int | None, typer.Option("--validity-months", help="Months a document stays valid after issue.")
]
DaysOpt = Annotated[
    int | None,
    typer.Option("--validity-days", help="Days a document stays valid (short cycles, e.g. 120)."),
]
NoExpiryOpt = Annotated[
    bool, typer.Option("--no-expiry", help="Documents of this type never expire.")
]
WarnOpt = Annotated[
    int | None,
    typer.Option(
        "--warn-days", help="Days before expiry that turn the light yellow (default: practice, 30)."
    ),
]
CategoryOpt = Annotated[
    str | None,
    typer.Option(
        "--category", help="license, certification, training, form, test, insurance or other."
    ),
]


ProvidedOpt = Annotated[
    bool | None,
    typer.Option(
        "--provided-by-practice/--from-staff",
        help="The practice obtains it (background check, I-9): never asked of staff.",
    ),
]


@app.command("add")
def add(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Short key, e.g. cpr-bls.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    validity_months: MonthsOpt = None,
    no_expiry: NoExpiryOpt = False,
    warn_days: WarnOpt = None,
    category: CategoryOpt = None,
    validity_days: DaysOpt = None,
    provided: ProvidedOpt = None,
) -> None:
    """Add a document type.

    Example: ctcm doctype add cpr-bls --name "CPR / BLS" --validity-months 24 --category certification
    """
    from ctcm.areas.credentials import doctypes as doctypes

    with opened(ctx, "doctype add") as p:
        dt = doctypes.add_doctype(
            p, key, name, validity_months, no_expiry, warn_days, category, validity_days,
            bool(provided),
        )  # fmt: skip
    app_context(ctx).say(f"Added document type {dt.key}.")


@app.command("edit")
def edit(
    ctx: typer.Context,
    key: str,
    name: Annotated[str | None, typer.Option("--name", help="New display name.")] = None,
    validity_months: MonthsOpt = None,
    validity_days: DaysOpt = None,
    no_expiry: NoExpiryOpt = False,
    warn_days: WarnOpt = None,
    category: CategoryOpt = None,
    remind: Annotated[
        str | None,
        typer.Option(
            "--remind", help='Own reminder schedule, e.g. "90,30,0,+7"; "default" to clear.'
        ),
    ] = None,
    provided: ProvidedOpt = None,
) -> None:
    """Change a document type (existing documents keep their dates).

    Example: ctcm doctype edit hipaa-training --warn-days 45 --remind "30,7,0,+7"
    """
    from ctcm.areas.credentials import doctypes as doctypes

    with opened(ctx, "doctype edit") as p:
        dt = doctypes.edit_doctype(
            p, key, name, validity_months, no_expiry, warn_days, category, remind, validity_days,
            provided,
        )  # fmt: skip
    app_context(ctx).say(f"Updated document type {dt.key}.")


@app.command("archive")
def archive(ctx: typer.Context, key: str) -> None:
    """Stop requiring a type anywhere; its documents stay on record.

    Example: ctcm doctype archive w4
    """
    from ctcm.areas.credentials import doctypes as doctypes

    with opened(ctx, "doctype archive") as p:
        doctypes.archive_doctype(p, key)
    app_context(ctx).say(f"Archived document type {key}; it is no longer required.")


@app.command("list")
def list_(
    ctx: typer.Context,
    archived: Annotated[bool, typer.Option("--archived", help="Include archived types.")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """List document types.

    Example: ctcm doctype list --format json
    """
    from ctcm.areas.credentials import doctypes as doctypes
    from ctcm.render.views import doctypes_view

    with opened(ctx, "doctype list", write=False) as p:
        items = doctypes.list_doctypes(p, archived)
        warn = p.warn_days
    app_context(ctx).show(doctypes_view(items, warn), fmt)


@app.command("show")
def show(ctx: typer.Context, key: str, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Show one document type and the policies that require it.

    Example: ctcm doctype show state-license
    """
    from ctcm.areas.credentials import doctypes as doctypes
    from ctcm.areas.credentials import service as cred
    from ctcm.render.views import doctype_view

    with opened(ctx, "doctype show", write=False) as p:
        dt = cred.get_doctype(p, key)
        used = [x.key for x in doctypes.list_policies(p) if key in x.requires]
        warn = p.warn_days
        p.touch(f"doctype:{key}")
    app_context(ctx).show(doctype_view(dt, used, warn), fmt)
