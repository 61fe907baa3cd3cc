"""``ctcm device``: the inventory of devices that hold or reach PHI."""

from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt, SinceOpt
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="Device inventory: encryption, screen lock, audits, disposal.", no_args_is_help=True
)


def _json(p, d, months):  # type: ignore[no-untyped-def]
    light, why = d.light(p.today, months)
    return {
        "key": d.key,
        "type": d.type.value,
        "owner": d.owner,
        "encrypted": d.encrypted.value,
        "screen_lock": d.screen_lock.value,
        "phi": d.phi,
        "last_audit": d.last_audit.isoformat() if d.last_audit else None,
        "retired_on": d.retired_on.isoformat() if d.retired_on else None,
        "retire_method": d.retire_method,
        "in_service": d.in_service.isoformat() if d.in_service else None,
        "status": light.value,
        "why": why,
    }


@app.command("add")
def add(
    ctx: typer.Context,
    key: str,
    type_: Annotated[
        str,
        typer.Option("--type", help="laptop, desktop, phone, tablet, server, removable or other."),
    ],
    owner: Annotated[str | None, typer.Option("--owner", help="PERSON who holds it.")] = None,
    encrypted: Annotated[str, typer.Option("--encrypted", help="yes, no or unknown.")] = "unknown",
    screen_lock: Annotated[
        str, typer.Option("--screen-lock", help="yes, no or unknown.")
    ] = "unknown",
    phi: Annotated[str, typer.Option("--phi", help="yes if it holds or reaches PHI.")] = "yes",
    since: SinceOpt = None,
) -> None:
    """Add a device to the inventory.

    Example: ctcm device add laptop-3 --type laptop --owner bchen --encrypted yes --screen-lock yes
    """
    from ctcm.areas.assets.service import add_device, audit_months
    from ctcm.domain.dates import parse_optional_date

    day = parse_optional_date(since, "--since")
    with opened(ctx, "device add") as p:
        d = add_device(p, key, type_, owner, encrypted, screen_lock, phi, day)
        light, why = d.light(p.today, audit_months(p))
    app_context(ctx).say(f"Added device {d.key}: {light.value.upper()}, {why}.")


@app.command("edit")
def edit(
    ctx: typer.Context,
    key: str,
    owner: Annotated[str | None, typer.Option("--owner")] = None,
    encrypted: Annotated[str | None, typer.Option("--encrypted")] = None,
    screen_lock: Annotated[str | None, typer.Option("--screen-lock")] = None,
    phi: Annotated[str | None, typer.Option("--phi")] = None,
    since: SinceOpt = None,
) -> None:
    """Change a device.

    Example: ctcm device edit laptop-3 --owner kbrown
    """
    from ctcm.areas.assets.service import edit_device
    from ctcm.domain.dates import parse_optional_date

    day = parse_optional_date(since, "--since")
    with opened(ctx, "device edit") as p:
        edit_device(p, key, owner, encrypted, screen_lock, phi, day)
    app_context(ctx).say(f"Updated device {key}.")


@app.command("audit")
def audit(
    ctx: typer.Context,
    key: str,
    on: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD")],
    encrypted: Annotated[str, typer.Option("--encrypted", help="yes, no or unknown.")],
    screen_lock: Annotated[str, typer.Option("--screen-lock", help="yes, no or unknown.")],
    note: Annotated[str | None, typer.Option("--note")] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="PERSON who audited it (default: your own person record)."),
    ] = None,
) -> None:
    """Record a device audit (also a device-audit entry in the log, by the person who did it).

    Example: ctcm device audit laptop-3 --date 2026-11-20 --encrypted yes --screen-lock yes --by fnguyen
    """
    from ctcm.areas.assets.service import audit_device
    from ctcm.domain.dates import parse_date

    day = parse_date(on, "--date")
    with opened(ctx, "device audit") as p:
        _, entry = audit_device(p, key, day, encrypted, screen_lock, note, by)
    app_context(ctx).say(f"Audited {key}; log entry {entry}.")


@app.command("retire")
def retire(
    ctx: typer.Context,
    key: str,
    on: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD")],
    method: Annotated[str, typer.Option("--method", help="How it was wiped or destroyed.")],
) -> None:
    """Record a device's disposal (164.310(d)(2)(i)).

    Example: ctcm device retire laptop-1 --date 2026-11-20 --method "NIST 800-88 purge, certificate 4411"
    """
    from ctcm.areas.assets.service import retire_device
    from ctcm.domain.dates import parse_date

    day = parse_date(on, "--date")
    with opened(ctx, "device retire") as p:
        retire_device(p, key, day, method)
    app_context(ctx).say(f"Retired {key} on {day}.")


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """List devices with their light.

    Example: ctcm device list --format json
    """
    from ctcm.areas.assets.service import audit_months

    with opened(ctx, "device list", write=False) as p:
        months = audit_months(p)
        data = [_json(p, d, months) for d in p.repo.devices().values()]
        p.touch("devices")
    rows = [
        [
            d["key"],
            d["type"],
            d["owner"] or "",
            d["encrypted"],
            d["screen_lock"],
            d["status"],
            d["why"],
        ]
        for d in data
    ]
    app_context(ctx).show(
        View(data, ["key", "type", "owner", "encrypted", "screen_lock", "status", "why"], rows), fmt
    )


@app.command("show")
def show(ctx: typer.Context, key: str, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Show one device.

    Example: ctcm device show laptop-3
    """
    from ctcm.areas.assets.service import audit_months, get_device

    with opened(ctx, "device show", write=False) as p:
        data = _json(p, get_device(p, key), audit_months(p))
        p.touch(f"device:{key}")
    app_context(ctx).show(
        View(data, details=[(k.replace("_", " "), str(v)) for k, v in data.items()]), fmt
    )
