"""``ctcm inbox`` and ``ctcm submit``: staff send in their own renewed documents, sealed for the
vault; the office reviews and accepts or rejects each one."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened, write_private
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(help="Documents staff submitted themselves (sealed for this vault).")

DirOpt = Annotated[
    Path | None,
    typer.Option(
        "--dir", help="The drop folder (default: set by 'inbox key --drop', else <vault>/inbox)."
    ),
]


@app.command("key")
def key(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Where to write the public key file.")],
    drop: Annotated[
        Path | None, typer.Option("--drop", help="The shared folder submissions go to.")
    ] = None,
) -> None:
    """Export the practice's public submission key (made on first use) for staff to use with
    ctcm submit. It only seals documents for this vault; it opens nothing.

    Example: ctcm inbox key --out riverbend.ctcmkey --drop /srv/share/ctcm-inbox
    """
    from ctcm.areas.credentials.inbox import drop_dir, inbox_key

    with opened(ctx, "inbox key") as p:
        k = inbox_key(p, drop)
        folder = drop_dir(p)
    write_private(out, k.to_text().encode())
    out.chmod(0o644)  # public: staff need to read it
    app_context(ctx).say(
        f"Wrote the submission key {k.key_id} to {out}; staff submit with: ctcm submit --key "
        f"{out.name} --person ID --type DOCTYPE --file SCAN --out {folder}"
    )


def _row(e) -> list[object]:  # type: ignore[no-untyped-def]
    m = e.meta or {}
    what = e.refused or f"{m.get('doctype')} for {m.get('person')}"
    return [
        e.id,
        e.status,
        what,
        m.get("issued") or "",
        m.get("expires") or "",
        m.get("submitted_on") or "",
    ]


@app.command("list")
def list_(
    ctx: typer.Context, directory: DirOpt = None, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """The submissions waiting in the drop folder, each opened and checked.

    Example: ctcm inbox list
    """
    from ctcm.areas.credentials.inbox import entries

    with opened(ctx, "inbox list", write=False) as p:
        found = entries(p, directory)
    data = [
        {
            "id": e.id,
            "status": e.status,
            "refused": e.refused,
            "file": e.path.name,
            **(e.meta or {}),
        }
        for e in found
    ]
    view = View(
        data,
        ["id", "status", "what", "issued", "expires", "submitted"],
        [_row(e) for e in found],
        status_column=None,
        footer=None if found else "No submissions waiting.",
    )
    app_context(ctx).show(view, fmt)


@app.command("show")
def show(ctx: typer.Context, entry: str, directory: DirOpt = None) -> None:
    """One submission: who and what it is for, its dates and file (or why it is refused).

    Example: ctcm inbox show 3fa2c9
    """
    from ctcm.areas.credentials.inbox import get_entry

    with opened(ctx, "inbox show", write=False) as p:
        e = get_entry(p, entry, directory)
    if e.refused:
        typer.echo(f"Submission {e.id} ({e.path.name}): REFUSED, {e.refused}")
        return
    m = e.meta or {}
    typer.echo(
        f"Submission {e.id} ({e.path.name}): {m.get('doctype')} for {m.get('person')}, "
        f"issued {m.get('issued') or '-'}, expires {m.get('expires') or '-'}, file "
        f"{m.get('filename')} ({len(e.content or b'')} bytes), submitted {m.get('submitted_on')}"
    )


@app.command("accept")
def accept(ctx: typer.Context, entry: str, directory: DirOpt = None) -> None:
    """Record the submission as a document with its scan (the person's lights update).

    Example: ctcm inbox accept 3fa2c9
    """
    from ctcm.areas.credentials.inbox import accept as do_accept
    from ctcm.areas.credentials.service import describe_recorded

    with opened(ctx, "inbox accept") as p:
        doc_id = do_accept(p, entry, directory)
        recorded = describe_recorded(p, doc_id)
    app_context(ctx).say(f"Accepted: {recorded}")


@app.command("reject")
def reject(
    ctx: typer.Context,
    entry: str,
    reason: Annotated[str, typer.Option("--reason")],
    directory: DirOpt = None,
) -> None:
    """Refuse a submission (wrong person, unreadable scan...): recorded, and the file removed.

    Example: ctcm inbox reject 3fa2c9 --reason "scan unreadable"
    """
    from ctcm.areas.credentials.inbox import reject as do_reject

    with opened(ctx, "inbox reject") as p:
        e = do_reject(p, entry, reason, directory)
    app_context(ctx).say(f"Rejected submission {e.id}: {reason}")


def submit(
    ctx: typer.Context,
    key_file: Annotated[Path, typer.Option("--key", help="The practice's submission key file.")],
    person: Annotated[str, typer.Option("--person", help="Your person id at the practice.")],
    doctype: Annotated[str, typer.Option("--type", help="The document type's key.")],
    file: Annotated[Path, typer.Option("--file", help="The scan or photo of the document.")],
    out: Annotated[Path, typer.Option("--out", help="The practice's drop folder.")],
    issued: Annotated[str | None, typer.Option("--issued", metavar="YYYY-MM-DD")] = None,
    expires: Annotated[str | None, typer.Option("--expires", metavar="YYYY-MM-DD")] = None,
) -> None:
    """Send in your own renewed document, sealed so only the practice's vault can open it (no
    vault access needed; you cannot read it back). The office reviews it.

    Example: ctcm submit --key rb.ctcmkey --person bchen --type npi --file npi.pdf --out /srv/drop
    """
    from ctcm.areas.credentials.inbox import submit as do_submit
    from ctcm.domain.dates import parse_optional_date

    env = app_context(ctx).environment
    day_issued = parse_optional_date(issued, "--issued")
    day_expires = parse_optional_date(expires, "--expires")
    today = env.as_of or env.clock.now().astimezone().date()
    target = do_submit(key_file, person, doctype, day_issued, day_expires, file, out, today)
    app_context(ctx).say(f"Sealed {file.name} into {target}; the office will review it.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="inbox")
    root.command("submit")(submit)
