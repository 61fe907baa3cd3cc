"""Vault-wide commands: init, unlock, lock, demo."""

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import AppContext, app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.errors import InvalidInput
from ctcm.render.formats import OutputFormat, View


def init(
    ctx: typer.Context,
    practice: Annotated[str | None, typer.Option("--practice", help="Practice name.")] = None,
    user: Annotated[str | None, typer.Option("--user", help="First user (an admin).")] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone", help="IANA time zone, e.g. America/Chicago (default: the machine's)."
        ),
    ] = None,
    starter: Annotated[
        str | None,
        typer.Option(
            "--starter", help="Seed starter document types and policies (small-practice)."
        ),
    ] = None,
    recovery_code: Annotated[
        bool | None,
        typer.Option(
            "--recovery-code/--no-recovery-code",
            help="Add a recovery slot and print its one-time code (asked at a terminal).",
        ),
    ] = None,
) -> None:
    """Create a new encrypted practice vault.

    The passphrase (12+ characters) is asked twice at a terminal, or read from
    CTCM_PASSPHRASE_FILE / CTCM_PASSPHRASE when there is none.

    Example: ctcm init --practice "Lakeside Counseling" --user alice --starter small-practice
    """
    from ctcm.domain.dates import check_timezone
    from ctcm.errors import CtcmError
    from ctcm.services.creation import check_new_user, init_practice, machine_timezone

    actx = app_context(ctx)
    env = actx.environment
    user = user or env.user  # `--user` typed after `init` arrives as the global option
    if env.interactive:
        # Everything is checked before the passphrase is asked, so a typo never costs it.
        def ask(text: str, check, default: str | None = None) -> str:  # type: ignore[no-untyped-def]
            while True:
                answer = typer.prompt(text, default=default, err=True)
                try:
                    return check(answer)
                except CtcmError as err:
                    actx.say(f"  {err}")

        practice = practice or ask("Practice name", lambda v: v.strip() or _empty())
        user = check_new_user(user) if user else ask("Your user name (lower case)", check_new_user)
        timezone = (
            check_timezone(timezone)
            if timezone
            else ask("Time zone", check_timezone, machine_timezone())
        )
        if recovery_code is None:
            recovery_code = typer.confirm(
                "Add a recovery code (opens the vault if the passphrase is lost)?",
                default=True,
                err=True,
            )
    elif practice is None or user is None:
        raise InvalidInput("give --practice NAME and --user NAME (no terminal to ask)")
    created = init_practice(env, practice, user, timezone, starter, bool(recovery_code))
    actx.say(f"Created vault {env.vault} for {practice!r}; user {user!r} is admin.")
    if created.recovery_code:
        actx.say(
            "Recovery code, shown this once. It opens the vault without a passphrase: write it "
            "on paper and keep it somewhere safe away from this computer (a safe, a sealed "
            "envelope with the practice's records). Do not store it in a file here."
        )
        typer.echo(created.recovery_code)


def _empty() -> str:
    raise InvalidInput("the practice name cannot be empty")


def unlock(
    ctx: typer.Context,
    idle: Annotated[
        int | None,
        typer.Option(
            "--idle",
            help="Minutes of inactivity before the session ends (default: practice setting, 30).",
        ),
    ] = None,
    maximum: Annotated[
        int | None,
        typer.Option("--max", help="Hours after which the session ends anyway (default 8)."),
    ] = None,
) -> None:
    """Open the vault once and start a session (automatic logoff after idle time).

    Without a secure OS keyring, prints a line to evaluate in your shell.

    Example: eval "$(ctcm unlock)"
    """
    from ctcm.services.vaultops import unlock_session

    actx = app_context(ctx)
    started = unlock_session(actx.environment, idle, maximum)
    ends = f"ends after {started.idle_minutes} idle minutes or {started.max_hours:g} hours"
    if started.in_keyring:
        actx.say(f"Unlocked as {started.slot_id}; the session key is in the OS keyring ({ends}).")
    else:
        typer.echo(f"export CTCM_SESSION={started.token}")
        actx.say(
            f"Unlocked as {started.slot_id} ({ends}). Run the export line above, "
            'or: eval "$(ctcm unlock)"'
        )


def lock(
    ctx: typer.Context,
    all_: Annotated[
        bool,
        typer.Option("--all", help="End every user's session in this OS account (an admin)."),
    ] = False,
) -> None:
    """End your unlock session now (--user NAME when several users share this OS account).

    Example: ctcm lock
    """
    from ctcm.services.vaultops import lock_session

    actx = app_context(ctx)
    if all_:
        from ctcm.services.roles import PermissionDenied, role_of

        with opened(ctx, "lock", write=False) as p:  # who asks: only an admin ends them all
            role = role_of(p.repo.users(), p.actor)
            if role != "admin":
                raise PermissionDenied(
                    f"'lock --all' ends other users' sessions: it needs the role admin; "
                    f"{p.actor} has the role {role}"
                )
    ended = lock_session(actx.environment, everyone=all_)
    actx.say("Locked." if ended else "No session was open.")


def demo(
    ctx: typer.Context,
    vault: Annotated[
        Path | None, typer.Option("--vault", help="Where to build the demo vault.")
    ] = None,
    portfolio: Annotated[
        Path | None,
        typer.Option(
            "--portfolio",
            help="Build instead a consultant's portfolio of two demo practices in this (new or "
            "empty) folder, with its own practice list, and show it.",
        ),
    ] = None,
) -> None:
    """Build the demo practice from examples/ into a fresh vault and show its dashboard.

    The demo passphrase is "correct horse battery demo" (user "demo").

    Example: ctcm demo --vault /tmp/demo-vault

    Example: ctcm demo --portfolio /tmp/demo-portfolio
    """
    from ctcm.render.views import dashboard_view
    from ctcm.services.catalog import DEMO_PASSPHRASE, DEMO_USER
    from ctcm.services.demo import build_demo

    actx = app_context(ctx)
    if portfolio is not None:
        _demo_portfolio(actx, portfolio)
        return
    built = build_demo(actx.environment, vault)
    env, loaded, half_year_ago = built.env, built.loaded, built.half_year_ago
    actx.say(
        f"Demo vault: {env.vault} (user {DEMO_USER!r}, passphrase {DEMO_PASSPHRASE!r}); "
        f"{loaded.people} people, {loaded.documents} documents, {loaded.waivers} waivers."
    )
    actx.show(dashboard_view(built.board, built.program, built.sections))
    actx.say(
        f"Try: export CTCM_VAULT={env.vault} CTCM_PASSPHRASE='{DEMO_PASSPHRASE}'; then "
        "ctcm status bchen, ctcm remind (the plan), ctcm remind --out /tmp/riverbend-mail, "
        "ctcm risk show 1, ctcm risk report 1 --format html --out /tmp/riverbend-risk.html "
        "(a draft: DRAFT on every page), ctcm risk finalize 1 --by amartinez (refused, with "
        "what the draft still lacks), "
        "ctcm due (what is due this month), ctcm calendar, "
        f"ctcm calendar --from {half_year_ago} (past occurrences: done, done late, missed), "
        "ctcm calendar ics --out "
        "/tmp/riverbend.ics, ctcm log list, ctcm training matrix, ctcm incident show 1, "
        "ctcm incident letter 1, ctcm vendor list, ctcm device list, "
        "ctcm screen list (exclusion screening: one candidate cleared, one to verify with "
        "ctcm screen resolve 2 --cleared --note ...), ctcm request list (patients' requests "
        "with their legal deadlines: the access request is overdue), ctcm complaint list, "
        "ctcm sanction list, ctcm npp list, ctcm rehearse /tmp/r90 --days 90 (how "
        "much mail 90 days of cron would send, nothing sent), "
        "ctcm status --format html --out /tmp/riverbend-status.html, "
        "ctcm packet build --out /tmp/riverbend-packet (then sha256sum -c MANIFEST.sha256 in it), "
        "ctcm manual acks (who has "
        "read the manual in force), ctcm manual render --out /tmp/riverbend-manual, "
        "ctcm manual diff 1 (after ctcm manual set screen_lock_minutes 5), "
        "ctcm audit list (reads are recorded too, without saving the vault), ctcm audit verify "
        "(the audit chain and the signed history of every save), ctcm audit anchor --out "
        "/tmp/riverbend.anchor (a signed anchor to keep off this machine: CTCM_ANCHOR="
        "/tmp/riverbend.anchor refuses an older copy anywhere), ctcm backup list, ctcm backup verify "
        "(decrypts the newest backup, checks its database, audit chain and every scan it "
        "names), CTCM_TRACE=1 ctcm practice set --warn-days 30 (a writer says how long it "
        "waited for the lock). Users and roles: "
        "CTCM_NEW_PASSPHRASE='frank picks a long one' ctcm user add frank --role manager "
        "--person fnguyen; from then on name the user (CTCM_USER=demo for the admin); "
        "CTCM_USER=frank CTCM_PASSPHRASE='frank picks a long one' ctcm risk new is refused "
        "(a manager keeps people and documents, not the risk analysis), and "
        "CTCM_USER=demo ctcm audit list --user frank shows the denial"
    )


def _demo_portfolio(actx: AppContext, folder: Path) -> None:
    from ctcm.cli.portfolio import show_rows
    from ctcm.services.catalog import DEMO_PASSPHRASE
    from ctcm.services.demo import build_portfolio
    from ctcm.services.portfolio import portfolio, registry_path

    env = build_portfolio(actx.environment, folder)
    show_rows(actx, portfolio(env, False, 30), OutputFormat.TABLE)
    actx.say(
        f"Demo portfolio: two client practices in {folder}, listed in {registry_path(env)} "
        f"(not your own list). Try: export CTCM_CONFIG_DIR={registry_path(env).parent} "
        f"CTCM_PASSPHRASE='{DEMO_PASSPHRASE}'; then ctcm portfolio due --days 14, "
        "ctcm portfolio --format html --out /tmp/portfolio.html (each client's dashboard "
        "linked beside it), ctcm --practice lakeside status"
    )


def rehearse(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="A new or empty folder for the copy.")],
    days: Annotated[
        int | None,
        typer.Option("--days", help="Run the cron recipe on the copy for N days from today."),
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Make a rehearsal copy of the vault: try a month of cron runs on it, safely.

    The copy is marked inside its authenticated header: its mail goes to files in
    DIR/rehearsal-mail even with --send, every message says REHEARSAL, and nothing done to it
    (CTCM_TODAY runs ahead included) touches the real vault or this machine's record of it.
    With --days N, ctcm runs the cron recipe on the copy day by day (reminders daily, the
    digest on the 1st, the security tip on the 2nd) and reports how many mails each address
    would get.

    Example: ctcm rehearse /tmp/try --days 90
    """
    from ctcm.services.rehearse import make_rehearsal, run_days

    actx = app_context(ctx)
    if days is not None and not 1 <= days <= 366:
        raise InvalidInput("--days must be between 1 and 366")  # before any copy is made
    with opened(ctx, "rehearse", write=False) as p:
        copy = make_rehearsal(p, dest)
        unlocked = p.unlocked
    if days is None:
        typer.echo(str(copy.path))
        actx.say(
            f"Rehearsal copy of generation {copy.generation} in {copy.path}: use --vault "
            f"{copy.path} (with CTCM_TODAY=YYYY-MM-DD to move its date); its mail goes to "
            f"{copy.mail}, never to a server."
        )
        return
    report = run_days(actx.environment, copy.path, unlocked, days)
    rows = sorted(report.per_address.items(), key=lambda kv: (-kv[1], kv[0]))
    end = report.start + timedelta(days=report.days - 1)
    data = {
        "rehearsal": str(copy.path),
        "from": report.start.isoformat(),
        "to": end.isoformat(),
        "mails": report.total,
        "per_job": report.per_job,
        "skipped": list(report.skipped),
        "per_address": dict(rows),
    }
    actx.show(
        View(
            data,
            ["address", "mails"],
            [[a, n] for a, n in rows],
            title=f"REHEARSAL: {report.days} days of cron, {report.start} to {end}",
            status_column=None,
        ),
        fmt,
    )
    jobs = ", ".join(f"{n} {job}" for job, n in report.per_job.items())
    for job in report.skipped:
        actx.say(f"REHEARSAL: not run: {job}")
    actx.say(
        f"REHEARSAL: {report.total} mail(s) in {report.days} days ({jobs}), written to "
        f"{copy.mail}; nothing was sent and the real vault was not touched."
    )


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(rehearse)
    app.command()(unlock)
    app.command()(lock)
    app.command()(demo)
