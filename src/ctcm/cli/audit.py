"""``ctcm audit``: the tamper-evident trail of who read or changed what."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened, write_output
from ctcm.cli.options import FormatOpt
from ctcm.errors import VaultError
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(help="Audit trail: one hash-chained entry per command.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", metavar="YYYY-MM-DD")] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Only the entries of this user or service (name or slot id). To open the "
            "vault as someone else here, put --user before the command or set CTCM_USER.",
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """List audit entries (times in the practice's zone in the table, UTC in JSON).

    Example: ctcm audit list --since 2026-11-01 --user frank
    """
    from zoneinfo import ZoneInfo

    from ctcm.domain.dates import parse_optional_date
    from ctcm.services.vaultops import audit_list

    day = parse_optional_date(since, "--since date")
    with opened(ctx, "audit list", write=False) as p:
        entries = audit_list(p, day)
        if user is not None:
            wanted = {user, f"user:{user}", f"svc:{user}"}
            entries = [e for e in entries if e.actor in wanted]
        zone = ZoneInfo(p.timezone)
    from datetime import datetime

    data = [
        {
            "seq": e.seq,
            "ts": e.ts,
            "actor": e.actor,
            "command": e.command,
            "targets": list(e.targets),
            "hash": e.hash,
        }
        for e in entries
    ]
    rows = [
        [
            e.seq,
            datetime.fromisoformat(e.ts).astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            e.actor,
            e.command,
            ", ".join(e.targets)[:80],
        ]
        for e in entries
    ]
    app_context(ctx).show(
        View(data, ["seq", "time", "actor", "command", "targets"], rows, status_column=None), fmt
    )


@app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Check the hash chain; exit 1 naming the first bad entry if anything was altered.

    Example: ctcm audit verify
    """
    from ctcm.services.vaultops import audit_verify

    with opened(ctx, "audit verify", write=False) as p:
        check = audit_verify(p)
    if check.broken_at is not None:
        raise VaultError(f"audit chain broken at entry {check.broken_at} (of {check.entries})")
    if check.journal_broken_at is not None:
        raise VaultError(
            f"read journal record {check.journal_broken_at} was altered, reordered or removed "
            f"(the trail's {check.entries} entries are intact)"
        )
    if check.writes_error is not None:
        raise VaultError(f"signed writes: {check.writes_error}")
    extra = " (and a last record cut short by a killed command, ignored)"
    signed = (
        f"{check.writes} signed write(s), each by a key holder with the role for it"
        if check.writes
        else "no signed writes yet (a vault from an older ctcm: its next save starts them)"
    )
    app_context(ctx).say(
        f"Audit chain intact: {check.entries} entries; {signed}; and {check.journal_records} "
        f"read journal record(s) not yet folded in{extra if check.journal_incomplete else ''}."
    )
    if check.unregistered:
        app_context(ctx).say(
            f"Not yet registered (until each opens the vault in a command that saves, the role "
            f"table cannot vouch for them): {', '.join(check.unregistered)}"
        )


@app.command("head")
def head(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Print the vault's generation and audit head hash: evidence to keep outside the vault.

    Write it down, mail it, or keep the monthly digest (which carries it): a later vault that
    does not continue from it was rolled back or altered.

    Example: ctcm audit head
    """
    from ctcm.services.vaultops import audit_head

    with opened(ctx, "audit head", write=False) as p:
        h = audit_head(p)
    data = {
        "vault_id": h.vault_id,
        "generation": h.generation,
        "saved_at": h.saved_at,
        "audit_entries": h.entries,
        "audit_head": h.head,
        "journal_records": h.journal_records,
        "journal_head": h.journal_head,
    }
    details = [
        ("vault", h.vault_id),
        ("generation", f"{h.generation} (saved {h.saved_at})"),
        ("audit trail", f"{h.entries} entries, head {h.head}"),
        (
            "read journal",
            f"{h.journal_records} record(s) since, head {h.journal_head}"
            if h.journal_head
            else "empty",
        ),
    ]
    app_context(ctx).show(View(data, details=details), fmt)


@app.command("anchor")
def anchor(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the anchor to this file (else print it).")
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="Also mail it to the practice's admins (mail.admins).")
    ] = False,
    mail_dir: Annotated[
        Path | None,
        typer.Option("--mail-dir", help="Write that mail to this folder instead of sending it."),
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option(
            "--check",
            help="Compare the vault with this anchor instead; exit 1 if it is older or forked.",
        ),
    ] = None,
) -> None:
    """Write a signed anchor (generation, audit head, last signed write) to keep off this
    machine, or check the vault against one.

    Keep anchors where the vault's folder is not (another disk, a mail to yourself). On any
    machine, `CTCM_ANCHOR=FILE` (or `--check FILE`) refuses a vault older than the anchor or
    whose history forks from it, even where this machine has no record of the vault.

    With --send the anchor is also mailed to the practice's admins (it holds no PHI: the
    generation, the audit head and the signed-write hash).

    Example: ctcm audit anchor --out /media/usb/riverbend.anchor
    """
    import json

    from ctcm.services.anchors import check_anchor, make_anchor, read_anchor

    actx = app_context(ctx)
    if check is not None:
        given = read_anchor(check)
        with opened(ctx, "audit anchor", write=False) as p:
            check_anchor(p.header, p.db.conn, given)
            p.touch(f"anchor-check:g{given['generation']}")
            now = p.generation
        actx.say(
            f"The vault (generation {now}) continues from the anchor of generation "
            f"{given['generation']} signed by {given['signer']}."
        )
        return
    if send or mail_dir is not None:
        from ctcm.cli.mail import transport_for
        from ctcm.services.anchormail import send_anchor

        with opened(ctx, "audit anchor") as p:  # the mail goes in the delivery ledger
            data = make_anchor(p)
            with transport_for(p, mail_dir, send and mail_dir is None) as transport:
                to = send_anchor(p, data, transport)
        actx.say(f"Mailed the anchor to {', '.join(to)}.")
        if out is not None:
            write_output(actx, json.dumps(data, indent=2) + "\n", out)
        return
    with opened(ctx, "audit anchor", write=False) as p:
        data = make_anchor(p)
    write_output(actx, json.dumps(data, indent=2) + "\n", out)
    actx.say(
        f"Anchor of generation {data['generation']} signed by {data['signer']}: keep it off "
        "this machine; check with 'ctcm audit anchor --check FILE' or CTCM_ANCHOR=FILE."
    )
