"""Shared fixtures: a real encrypted vault (built once per session, copied per test), an
in-process CLI runner with an injected Environment, and the real ``ctcm`` entry point."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

from ctcm.cli.app import app
from ctcm.cli.context import AppContext
from ctcm.clock import FixedClock
from ctcm.environment import Environment

# Typer builds the whole command tree (140 commands) on every CliRunner.invoke: 70% of an
# in-process CLI test's time. The tree never changes within a test session, so build it once.
_COMMANDS: dict[int, Any] = {}


def _command_once(typer_app: Any) -> Any:
    key = id(typer_app)
    if key not in _COMMANDS:
        _COMMANDS[key] = typer.main.get_command(typer_app)
    return _COMMANDS[key]


typer.testing._get_command = _command_once  # type: ignore[attr-defined]

PASSPHRASE = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[1]
CTCM_BIN = Path(sys.executable).parent / "ctcm"


@pytest.fixture(autouse=True)
def _no_real_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never let a developer's own CTCM_* settings (their real vault!) reach a test, and never
    touch the OS keyring."""
    for name in list(os.environ):
        if name.startswith("CTCM_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long suites first: under pytest-xdist (make test) a minute-long test that starts
    last keeps one core busy after the other has finished."""
    longest = ("test_a_full_session_of_every_command_leaks_nothing", "test_make_install_gives")

    def first(item: pytest.Item) -> tuple[bool, bool]:
        named = any(item.name.startswith(n) for n in longest)
        return (not named, item.get_closest_marker("reliability") is None)

    items.sort(key=first)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden files.")


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Compare text with tests/golden/NAME (rewritten with --update-golden)."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = ROOT / "tests" / "golden" / name
        if update or not path.exists():
            path.write_text(text)
        assert text == path.read_text(), f"golden file {name} differs (run with --update-golden)"

    return check


CHROMIUM_MISSING = (
    "chromium is not installed: run `sudo apt-get install chromium` "
    "(make test installs it when it may: scripts/test-deps.sh)"
)


def system_chromium() -> str:
    """Debian's chromium on PATH, for the tests that open pages in a real browser. Missing, the
    test fails with the one line that says how to install it: never a skip, and never a browser
    build downloaded by Playwright."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(CHROMIUM_MISSING, pytrace=False)
    return path


@dataclass
class Template:
    vault: Path
    identity_text: str
    recovery_code: str


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """One vault with the small-practice starter, a service identity and a recovery slot.
    Built once (the Argon2id KDF is deliberately slow) and copied into each test."""
    from ctcm.services.catalog import load_starter
    from ctcm.services.creation import create_vault
    from ctcm.services.practice import add_service_identity, open_practice

    root = tmp_path_factory.mktemp("template")
    env = Environment(
        env={
            "CTCM_RUNTIME_DIR": str(root / "run"),
            "CTCM_STATE_DIR": str(root / "state"),
            "CTCM_PASSPHRASE": PASSPHRASE,
        },
        clock=FixedClock(datetime(2026, 1, 15, 15, 0, tzinfo=UTC)),
        vault_path=root / "vault",
    )
    created = create_vault(
        env,
        "Test Practice",
        "alice",
        PASSPHRASE,
        "America/Chicago",
        True,
        load_starter("small-practice"),
    )
    with open_practice(env, "slot add-service") as p:
        _, text = add_service_identity(p, "tests", "officer")  # all but users
    assert created.recovery_code
    return Template(root / "vault", text, created.recovery_code)


def real_now(later: timedelta = timedelta(0)) -> FixedClock:
    """A fixed clock ``later`` than the real now: what a real ``ctcm`` process (no CTCM_TODAY)
    saw, for the in-process run that follows it (a real vault sends mail only on its real
    date)."""
    from ctcm.clock import SystemClock

    return FixedClock(SystemClock().now() + later)


def rehearsal_now(day: str, later: timedelta = timedelta(0), base: Any = None) -> FixedClock:
    """A fixed clock ``later`` than what a ``CTCM_TODAY=day`` process sees now. Give it to the
    in-process CLI without CTCM_TODAY: the rehearsal clock keeps the time of day and moves the
    date, so "now + 16 minutes" under CTCM_TODAY falls back a whole day after real midnight
    (the crash suite once ran into that at 23:45 UTC)."""
    from ctcm.clock import SystemClock
    from ctcm.environment import RehearsalClock

    return FixedClock(RehearsalClock(base or SystemClock(), day).now() + later)


@dataclass
class Cli:
    """Runs ctcm in-process against a copy of the template vault."""

    vault: Path
    identity: Path
    tmp: Path
    clock: FixedClock = field(
        default_factory=lambda: FixedClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    )
    keyring: Any = None
    asked: list[str] = field(default_factory=list)  # the prompts shown, in order

    def environment(
        self,
        env: dict[str, str] | None = None,
        identity: bool = True,
        interactive: bool = False,
        prompts: list[str] | None = None,
    ) -> Environment:
        base = {
            "CTCM_RUNTIME_DIR": str(self.tmp / "run"),
            "CTCM_STATE_DIR": str(self.tmp / "state"),
            "CTCM_NO_KEYRING": "1",
        }
        if identity:
            base["CTCM_IDENTITY_FILE"] = str(self.identity)
        if self.keyring is not None:
            base.pop("CTCM_NO_KEYRING")
        base.update(env or {})
        answers = list(prompts or [])
        keyring = self.keyring

        def prompt(text: str) -> str:
            self.asked.append(text)
            return answers.pop(0)

        return Environment(
            env=base,
            clock=self.clock,
            vault_path=self.vault,
            interactive=interactive,
            prompt_secret=prompt,
            keyring=(lambda: keyring) if keyring is not None else None,
            lock_timeout=2.0,
            warn=lambda _: None,
        )

    def __call__(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        identity: bool = True,
        interactive: bool = False,
        prompts: list[str] | None = None,
        input: str | None = None,
        rehearse: bool = False,
    ) -> Any:
        """Run one command in-process. ``CTCM_TODAY`` in ``env`` moves this call's fixed clock
        to that day (tests move dates with the clock); ``rehearse=True`` keeps it a real
        CTCM_TODAY rehearsal instead (under which a real vault never sends mail)."""
        env = dict(env or {})
        clock = self.clock
        day = env.get("CTCM_TODAY")
        if day and not rehearse:
            with contextlib.suppress(ValueError):
                moved = datetime.combine(date.fromisoformat(day), clock.now().timetz())
                env.pop("CTCM_TODAY")
                self.clock = FixedClock(moved)
        try:
            actx = AppContext(self.environment(env, identity, interactive, prompts), False, 120)
            return self._invoke(actx, args, input)
        finally:
            self.clock = clock

    def _invoke(self, actx: AppContext, args: tuple[str, ...], input: str | None) -> Any:
        result = CliRunner().invoke(app, list(args), obj=actx, input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    def ok(self, *args: str, **kw: Any) -> Any:
        result = self(*args, **kw)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result


@pytest.fixture
def cli(template: Template, tmp_path: Path) -> Cli:
    vault = tmp_path / "vault"
    shutil.copytree(template.vault, vault)
    identity = tmp_path / "tests.identity"
    identity.write_text(template.identity_text)
    identity.chmod(0o600)
    return Cli(vault, identity, tmp_path)


def run_ctcm(
    *args: str,
    env: dict[str, str] | None = None,
    input: str | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """The real installed entry point in a subprocess, with no terminal."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("CTCM_")}
    full.update({"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring", "NO_COLOR": "1"})
    full.update(env or {})
    if "CTCM_STATE_DIR" not in full:
        # What this machine has seen of a vault, kept per test: copies of the template vault
        # share a vault id, and the real ~/.local/state is never touched.
        vault = full.get("CTCM_VAULT") or (
            args[args.index("--vault") + 1] if "--vault" in args else None
        )
        base = Path(vault).parent if vault else Path(tempfile.mkdtemp())
        full["CTCM_STATE_DIR"] = str(base / "state")
    return subprocess.run(
        [str(CTCM_BIN), *args],
        capture_output=True,
        text=True,
        env=full,
        input=input if input is not None else "",
        timeout=timeout,
        cwd=cwd,
    )


@pytest.fixture
def demo_cli(cli: Cli) -> Cli:
    """A practice with a few people and documents on fixed dates (as of 2026-03-02)."""
    cli.ok(
        "person",
        "add",
        "ada",
        "--name",
        "Ada Lovelace",
        "--email",
        "ada@example.org",
        "--policy",
        "clinician",
    )
    cli.ok(
        "person",
        "add",
        "bob",
        "--name",
        "Bob Stone",
        "--email",
        "bob@example.org",
        "--policy",
        "office-staff",
        "--title",
        "Front desk",
    )
    cli.ok("person", "add", "cy", "--name", "Cy Young", "--email", "cy@example.org")
    for doctype, issued in [
        ("state-license", "2025-01-10"),
        ("npi", "2020-01-01"),
        ("malpractice", "2025-03-20"),
        ("hipaa-training", "2025-06-01"),
        ("confidentiality", "2025-06-01"),
        ("background-check", "2024-01-01"),
        ("ce-credits", "2025-01-01"),
    ]:
        cli.ok("doc", "add", "ada", doctype, "--issued", issued)
    for doctype, issued in [
        ("hipaa-training", "2025-01-05"),
        ("confidentiality", "2025-06-01"),
        ("background-check", "2024-01-01"),
    ]:
        cli.ok("doc", "add", "bob", doctype, "--issued", issued)
    return cli


# --------------------------------------------------------------------------- SMTP


class SmtpRecorder:
    """An aiosmtpd handler: records every message; refuses listed recipients with a 450."""

    def __init__(self) -> None:
        import threading

        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.logins: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.delay = 0.0  # seconds the server takes to accept each message (a slow server)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if address in self.refuse:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def parsed(self) -> list[Any]:
        import email
        import email.policy

        return [
            email.message_from_bytes(raw, policy=email.policy.default) for _, raw in self.messages
        ]


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    """A real SMTP server on 127.0.0.1 with an ephemeral port."""
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    handler = SmtpRecorder()

    def authenticate(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        login = auth_data.login.decode()
        password = auth_data.password.decode()
        handler.logins.append((login, password))
        return AuthResult(success=password == "smtp-secret")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_required=False,
        auth_require_tls=False,
    )
    controller.start()
    handler.port = port  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        controller.stop()


def configure_mail(cli: Cli, smtp: Any, *extra: str, env: dict[str, str] | None = None) -> Any:
    return cli.ok(
        "mail",
        "configure",
        "--host",
        "127.0.0.1",
        "--port",
        str(smtp.port),
        "--security",
        "none",
        "--from",
        "Test Practice <office@example.org>",
        "--admins",
        "boss@example.org,manager@example.org",
        *extra,
        env=env,
    )


def fork_ctcm(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The entry point ``ctcm`` runs (``ctcm.cli.app:main``), in a process of its own forked
    from this one with ctcm already imported: the same process boundary, environment, argv,
    exit code and streams as ``run_ctcm``, without paying Python's start-up and imports for each
    of the leak check's many commands."""
    import io
    import selectors
    import signal
    import time

    full = {k: v for k, v in os.environ.items() if not k.startswith("CTCM_")}
    full.update({"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring", "NO_COLOR": "1"})
    full.update(env or {})
    _warm_for_forks()

    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become `ctcm ARGS`
        code = 70
        try:
            os.close(out_r)
            os.close(err_r)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
            sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
            sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
            os.environ.clear()
            os.environ.update(full)
            sys.argv = ["ctcm", *args]
            from ctcm.cli.app import main

            try:
                main()
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except BaseException:  # noqa: BLE001 - shown as the real entry point would show it
            import traceback

            traceback.print_exc()
            code = 70
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    sel = selectors.DefaultSelector()
    for fd in chunks:
        sel.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    open_fds = set(chunks)
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            break
        for key, _ in sel.select(left):
            data = os.read(key.fd, 1 << 16)
            if data:
                chunks[key.fd].append(data)
            else:
                sel.unregister(key.fd)
                open_fds.discard(key.fd)
    sel.close()
    _, status = os.waitpid(pid, 0)
    os.close(out_r)
    os.close(err_r)
    if time.monotonic() > deadline:
        raise subprocess.TimeoutExpired(["ctcm", *args], timeout)
    return subprocess.CompletedProcess(
        ["ctcm", *args],
        os.waitstatus_to_exitcode(status),
        b"".join(chunks[out_r]).decode(errors="replace"),
        b"".join(chunks[err_r]).decode(errors="replace"),
    )


@functools.cache
def _warm_for_forks() -> None:
    """What every forked command would import on its own, imported once before the first
    fork (modules and parsed catalogs only: no state of any vault)."""
    import importlib

    for name in ("ctcm.cli.app", "sqlmodel", "sqlalchemy", "ctcm.storage.tables",
                 "ctcm.storage.migrations", "jinja2", "jinja2.sandbox", "markdown_it",
                 "cryptography.hazmat.primitives.ciphers.aead", "ctcm.services.practice",
                 "ctcm.areas.risk.service", "ctcm.areas.risk.report", "ctcm.render.views"):  # fmt: skip
        importlib.import_module(name)
    from ctcm.areas.risk.catalog import load_catalog, load_scenarios

    load_catalog("security")
    load_catalog("privacy")
    load_scenarios()
