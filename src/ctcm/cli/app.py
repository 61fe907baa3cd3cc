"""The ``ctcm`` root command: global options, sub-command groups, one error edge."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ctcm import __version__
from ctcm.cli.context import AppContext
from ctcm.errors import CtcmError, ExitCode

# Global options people type after the command too (`ctcm status --as-of 2026-12-31`): they are
# moved in front of the command before parsing. Each takes a value.
GLOBAL_OPTIONS = ("--as-of", "--vault", "--practice", "--user", "--identity")


def hoist_global_options(args: list[str], own: frozenset[str] = frozenset()) -> list[str]:
    """Return ``args`` with every global option (and its value) moved to the front; nothing
    after a ``--`` is touched, and an option the command itself declares (``own``: ``audit
    list --user``) stays with the command."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS and name not in own:
            if "=" in arg:
                front.append(arg)
            else:
                front.extend(args[i : i + 2])
                i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


class CtcmGroup(TyperGroup):
    """Translates every CtcmError into one stderr line and its exit code (the only place)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(list(args), self._own_options(args)))

    def _own_options(self, args: list[str]) -> frozenset[str]:
        """The option names the command named in ``args`` declares itself."""
        command: Any = self
        value_next = False
        for arg in args:
            if value_next:  # the value of a global option before the command (`--vault DIR`)
                value_next = False
                continue
            if arg.startswith("-"):
                value_next = arg in GLOBAL_OPTIONS
                continue
            sub = getattr(command, "commands", {}).get(arg)
            if sub is None:
                break
            command = sub
        if command is self:
            return frozenset()
        return frozenset(o for p in command.params for o in getattr(p, "opts", ()))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CtcmError as err:
            for line in getattr(err, "rows", ()):
                typer.echo(f"  {line}", err=True)
            typer.echo(f"ctcm: {err}", err=True)
            raise typer.Exit(int(err.exit_code)) from None
        except KeyboardInterrupt:
            typer.echo("ctcm: interrupted (what was already saved stays saved)", err=True)
            raise typer.Exit(130) from None
        except EOFError:
            typer.echo("ctcm: input ended before the question was answered", err=True)
            raise typer.Exit(int(ExitCode.ERROR)) from None
        except OSError as err:
            where = f" ({err.filename})" if err.filename else ""
            typer.echo(f"ctcm: {err.strerror or err}{where}", err=True)
            raise typer.Exit(int(ExitCode.ERROR)) from None
        except Exception as err:
            # Typer's usage errors: the commonest is a name typed without quotes.
            message = getattr(err, "message", "")
            if isinstance(message, str) and "unexpected extra argument" in message:
                err.message = (  # type: ignore[attr-defined]
                    f'{message}: put a value with spaces in quotes, e.g. --name "Maria Ruiz"'
                )
            raise


app = typer.Typer(
    cls=CtcmGroup,
    name="ctcm",
    help="Offline, encrypted credential tracking and HIPAA compliance for small practices.\n\n"
    "Example: ctcm status --fail-on red",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ctcm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    vault: Annotated[
        Path | None,
        typer.Option(
            "--vault",
            envvar="CTCM_VAULT",
            help="Vault directory (default: the user data dir).",
            show_envvar=True,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="YYYY-MM-DD", help="Compute as if today were this date."),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", envvar="CTCM_USER", help="Which user's key slot to open."),
    ] = None,
    identity: Annotated[
        Path | None,
        typer.Option("--identity", help="Service identity file (0600) that opens the vault."),
    ] = None,
    practice: Annotated[
        str | None,
        typer.Option("--practice", help="A registered practice's vault (ctcm practice list)."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Offline, encrypted credential tracking and HIPAA compliance for small practices."""
    if ctx.obj is None:
        ctx.obj = AppContext.from_process()
    env = ctx.obj.environment
    if vault is not None:
        env.vault_path = vault
    if practice is not None:
        from ctcm.services.portfolio import resolve

        if vault is not None:
            from ctcm.errors import UsageError

            raise UsageError("give --practice or --vault, not both")
        env.vault_path = resolve(env, practice)
    if as_of is not None:
        from ctcm.domain.dates import parse_date

        env.as_of = parse_date(as_of, "--as-of date")
    if user is not None:
        env.user = user
    if identity is not None:
        env.identity = identity


def _register() -> None:
    from ctcm.cli import (
        audit,
        backup,
        bulkimport,
        calendar,
        deliver,
        device,
        doc,
        doctor,
        doctype,
        inbox,
        incident,
        log,
        mail,
        manual,
        migrate,
        packet,
        people,
        policy,
        portfolio,
        practice,
        privacy,
        risk,
        screen,
        slot,
        status,
        training,
        user,
        vaultcmds,
        vendor,
        verify,
    )

    vaultcmds.register(app)
    status.register(app)
    mail.register(app)
    deliver.register(app)
    app.add_typer(doctype.app, name="doctype")
    app.add_typer(policy.app, name="policy")
    app.add_typer(people.app, name="person")
    app.add_typer(doc.app, name="doc")
    app.add_typer(backup.app, name="backup")
    app.add_typer(audit.app, name="audit")
    app.add_typer(slot.app, name="slot")
    app.add_typer(practice.app, name="practice")
    app.add_typer(risk.app, name="risk")
    app.add_typer(log.app, name="log")
    app.add_typer(calendar.app, name="calendar")
    app.add_typer(training.app, name="training")
    app.add_typer(incident.app, name="incident")
    app.add_typer(vendor.app, name="vendor")
    app.add_typer(device.app, name="device")
    app.add_typer(manual.app, name="manual")
    app.add_typer(user.app, name="user")
    app.add_typer(packet.app, name="packet")
    app.add_typer(screen.app, name="screen")
    inbox.register(app)
    doctor.register(app)
    portfolio.register(app)
    privacy.register(app)
    migrate.register(app)
    bulkimport.register()
    verify.register()


_register()


def _command_word(args: list[str]) -> str | None:
    """The first word of ``args`` that names a command (global options and values skipped)."""
    value_next = False
    for arg in hoist_global_options(args):
        if value_next:
            value_next = False
        elif arg == "--":
            return None
        elif arg.startswith("-"):
            value_next = arg in GLOBAL_OPTIONS
        else:
            return arg
    return None


def only(word: str | None) -> typer.Typer:
    """The root app with just the top-level command or group ``word``: Typer builds the Click
    tree of every command it holds at each start (~140 commands; about 20 ms of a 400 ms
    `ctcm status` here), and a run needs one branch. Any other word (none, a typo, --help)
    gets the whole tree, and so the full listing and Typer's own "No such command"."""
    import copy

    from typer.main import get_command_name

    groups = [g for g in app.registered_groups if g.name == word]
    commands = [
        c
        for c in app.registered_commands
        if (c.name or get_command_name(getattr(c.callback, "__name__", ""))) == word
    ]
    if not groups and not commands:
        return app
    pruned = copy.copy(app)
    pruned.registered_groups = groups
    pruned.registered_commands = commands
    return pruned


def _not_text() -> str | None:
    """An argument or CTCM_ variable that is not valid UTF-8 (a Latin-1 terminal): Python
    keeps its bytes as surrogates, which no name, note or path may carry."""
    import os

    def bad(text: str) -> bool:
        return any("\udc80" <= ch <= "\udcff" for ch in text)

    for n, arg in enumerate(sys.argv[1:], start=1):
        if bad(arg):
            return f"argument {n} is not valid UTF-8 text (set the terminal to UTF-8)"
    for key, value in os.environ.items():
        if key.startswith("CTCM_") and bad(value):
            return f"{key} is not valid UTF-8 text"
    return None


def main() -> None:
    problem = _not_text()
    if problem:
        from ctcm.errors import ExitCode

        sys.stderr.write(f"ctcm: {problem}\n")
        sys.exit(int(ExitCode.USAGE))
    sys.exit(only(_command_word(sys.argv[1:]))(prog_name="ctcm"))
