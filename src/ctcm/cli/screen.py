"""``ctcm screen``: exclusion screening against the OIG LEIE and SAM lists."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="Exclusion screening: OIG LEIE and SAM files, runs at hire and monthly, triage.",
    no_args_is_help=True,
)
import_app = typer.Typer(help="Import an exclusion list file.", no_args_is_help=True)
app.add_typer(import_app, name="import")

PublishedOpt = Annotated[
    str | None,
    typer.Option(
        "--published",
        metavar="YYYY-MM",
        help="The list's month (default: a supplement's name, else the file's date).",
    ),
]


def _import(ctx: typer.Context, source: str, file: Path, published: str | None) -> None:
    from ctcm.areas.screening.service import import_list

    with opened(ctx, f"screen import {source}") as p:
        sl = import_list(p, source, file, published)
    app_context(ctx).say(
        f"Imported {sl.source.upper()} {sl.kind} list {sl.id} of {sl.published} (--published "
        f"to correct the month): {sl.rows} rows, "
        f"SHA-256 {sl.sha256[:16]}... Next: ctcm screen run"
    )


@import_app.command("leie")
def import_leie(ctx: typer.Context, file: Path, published: PublishedOpt = None) -> None:
    """Import the OIG LEIE full file (UPDATED.csv) or a monthly supplement (YYMMEXCL.csv adds,
    YYMMREIN.csv removes reinstated people).

    Example: ctcm screen import leie UPDATED.csv --published 2026-11
    """
    _import(ctx, "leie", file, published)


@import_app.command("sam")
def import_sam(ctx: typer.Context, file: Path, published: PublishedOpt = None) -> None:
    """Import the SAM.gov exclusions public extract (CSV, or the ZIP it comes in).

    Example: ctcm screen import sam SAM_Exclusions_Public_Extract.zip
    """
    _import(ctx, "sam", file, published)


@app.command("person")
def person(
    ctx: typer.Context,
    person_id: str,
    dob: Annotated[str | None, typer.Option("--dob", metavar="YYYY-MM-DD")] = None,
    other_name: Annotated[
        list[str] | None,
        typer.Option("--other-name", help="A maiden or other name, 'First Last' (repeat)."),
    ] = None,
) -> None:
    """Record what screening matches on beyond the roster: date of birth and other names.

    Example: ctcm screen person bchen --dob 1984-03-02 --other-name "Ben Chang"
    """
    from ctcm.areas.screening.service import set_subject
    from ctcm.domain.dates import parse_optional_date

    day = parse_optional_date(dob, "--dob")
    with opened(ctx, "screen person") as p:
        set_subject(p, person_id, day, list(other_name or []))
    app_context(ctx).say(f"Recorded the screening details of {person_id}.")


@app.command("run")
def run(
    ctx: typer.Context,
    person_id: Annotated[str | None, typer.Argument(help="One person (default: everyone).")] = None,
    vendors: Annotated[
        bool, typer.Option("--vendors", help="Screen the vendors too, by business name.")
    ] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Screen every active person (or one) against the imported lists; the run is recorded.

    A candidate is an NPI that agrees, or a name that agrees with the date of birth where both
    are known; a name alone is a candidate to verify, never called a match. With --vendors,
    each vendor whose business name (without Inc, LLC ...) is a listed business's is a
    candidate too (as "vendor:KEY").

    Example: ctcm screen run --vendors
    """
    from ctcm.areas.screening.service import run as do_run

    with opened(ctx, "screen run") as p:
        result = do_run(p, person_id, vendors)
        ids = {c.id: c for c in p.repo.screening_candidates() if c.run_id == result.run_id}
    rows = [[c.id, c.person_id, c.basis, c.row] for c in ids.values()]
    data = {
        "run": result.run_id,
        "people": result.people,
        "vendors": result.vendors,
        "lists": [
            {"source": sl.source, "kind": sl.kind, "published": sl.published, "sha256": sl.sha256}
            for sl in result.lists
        ],  # fmt: skip
        "candidates": [
            {"id": c.id, "person": c.person_id, "basis": c.basis, "row": c.row}
            for c in ids.values()
        ],  # fmt: skip
    }
    actx = app_context(ctx)
    if rows or fmt is not OutputFormat.TABLE:
        actx.show(View(data, ["candidate", "person", "basis", "list row"], rows,
                       status_column=None), fmt)  # fmt: skip
    actx.say(
        f"Screening run {result.run_id}: {result.people} person(s)"
        + (f", {result.vendors} vendor(s)" if vendors else "")
        + f", {len(rows)} candidate(s)"
        + (" to verify (ctcm screen resolve ID --cleared|--confirmed --note ...)." if rows
           else ": no match.")
    )  # fmt: skip


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Screening runs and their candidates, with dispositions.

    Example: ctcm screen list --format json
    """
    with opened(ctx, "screen list", write=False) as p:
        runs = p.repo.screening_runs()
        candidates = p.repo.screening_candidates()
        lists = p.repo.screening_lists()
        p.touch("screening")
    data = {
        "lists": [
            {
                "id": sl.id,
                "source": sl.source,
                "kind": sl.kind,
                "published": sl.published,
                "rows": sl.rows,
                "sha256": sl.sha256,
            }
            for sl in lists
        ],  # fmt: skip
        "runs": [
            {"id": r.id, "date": r.on.isoformat(), "by": r.ran_by, "people": len(r.people)}
            for r in runs
        ],  # fmt: skip
        "candidates": [
            {
                "id": c.id,
                "run": c.run_id,
                "person": c.person_id,
                "basis": c.basis,
                "row": c.row,
                "resolution": c.resolution,
                "note": c.note,
            }
            for c in candidates
        ],  # fmt: skip
    }
    rows = [[c.id, c.run_id, c.person_id, c.basis, c.resolution or "UNRESOLVED"]
            for c in candidates]  # fmt: skip
    app_context(ctx).show(
        View(data, ["candidate", "run", "person", "basis", "disposition"], rows,
             title=f"{len(runs)} run(s); {len(lists)} list file(s)", status_column=None),
        fmt,
    )  # fmt: skip


@app.command("resolve")
def resolve(
    ctx: typer.Context,
    candidate: int,
    note: Annotated[str, typer.Option("--note", help="How it was verified.")],
    cleared: Annotated[bool, typer.Option("--cleared", help="Not the same person.")] = False,
    confirmed: Annotated[bool, typer.Option("--confirmed", help="The same person.")] = False,
) -> None:
    """Triage a candidate: cleared (not the person) or confirmed (excluded), with how it was
    verified (the LEIE has no SSNs: name the online verification used).

    Example: ctcm screen resolve 3 --cleared --note "OIG online verification by SSN on 2026-03-02: no match"
    """
    from ctcm.areas.screening.service import resolve as do_resolve
    from ctcm.errors import InvalidInput

    if cleared == confirmed:
        raise InvalidInput("give --cleared or --confirmed")
    with opened(ctx, "screen resolve") as p:
        do_resolve(p, candidate, "cleared" if cleared else "confirmed", note)
    app_context(ctx).say(
        f"Candidate {candidate} {'cleared' if cleared else 'CONFIRMED: the person may not work on federal health program business'}."
    )
