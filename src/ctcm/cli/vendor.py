"""``ctcm vendor``: business associates and their agreements."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt, SinceOpt
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(help="Vendors and business associate agreements (BAAs).", no_args_is_help=True)

PhiOpt = Annotated[str, typer.Option("--phi", help="yes if it sees PHI (paper-only too).")]


def _json(p, v):  # type: ignore[no-untyped-def]
    light, why = v.light(p.today, p.warn_days)
    due = v.review_due()
    return {
        "key": v.key,
        "name": v.name,
        "service": v.service,
        "phi": v.phi,
        "baa_signed": v.baa_signed.isoformat() if v.baa_signed else None,
        "review_months": v.review_months,
        "review_due": due.isoformat() if due else None,
        "last_review": v.last_review.isoformat() if v.last_review else None,
        "baa_file": v.baa_file,
        "in_service": v.in_service.isoformat() if v.in_service else None,
        "status": light.value,
        "why": why,
    }


@app.command("add")
def add(
    ctx: typer.Context,
    key: str,
    name: Annotated[str, typer.Option("--name")],
    service: Annotated[str, typer.Option("--service", help="What the vendor does.")],
    phi: PhiOpt,
    baa_signed: Annotated[str | None, typer.Option("--baa-signed", metavar="YYYY-MM-DD")] = None,
    baa_file: Annotated[
        Path | None, typer.Option("--baa-file", help="The signed BAA (stored encrypted).")
    ] = None,
    review_months: Annotated[int, typer.Option("--review-months")] = 12,
    since: SinceOpt = None,
) -> None:
    """Add a vendor. A vendor that sees PHI needs a signed BAA before any PHI is shared.

    Example: ctcm vendor add shredco --name "ShredCo" --service "document shredding" --phi yes --baa-signed 2026-01-10
    """
    from ctcm.areas.assets.service import add_vendor
    from ctcm.domain.dates import parse_optional_date

    signed = parse_optional_date(baa_signed, "--baa-signed")
    day = parse_optional_date(since, "--since")
    with opened(ctx, "vendor add") as p:
        v = add_vendor(p, key, name, service, phi, signed, baa_file, review_months, day)
        light, why = v.light(p.today, p.warn_days)
    app_context(ctx).say(f"Added vendor {v.key}: {light.value.upper()}, {why}.")


@app.command("edit")
def edit(
    ctx: typer.Context,
    key: str,
    name: Annotated[str | None, typer.Option("--name")] = None,
    service: Annotated[str | None, typer.Option("--service")] = None,
    phi: Annotated[str | None, typer.Option("--phi", help="yes or no.")] = None,
    review_months: Annotated[int | None, typer.Option("--review-months")] = None,
    since: SinceOpt = None,
) -> None:
    """Change a vendor.

    Example: ctcm vendor edit shredco --review-months 24
    """
    from ctcm.areas.assets.service import edit_vendor
    from ctcm.domain.dates import parse_optional_date

    day = parse_optional_date(since, "--since")
    with opened(ctx, "vendor edit") as p:
        edit_vendor(p, key, name, service, phi, review_months, day)
    app_context(ctx).say(f"Updated vendor {key}.")


@app.command("baa")
def baa(
    ctx: typer.Context,
    key: str,
    signed: Annotated[str, typer.Option("--signed", metavar="YYYY-MM-DD")],
    file: Annotated[
        Path | None, typer.Option("--file", help="The signed BAA (stored encrypted).")
    ] = None,
) -> None:
    """Record a signed (or renewed) BAA.

    Example: ctcm vendor baa shredco --signed 2026-11-01 --file baa.pdf
    """
    from ctcm.areas.assets.service import record_baa
    from ctcm.domain.dates import parse_date

    day = parse_date(signed, "--signed date")
    with opened(ctx, "vendor baa") as p:
        v = record_baa(p, key, day, file)
    app_context(ctx).say(f"Recorded the BAA of {v.key} signed {day}; review by {v.review_due()}.")


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """List vendors with their BAA light.

    Example: ctcm vendor list --format json
    """
    with opened(ctx, "vendor list", write=False) as p:
        data = [_json(p, v) for v in p.repo.vendors().values()]
        p.touch("vendors")
    rows = [
        [d["key"], d["name"], d["service"], "yes" if d["phi"] else "no", d["status"], d["why"]]
        for d in data
    ]
    app_context(ctx).show(View(data, ["key", "name", "service", "phi", "status", "why"], rows), fmt)


@app.command("show")
def show(ctx: typer.Context, key: str, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Show one vendor.

    Example: ctcm vendor show shredco
    """
    from ctcm.areas.assets.service import get_vendor

    with opened(ctx, "vendor show", write=False) as p:
        data = _json(p, get_vendor(p, key))
        p.touch(f"vendor:{key}")
    app_context(ctx).show(
        View(data, details=[(k.replace("_", " "), str(v)) for k, v in data.items()]), fmt
    )
