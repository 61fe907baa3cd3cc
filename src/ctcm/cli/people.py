"""``ctcm person``: personnel, their policies, extra requirements and waivers."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import AppContext, app_context, opened, write_output
from ctcm.cli.options import DateFormatOpt, DryRunOpt, FormatOpt
from ctcm.render.formats import OutputFormat

app = typer.Typer(help="Personnel: who must hold which documents.", no_args_is_help=True)

DateOpt = Annotated[str | None, typer.Option(metavar="YYYY-MM-DD")]


def _date(value: str | None, what: str):  # type: ignore[no-untyped-def]
    from ctcm.domain.dates import parse_optional_date

    return parse_optional_date(value, what)


@app.command("add")
def add(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="ID")],
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    email: Annotated[str, typer.Option("--email", help="Where reminders go.")],
    policy: Annotated[
        list[str] | None, typer.Option("--policy", help="Assign a policy (repeat the option).")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Job title.")] = None,
    start: Annotated[
        str | None, typer.Option("--start", metavar="YYYY-MM-DD", help="Start date.")
    ] = None,
) -> None:
    """Add a person.

    Example: ctcm person add jdoe --name "Jane Doe" --email jane@example.org --policy clinician
    """
    from ctcm.areas.credentials import service as cred
    from ctcm.domain.credentials import Person

    person = Person(
        person_id, name, email, title, _date(start, "start date"), policies=tuple(policy or ())
    )
    with opened(ctx, "person add") as p:
        cred.add_person(p, person)
    app_context(ctx).say(f"Added {person_id}.")


@app.command("edit")
def edit(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="ID")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    title: Annotated[str | None, typer.Option("--title")] = None,
    start: Annotated[str | None, typer.Option("--start", metavar="YYYY-MM-DD")] = None,
) -> None:
    """Change a person's name, email, title or start date.

    Example: ctcm person edit jdoe --email jane.doe@example.org
    """
    from ctcm.areas.credentials import service as cred

    with opened(ctx, "person edit") as p:
        cred.edit_person(p, person_id, name, email, title, _date(start, "start date"))
    app_context(ctx).say(f"Updated {person_id}.")


@app.command("list")
def list_(
    ctx: typer.Context,
    inactive: Annotated[bool, typer.Option("--inactive", help="Include inactive people.")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """List personnel.

    Example: ctcm person list --format csv
    """
    from ctcm.areas.credentials import service as cred
    from ctcm.render.views import people_view

    with opened(ctx, "person list", write=False) as p:
        items = cred.list_people(p, inactive)
    app_context(ctx).show(people_view(items), fmt)


@app.command("show")
def show(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="ID")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Show one person, their policies, extras and waivers.

    Example: ctcm person show jdoe
    """
    from ctcm.areas.credentials import service as cred
    from ctcm.render.views import person_view

    with opened(ctx, "person show", write=False) as p:
        person = cred.get_person(p, person_id)
        waivers = sorted(
            (w.doctype, w.reason, w.until)
            for (pid, _), w in p.repo.waivers().items()
            if pid == person_id
        )
        p.touch(f"person:{person_id}")
    app_context(ctx).show(person_view(person, waivers), fmt)


def _simple(ctx: typer.Context, command: str, message: str, action) -> None:  # type: ignore[no-untyped-def]
    with opened(ctx, command) as p:
        action(p)
    app_context(ctx).say(message)


@app.command("assign")
def assign(
    ctx: typer.Context, person_id: Annotated[str, typer.Argument(metavar="ID")], policy: str
) -> None:
    """Assign a policy to a person.

    Example: ctcm person assign jdoe prescriber
    """
    from ctcm.areas.credentials import service as cred

    _simple(
        ctx,
        "person assign",
        f"Assigned {policy} to {person_id}.",
        lambda p: cred.assign_policy(p, person_id, policy, True),
    )


@app.command("unassign")
def unassign(
    ctx: typer.Context, person_id: Annotated[str, typer.Argument(metavar="ID")], policy: str
) -> None:
    """Remove a policy from a person.

    Example: ctcm person unassign jdoe prescriber
    """
    from ctcm.areas.credentials import service as cred

    _simple(
        ctx,
        "person unassign",
        f"Removed {policy} from {person_id}.",
        lambda p: cred.assign_policy(p, person_id, policy, False),
    )


@app.command("require")
def require(
    ctx: typer.Context, person_id: Annotated[str, typer.Argument(metavar="ID")], doctype: str
) -> None:
    """Require a document type of this person only (an extra).

    Example: ctcm person require jdoe dea
    """
    from ctcm.areas.credentials import service as cred

    _simple(
        ctx,
        "person require",
        f"{person_id} must now hold {doctype}.",
        lambda p: cred.person_extra(p, person_id, doctype, True),
    )


@app.command("unrequire")
def unrequire(
    ctx: typer.Context, person_id: Annotated[str, typer.Argument(metavar="ID")], doctype: str
) -> None:
    """Drop an extra requirement of this person.

    Example: ctcm person unrequire jdoe dea
    """
    from ctcm.areas.credentials import service as cred

    _simple(
        ctx,
        "person unrequire",
        f"{doctype} is no longer an extra for {person_id}.",
        lambda p: cred.person_extra(p, person_id, doctype, False),
    )


@app.command("waive")
def waive(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="ID")],
    doctype: str,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept on record).")],
    until: Annotated[
        str | None,
        typer.Option(
            "--until", metavar="YYYY-MM-DD", help="The waiver ends by itself after this day."
        ),
    ] = None,
) -> None:
    """Waive a requirement for a person (counts as satisfied until it ends).

    Example: ctcm person waive jdoe cpr-bls --reason "telehealth only" --until 2027-06-30
    """
    from ctcm.areas.credentials import service as cred

    day = _date(until, "--until date")
    _simple(
        ctx,
        "person waive",
        f"Waived {doctype} for {person_id}" + (f" until {day}." if day else "."),
        lambda p: cred.waive(p, person_id, doctype, reason, day),
    )


@app.command("unwaive")
def unwaive(
    ctx: typer.Context, person_id: Annotated[str, typer.Argument(metavar="ID")], doctype: str
) -> None:
    """End a waiver now.

    Example: ctcm person unwaive jdoe cpr-bls
    """
    from ctcm.areas.credentials import service as cred

    _simple(
        ctx,
        "person unwaive",
        f"Ended the waiver of {doctype} for {person_id}.",
        lambda p: cred.unwaive(p, person_id, doctype),
    )


@app.command("deactivate")
def deactivate(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="ID")],
    date: Annotated[
        str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="Last day (default: today).")
    ] = None,
) -> None:
    """Stop counting and reminding a person who left (kept on record for six years).

    Example: ctcm person deactivate jdoe --date 2026-10-31
    """
    from ctcm.areas.credentials import service as cred

    day = _date(date, "--date")
    _simple(
        ctx,
        "person deactivate",
        f"Deactivated {person_id}.",
        lambda p: cred.set_active(p, person_id, False, day),
    )


@app.command("reactivate")
def reactivate(ctx: typer.Context, person_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Count and remind a person again.

    Example: ctcm person reactivate jdoe
    """
    from ctcm.areas.credentials import service as cred

    _simple(
        ctx,
        "person reactivate",
        f"Reactivated {person_id}.",
        lambda p: cred.set_active(p, person_id, True),
    )


def report_import(actx: AppContext, result, what: str, fmt=None) -> None:  # type: ignore[no-untyped-def]
    """What an import did: a sentence, or with ``--format json`` the record of it."""
    if fmt is not None and fmt is not OutputFormat.TABLE:
        from ctcm.render.formats import View

        data = {
            "dry_run": result.dry_run,
            "added": list(result.added),
            "updated": list(result.updated),
            "unchanged": result.unchanged,
        }
        actx.show(View(data, ["field", "value"], [], status_column=None), fmt)
        return
    verb = "would add" if result.dry_run else "added"
    upd = "would update" if result.dry_run else "updated"
    actx.say(
        f"{verb} {len(result.added)} {what}, {upd} {len(result.updated)}, "
        f"{result.unchanged} unchanged" + (" (dry run: nothing changed)" if result.dry_run else ".")
    )


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.csv")],
    dry_run: DryRunOpt = False,
    date_format: DateFormatOpt = None,
) -> None:
    """Import people from CSV (columns: id,name,email,policies,title,start; policies split by ;).

    Separators ',', ';' or tab are recognised; empty trailing columns are ignored.

    All or nothing: any bad row is reported with its row number and nothing is imported.
    Importing the same file again changes nothing.

    Example: ctcm person import staff.csv --dry-run
    """
    from ctcm.areas.credentials import csvio as csvio
    from ctcm.domain.dates import check_date_format

    check_date_format(date_format)
    text = csvio.read_csv_text(file)
    with opened(ctx, "person import", write=not dry_run) as p:  # a dry run never saves
        result = csvio.import_people(p, text, file.name, dry_run, date_format)
    report_import(app_context(ctx), result, "people")


@app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
) -> None:
    """Export people as CSV in the import format (formula-safe for spreadsheets).

    Example: ctcm person export --out staff.csv
    """
    from ctcm.areas.credentials import csvio as csvio

    with opened(ctx, "person export", write=False) as p:
        text = csvio.export_people(p)
    write_output(app_context(ctx), text, out)
