"""``ctcm inbox`` and ``ctcm submit``: staff send in their own renewed documents, sealed for the
vault; the office reviews and accepts or rejects each one."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened, write_private
from ctcm.cli.options import FormatOpt
from ctcm.errors import InvalidInput
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
    from ctcm.areas.credentials.inbox import key_fingerprint

    write_private(out, k.to_text().encode())
    out.chmod(0o644)  # public: staff need to read it
    app_context(ctx).say(
        f"Wrote the submission key {k.key_id} to {out} (fingerprint {key_fingerprint(k)}: tell "
        f"staff, who can check it with --fingerprint); staff submit with their submit card, or: "
        f"ctcm submit --key {out.name} --person ID --type DOCTYPE --file SCAN --out {folder}"
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
    from ctcm.areas.credentials.inbox import AlreadyDecided
    from ctcm.areas.credentials.inbox import accept as do_accept
    from ctcm.areas.credentials.service import describe_recorded

    with opened(ctx, "inbox accept") as p:
        try:
            recorded = describe_recorded(p, do_accept(p, entry, directory))
        except AlreadyDecided as seen:  # a retry: a no-op said in one line, and saved
            recorded = ""
            note = str(seen)
    app_context(ctx).say(f"Accepted: {recorded}" if recorded else f"Nothing to do: {note}.")


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
    from ctcm.areas.credentials.inbox import AlreadyDecided
    from ctcm.areas.credentials.inbox import reject as do_reject

    with opened(ctx, "inbox reject") as p:
        try:
            e = do_reject(p, entry, reason, directory)
            said = f"Rejected submission {e.id}: {reason}"
        except AlreadyDecided as seen:
            said = f"Nothing to do: {seen}."
    app_context(ctx).say(said)


def submit(
    ctx: typer.Context,
    key_file: Annotated[
        Path,
        typer.Option(
            "--key", "--card", help="Your submit card (from your status mail) or the key file."
        ),
    ],
    file: Annotated[Path, typer.Option("--file", help="The scan or photo (PDF, PNG, JPEG, HEIC).")],
    person: Annotated[
        str | None, typer.Option("--person", help="Your person id (on your card already).")
    ] = None,
    doctype: Annotated[
        str | None,
        typer.Option("--type", help="Which document, by name or key (asked when not given)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="The practice's drop folder (on your card).")
    ] = None,
    issued: Annotated[
        str | None, typer.Option("--issued", help="e.g. 3/31/2025 or March 31, 2025.")
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="e.g. 3/31/2027 or March 31, 2027.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Seal without asking to confirm.")] = False,
    fingerprint: Annotated[
        str | None,
        typer.Option("--fingerprint", help="The key's fingerprint the office gave you, to check."),
    ] = None,
) -> None:
    """Send in your own renewed document, sealed so only the practice's vault can open it (no
    vault access needed; you cannot read it back). The office reviews it.

    With your submit card (attached to your status mail), ctcm knows who you are and which
    documents the office asked for: it offers them by name and refuses any other. It shows
    what it will seal (person, document, dates, file) and asks before sealing.

    Example: ctcm submit --card submit-card-bchen.ctcmcard --file license.pdf --expires 3/31/2027
    """
    from ctcm.areas.credentials.inbox import (
        card_type,
        prepare_submission,
        read_key,
        seal_submission,
    )

    actx = app_context(ctx)
    env = actx.environment
    today = env.as_of or env.clock.now().astimezone().date()
    key, card = read_key(key_file)
    if fingerprint is not None:
        from ctcm.areas.credentials.inbox import key_fingerprint

        expected = "".join(fingerprint.split()).upper()
        actual = key_fingerprint(key)
        if expected != actual.replace(" ", ""):
            raise InvalidInput(
                f"this key's fingerprint is {actual}, not the one you were given: do not use it; "
                "ask the office for the practice's key"
            )
    if card is not None:
        chosen = _choose(actx, card.types) if doctype is None else card_type(card, doctype)
    elif doctype is None:
        raise InvalidInput("give --type (the document type's key), or use your submit card")
    else:
        chosen = (doctype, None)
    sub = prepare_submission(key_file, person, chosen, issued, expires, file, out, today)
    actx.say("About to seal and send:\n  " + "\n  ".join(sub.preview()))
    if env.interactive and not yes and not typer.confirm("Seal and send it?", default=True):
        actx.say("Nothing sealed.")
        return
    target = seal_submission(sub, today)
    actx.say(f"Sealed {file.name} into {target}; the office will review it.")


def _choose(actx, types: tuple[tuple[str, str], ...]) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The document to send, from the card's list: the only one, or the one picked."""
    if not types:
        raise InvalidInput("your submit card lists no document to send: nothing is asked of you")
    if len(types) == 1:
        return types[0]
    if not actx.environment.interactive:
        names = "; ".join(name for _, name in types)
        raise InvalidInput(f'give --type "NAME" with one of the documents asked of you: {names}')
    actx.say("Which document are you sending?")
    for i, (_, name) in enumerate(types, 1):
        actx.say(f"  {i}. {name}")
    answer = typer.prompt("Number", default="1").strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(types):
        raise InvalidInput(f"choose a number from 1 to {len(types)}")
    return types[int(answer) - 1]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="inbox")
    root.command("submit")(submit)
