"""``ctcm log``: forms & logs, the written record of every security activity."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="Forms & logs: record security activities with their evidence.", no_args_is_help=True
)


def _entry_json(e, names):  # type: ignore[no-untyped-def]
    return {
        "id": e.id,
        "kind": e.kind,
        "date": e.on.isoformat(),
        "by": e.by,
        "note": e.note,
        "fields": dict(e.fields),
        "corrects": e.corrects,
        "attachments": e.attachments,
        "recorded_at": e.created_at,
    }


@app.command("add")
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="An activity kind (see ctcm log kinds).")],
    on: Annotated[
        str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="When (default: today).")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="PERSON who did it.")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    file: Annotated[
        list[Path] | None, typer.Option("--file", help="Evidence to store encrypted (repeat).")
    ] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="key=value the kind records (repeat).")
    ] = None,
    corrects: Annotated[
        int | None, typer.Option("--corrects", help="The entry this one corrects.")
    ] = None,
    for_: Annotated[
        str | None,
        typer.Option(
            "--for",
            metavar="YYYY-MM-DD",
            help="The calendar occurrence this closes (late work for an earlier one).",
        ),
    ] = None,
) -> None:
    """Record a security activity done. Prints the entry id.

    An entry closes the open occurrence of the period it falls in (late, when after its day);
    --for names an earlier occurrence it catches up on. Entries are never edited: a correction
    is a new entry with --corrects ID.

    Example: ctcm log add log-review --date 2026-03-18 --for 2026-02-01 --field systems=EHR
    """
    from ctcm.areas.activities.service import add_entry, closed_by
    from ctcm.domain.dates import parse_optional_date

    day = parse_optional_date(on, "--date")
    occurrence = parse_optional_date(for_, "--for")
    with opened(ctx, "log add") as p:
        entry_id = add_entry(
            p, kind, day, by, note, list(file or []), list(field or []), corrects, occurrence
        )
        closed = closed_by(p, kind, entry_id)
    typer.echo(entry_id)
    what = f"Recorded {kind} as entry {entry_id}"
    if closed is not None:
        what += f": the occurrence of {closed.due} is {closed.state.label}"
    app_context(ctx).say(what + ".")


@app.command("list")
def list_(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind.")] = None,
    since: Annotated[str | None, typer.Option("--since", metavar="YYYY-MM-DD")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """List recorded activities, oldest first.

    Example: ctcm log list --kind log-review --since 2026-01-01 --format csv
    """
    from ctcm.areas.activities.service import list_entries
    from ctcm.domain.dates import parse_optional_date

    day = parse_optional_date(since, "--since date")
    with opened(ctx, "log list", write=False) as p:
        entries = list_entries(p, kind, day)
    corrected = {e.corrects for e in entries if e.corrects}
    data = [_entry_json(e, {}) for e in entries]
    rows = [
        [
            e.id,
            e.on.isoformat(),
            e.kind,
            e.by or "",
            "; ".join(f"{k}={v}" for k, v in e.fields),
            (e.note or "")[:40],
            f"corrects {e.corrects}" if e.corrects else ("corrected" if e.id in corrected else ""),
        ]
        for e in entries
    ]
    app_context(ctx).show(
        View(
            data,
            ["id", "date", "kind", "by", "fields", "note", "correction"],
            rows,
            status_column=None,
        ),
        fmt,
    )


@app.command("show")
def show(ctx: typer.Context, entry: int, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Show one entry, its evidence and any correction of it.

    Example: ctcm log show 12
    """
    from ctcm.areas.activities.service import show_entry

    with opened(ctx, "log show", write=False) as p:
        d = show_entry(p, entry)
    e = d.entry
    data = _entry_json(e, {}) | {
        "kind_name": d.kind.name,
        "citations": list(d.kind.citations),
        "attachments": [{"id": a, "filename": f, "size": s} for a, f, s in d.attachments],
        "corrected_by": d.corrected_by,
    }
    details = [
        ("entry", str(e.id)),
        ("activity", f"{d.kind.name} ({', '.join(d.kind.citations)})"),
        ("date", e.on.isoformat()),
        ("by", e.by or "-"),
        *((k, v) for k, v in e.fields),
        ("note", e.note or "-"),
        ("evidence", ", ".join(f for _, f, _ in d.attachments) or "-"),
    ]
    if e.corrects:
        details.append(("corrects", f"entry {e.corrects}"))
    if d.corrected_by:
        details.append(("corrected by", ", ".join(str(x) for x in d.corrected_by)))
    app_context(ctx).show(View(data, details=details), fmt)


@app.command("kinds")
def kinds_(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """List the activity kinds, what each evidences and when: after an event, or a suggested
    cadence (the practice's choice: the rule sets no interval).

    Example: ctcm log kinds --format json
    """
    from ctcm.areas.activities.service import kinds

    with opened(ctx, "log kinds", write=False) as p:
        items = sorted(kinds(p).values(), key=lambda k: k.key)
    data = [
        {
            "key": k.key,
            "name": k.name,
            "citations": list(k.citations),
            "cadence": k.cadence,
            "when": k.when,
            "event": k.event,
            "fields": list(k.fields),
            "why": k.why,
            "builtin": k.builtin,
        }
        for k in items
    ]
    rows = [[k.key, k.name, ", ".join(k.citations), k.when, ", ".join(k.fields)] for k in items]
    app_context(ctx).show(
        View(data, ["key", "name", "citations", "when", "fields"], rows, status_column=None),
        fmt,
    )


@app.command("kind-add")
def kind_add(
    ctx: typer.Context,
    key: str,
    name: Annotated[str, typer.Option("--name")],
    cadence: Annotated[
        str, typer.Option("--cadence", help='An RRULE, e.g. "FREQ=MONTHLY;BYMONTHDAY=1".')
    ],
    cite: Annotated[list[str] | None, typer.Option("--cite", help="A citation (repeat).")] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="A field entries record (repeat).")
    ] = None,
    why: Annotated[str | None, typer.Option("--why", help="What it evidences.")] = None,
) -> None:
    """Add the practice's own activity kind.

    Example: ctcm log kind-add fire-drill --name "Fire drill" --cadence "FREQ=YEARLY"
    """
    from ctcm.areas.activities.service import add_kind

    with opened(ctx, "log kind-add") as p:
        kind = add_kind(p, key, name, cadence, list(cite or []), list(field or []), why)
    app_context(ctx).say(f"Added activity kind {kind.key}.")
