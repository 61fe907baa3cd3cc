"""``ctcm training``: training sessions, who attended, and the training matrix."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(help="Training sessions and each person's training record.", no_args_is_help=True)


@app.command("record")
def record(
    ctx: typer.Context,
    topic: Annotated[str, typer.Option("--topic", help="What the session covered.")],
    attendee: Annotated[list[str], typer.Option("--attendee", help="PERSON (repeat).")],
    on: Annotated[
        str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="Default: today.")
    ] = None,
    doctype: Annotated[
        str | None,
        typer.Option("--doctype", help="A training document type each attendee then holds."),
    ] = None,
    file: Annotated[
        list[Path] | None, typer.Option("--file", help="Sign-in sheet, slides (repeat).")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="PERSON who gave it.")] = None,
) -> None:
    """Record a training session and each attendee's completion. Prints the log entry id.

    With --doctype (e.g. hipaa-training) every attendee gets a document of that type issued
    that day, so their lights turn green.

    Example: ctcm training record --topic "Phishing 2026" --attendee bchen --attendee kbrown --doctype hipaa-training
    """
    from ctcm.areas.activities.service import record_training
    from ctcm.domain.dates import parse_optional_date

    day = parse_optional_date(on, "--date")
    with opened(ctx, "training record") as p:
        entry_id, docs = record_training(p, topic, day, attendee, doctype, list(file or []), by)
    typer.echo(entry_id)
    extra = f"; {len(docs)} {doctype} document(s) issued" if docs else ""
    app_context(ctx).say(
        f"Recorded training session {entry_id} ({len(attendee)} attendee(s){extra})."
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    person: Annotated[
        str | None, typer.Option("--person", help="Only sessions they attended.")
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """List training sessions and who attended.

    Example: ctcm training list --person bchen --format json
    """
    from ctcm.areas.activities.service import list_training

    with opened(ctx, "training list", write=False) as p:
        items = list_training(p, person)
    data = [
        {
            "entry": t.entry.id,
            "date": t.entry.on.isoformat(),
            "topic": t.topic,
            "attendees": list(t.attendees),
            "by": t.entry.by,
        }
        for t in items
    ]
    rows = [[t.entry.id, t.entry.on.isoformat(), t.topic, ", ".join(t.attendees)] for t in items]
    app_context(ctx).show(
        View(data, ["entry", "date", "topic", "attendees"], rows, status_column=None), fmt
    )


@app.command("matrix")
def matrix(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """People by training type: the date of each one's last completion and its light.

    Example: ctcm training matrix
    """
    from ctcm.areas.credentials import service as cred
    from ctcm.domain.credentials import Category

    with opened(ctx, "training matrix", write=False) as p:
        types = [
            d
            for d in p.repo.doctypes().values()
            if d.category is Category.TRAINING and not d.archived
        ]
        board = cred.evaluate_active(p)
        docs = p.repo.current_documents()
    data = []
    rows = []
    for s in board:
        required = {r.doctype: r for r in s.requirements}
        cells = {}
        for t in types:
            doc = docs.get((s.person.id, t.key))
            req = required.get(t.key)
            cells[t.key] = {
                "last": (doc.issued or doc.expires).isoformat()
                if doc and (doc.issued or doc.expires)
                else None,
                "status": req.status.value if req else ("on file" if doc else None),
            }
        data.append({"person": s.person.id, "name": s.person.name, "training": cells})
        rows.append(
            [s.person.name]
            + [
                " ".join(x for x in (c["last"] or "-", (c["status"] or "").upper()) if x)
                if c["last"] or c["status"]
                else "-"
                for c in cells.values()
            ]
        )
    app_context(ctx).show(
        View(data, ["person", *(t.key for t in types)], rows, status_column=None), fmt
    )
