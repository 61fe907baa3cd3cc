"""``ctcm user``: named users with their roles and passphrases; service identities."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(help="Users, roles and service identities.", no_args_is_help=True)

RoleOpt = Annotated[str, typer.Option("--role", help="admin, officer, manager or auditor.")]


@app.command("add")
def add(
    ctx: typer.Context,
    name: str,
    role: RoleOpt,
    person: Annotated[
        str | None, typer.Option("--person", help="Their person record (staff id).")
    ] = None,
    enrolment: Annotated[
        bool,
        typer.Option(
            "--enrolment",
            help="Issue a one-time passphrase to hand over; they must change it first.",
        ),
    ] = False,
) -> None:
    """Add a named user with their own key slot (admin only). They type their passphrase now
    (or it comes from CTCM_NEW_PASSPHRASE), or --enrolment prints a one-time passphrase.

    Example: ctcm user add frank --role manager --person fnguyen --enrolment
    """
    from ctcm.services.users import add_user, enrolment_passphrase, new_passphrase

    actx = app_context(ctx)
    secret = enrolment_passphrase() if enrolment else new_passphrase(actx.environment, name, True)
    with opened(ctx, "user add") as p:
        user = add_user(p, name, role, person, secret, enrolment)
    actx.say(f"Added user {user.name} (role {user.role}).")
    if enrolment:
        actx.say("One-time enrolment passphrase (shown once; hand it over in person):")
        typer.echo(secret)
        actx.say(f"At first use {user.name} must choose their own: ctcm --user {name} user passwd")


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Every key slot with its role: users, services, the recovery code.

    Example: ctcm user list
    """
    from ctcm.services.users import list_users

    with opened(ctx, "user list", write=False) as p:
        rows_ = list_users(p)
    data = [
        {
            "name": u.name,
            "kind": u.kind,
            "slot": u.slot_id,
            "role": u.role,
            "person": u.person,
            "must_change_passphrase": u.must_change,
        }
        for u in rows_
    ]
    rows = [[u.name, u.kind, u.role, u.person or "", "yes" if u.must_change else ""] for u in rows_]
    view = View(data, ["name", "kind", "role", "person", "must change"], rows, status_column=None)
    app_context(ctx).show(view, fmt)


@app.command("passwd")
def passwd(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(help="Another user (admin): issues an enrolment passphrase.")
    ] = None,
) -> None:
    """Change your own passphrase (from CTCM_NEW_PASSPHRASE or typed twice), or as an admin
    reset another user's to a one-time enrolment passphrase.

    Example: ctcm user passwd
    """
    from ctcm.services.users import (
        change_passphrase,
        enrolment_passphrase,
        new_passphrase,
        unlock_own,
    )

    actx = app_context(ctx)
    env = actx.environment
    if name is not None and name == (env.user or env.env.get("CTCM_USER")):
        name = None  # your own name: a change of your own, never a reset to a random one
    enrolment = name is not None
    if enrolment:
        secret = enrolment_passphrase()
        with opened(ctx, "user passwd") as p:
            user, enrolment, rotation = change_passphrase(p, name, secret, enrolment)
    else:
        # your own: your current passphrase opens your slot (never a session, which on a
        # shared OS account may be someone else's), then the new one, typed twice
        unlocked = unlock_own(env)
        own = unlocked.slot_id.removeprefix("user:")
        secret = new_passphrase(env, own)
        with opened(ctx, "user passwd", unlocked=unlocked) as p:
            user, enrolment, rotation = change_passphrase(p, None, secret, enrolment)
    if enrolment:
        actx.say(f"New one-time enrolment passphrase for {user.name} (shown once):")
        typer.echo(secret)
    else:
        actx.say(
            f"Passphrase of {user.name} changed, and the data key with it: the old passphrase "
            f"opens nothing here now ({len(rotation.backups_rewritten)} kept backup(s) "
            "rewritten). Open sessions end; copies of the vault taken elsewhere before now "
            "still open with it."
        )


@app.command("role")
def role(ctx: typer.Context, name: str, new_role: Annotated[str, typer.Argument()]) -> None:
    """Change a user's or service's role (admin only; never the last admin).

    Example: ctcm user role frank officer
    """
    from ctcm.services.users import set_role

    with opened(ctx, "user role") as p:
        user = set_role(p, name, new_role)
    app_context(ctx).say(f"{user.name} now has the role {user.role}.")


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: str,
    rewrite_backups: Annotated[
        bool,
        typer.Option("--rewrite-backups", help="Re-encrypt kept backups under the new key."),
    ] = False,
    purge_backups: Annotated[
        bool, typer.Option("--purge-backups", help="Delete kept backups the old key opens.")
    ] = False,
) -> None:
    """Remove a user or service: their slot goes and the data key is rotated (admin only).

    Example: ctcm user remove frank --rewrite-backups
    """
    from ctcm.cli.slot import report_removal
    from ctcm.services.slots import remove_slot
    from ctcm.services.users import get_user

    with opened(ctx, "user remove") as p:
        result = remove_slot(p, get_user(p, name).slot_id, rewrite_backups, purge_backups)
    report_removal(app_context(ctx), result)


@app.command("add-service")
def add_service(
    ctx: typer.Context,
    name: str,
    out: Annotated[Path, typer.Option("--out", help="Identity file to create (0600).")],
    role: Annotated[
        str,
        typer.Option(
            "--role", help="cron (default: send reminders, read), auditor, manager, officer."
        ),
    ] = "cron",
) -> None:
    """A service identity for cron, with the least role that does its job (admin only).

    Example: ctcm user add-service cron --out ~/.config/ctcm/cron.identity
    """
    from ctcm.cli.slot import add_service as slot_add_service

    slot_add_service(ctx, name, out, role)
