"""The vault directory with real files: saves, crashes, concurrency, locking, backups."""

from __future__ import annotations

import fcntl
import json
import os
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ctcm.errors import ExitCode
from ctcm.vault.store import Backup, Retention, VaultDir, backups_to_keep
from tests.cli.test_users import ALICE
from tests.conftest import ROOT, Cli, run_ctcm


def test_layout_and_permissions(cli: Cli) -> None:
    cli.ok("doc", "add", "--help")
    for path in [cli.vault, cli.vault / "blobs", cli.vault / "backups"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    for path in [cli.vault / "vault.ctcm", cli.vault / "lock"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_loose_permissions_are_reported(cli: Cli) -> None:
    os.chmod(cli.vault / "vault.ctcm", 0o644)
    warnings: list[str] = []
    env = cli.environment()
    env.warn = warnings.append
    from ctcm.services.practice import open_practice

    with open_practice(env, "person edit"):
        pass
    assert warnings and "vault.ctcm" in warnings[0] and "chmod" in warnings[0]


def test_every_save_is_a_new_generation_with_the_previous_backed_up(cli: Cli) -> None:
    vd = VaultDir(cli.vault)
    g0 = vd.read_parsed().generation
    before = (cli.vault / "vault.ctcm").read_bytes()
    cli.ok("doctype", "list")  # a read: no lock, no save, no backup
    assert (cli.vault / "vault.ctcm").read_bytes() == before
    cli.ok("person", "add", "x", "--name", "X", "--email", "x@example.org")
    cli.ok("person", "add", "y", "--name", "Y", "--email", "y@example.org")
    assert vd.read_parsed().generation == g0 + 2
    gens = [b.generation for b in vd.list_backups()]
    assert gens[:2] == [g0 + 1, g0]
    assert all(stat.S_IMODE(b.path.stat().st_mode) == 0o600 for b in vd.list_backups())
    listed = json.loads(cli.ok("backup", "list", "--format", "json").stdout)
    assert [b["command"] for b in listed[:2]] == ["person add", "slot add-service"]


def _child(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_crash_between_temp_write_and_replace_keeps_the_old_generation(cli: Cli) -> None:
    before = (cli.vault / "vault.ctcm").read_bytes()
    result = _child(f"""
        import os
        from ctcm.environment import Environment
        from ctcm.services.practice import open_practice
        from ctcm.areas.credentials import service as cred
        from ctcm.domain.credentials import Person
        import ctcm.vault.store as store
        def die(*a, **k):
            os._exit(9)   # the process dies after the temp file is written and synced
        store.os.replace = die
        env = Environment(env={{"CTCM_IDENTITY_FILE": {str(cli.identity)!r},
                               "CTCM_STATE_DIR": {str(cli.tmp / "state")!r},
                               "CTCM_RUNTIME_DIR": {str(cli.tmp / "run")!r}}},
                          vault_path=__import__("pathlib").Path({str(cli.vault)!r}))
        with open_practice(env, "person edit") as p:
            cred.add_person(p, Person("crash", "Crash Test", "c@example.org"))
    """)
    assert result.returncode == 9, result.stderr
    assert (cli.vault / "vault.ctcm").read_bytes() == before
    assert list(cli.vault.glob(".vault.ctcm.tmp-*")), "the crash should leave its temp file"
    r = cli.ok("person", "list", "--format", "json")
    assert "crash" not in r.stdout
    cli.ok("person", "add", "x", "--name", "X", "--email", "x@example.org")
    assert not list(cli.vault.glob(".vault.ctcm.tmp-*")), "the next save removes stale temps"


WRITER = """
import sys, pathlib
from datetime import date
from ctcm.environment import Environment
from ctcm.services.practice import open_practice
from ctcm.areas.credentials import service as cred
from ctcm.domain.credentials import Person
vault, identity, run, tag, n = sys.argv[1:6]
env = Environment(env={"CTCM_IDENTITY_FILE": identity, "CTCM_RUNTIME_DIR": run,
                       "CTCM_STATE_DIR": run + "/state"},
                  vault_path=pathlib.Path(vault), lock_timeout=60)
for i in range(int(n)):
    with open_practice(env, "person edit") as p:
        cred.add_person(p, Person(f"{tag}-{i}", f"Person {tag} {i}", f"{tag}{i}@example.org"))
"""


@pytest.mark.slow
def test_two_processes_writing_concurrently_lose_no_update(cli: Cli) -> None:
    n = 12
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                str(cli.vault),
                str(cli.identity),
                str(cli.tmp / "run"),
                tag,
                str(n),
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    import json

    people = json.loads(cli.ok("person", "list", "--format", "json").stdout)
    assert sorted(p["id"] for p in people) == sorted(f"{t}-{i}" for t in "ab" for i in range(n))


def test_lock_timeout_is_busy_exit_75(cli: Cli) -> None:
    fd = os.open(cli.vault / "lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        env = cli.environment()
        env.lock_timeout = 0.3
        from typer.testing import CliRunner

        from ctcm.cli.app import app
        from ctcm.cli.context import AppContext

        r = CliRunner().invoke(
            app,
            ["person", "add", "z", "--name", "Z", "--email", "z@example.org"],
            obj=AppContext(env),
        )
        assert r.exit_code == ExitCode.BUSY == 75
        assert "busy" in r.stderr and "Traceback" not in r.stderr
        # a reader never waits for the writer lock
        r = CliRunner().invoke(app, ["status"], obj=AppContext(env))
        assert r.exit_code == 0, r.stderr
    finally:
        os.close(fd)


def test_busy_error_names_the_command_and_process_holding_the_lock(cli: Cli) -> None:
    holder = VaultDir(cli.vault)
    env = cli.environment()
    env.lock_timeout = 0.3
    from typer.testing import CliRunner

    from ctcm.cli.app import app
    from ctcm.cli.context import AppContext

    with holder.locked("remind --send"):
        r = CliRunner().invoke(
            app,
            ["person", "add", "z", "--name", "Z", "--email", "z@example.org"],
            obj=AppContext(env),
        )
    assert r.exit_code == 75
    assert f"'ctcm remind --send' (process {os.getpid()})" in r.stderr


def test_stale_writer_generation_fails_cleanly(cli: Cli) -> None:
    from ctcm.errors import VaultError

    vd = VaultDir(cli.vault)
    parsed = vd.read_parsed()
    cli.ok("person", "add", "x", "--name", "X", "--email", "x@example.org")  # another save
    with vd.locked(), pytest.raises(VaultError, match="changed while this command ran"):
        vd.save(parsed.header, b"\x00" * 32, b"", parsed.generation, datetime.now(UTC))


def _backups(times: list[datetime]) -> list[Backup]:
    return [Backup(i + 1, t, Path(f"/x/{i}"), {}) for i, t in enumerate(times)]


def test_backup_rotation_policy() -> None:
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    # one save an hour for 120 days
    times = [now - timedelta(hours=h) for h in range(120 * 24, -1, -1)]
    backups = _backups(times)
    keep = backups_to_keep(backups, now)
    newest = sorted(b.generation for b in backups)[-10:]
    assert set(newest) <= keep
    kept = [b for b in backups if b.generation in keep]
    days = {b.saved_at.date() for b in kept}
    assert all((now.date() - timedelta(days=d)) in days for d in range(14))
    weeks = {b.saved_at.isocalendar()[:2] for b in kept}
    assert len(weeks) >= 8
    months = {(b.saved_at.year, b.saved_at.month) for b in kept}
    assert len(months) == 4  # 120 days back: March to June, each month's newest kept
    assert len(kept) <= 10 + 14 + 8 + 4
    assert min(b.saved_at for b in kept) < now - timedelta(weeks=9)  # a monthly one


def test_backup_rotation_keeps_one_a_month_for_six_years_whatever_is_set() -> None:
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    times = [now - timedelta(days=d) for d in range(8 * 365, -1, -7)]  # weekly for 8 years
    backups = _backups(times)
    keep = backups_to_keep(backups, now, Retention(last=1, daily=0, weekly=0, monthly=1))
    months = sorted({(b.saved_at.year, b.saved_at.month) for b in backups if b.generation in keep})
    assert len(months) == 72 and months[0] == (2020, 7)


def test_backup_rotation_keeps_everything_when_few() -> None:
    now = datetime(2026, 6, 30, tzinfo=UTC)
    backups = _backups([now - timedelta(days=300), now - timedelta(days=1), now])
    assert backups_to_keep(backups, now) == {1, 2, 3}


def test_no_plaintext_on_disk(cli: Cli, tmp_path: Path) -> None:
    """Markers of a person, a note and a scan never appear in any file of the vault or TMPDIR."""
    scan = tmp_path / "scan-source" / "license.pdf"
    scan.parent.mkdir()
    scan.write_bytes(b"%PDF-1.4 ZEBULON-SCAN-MARKER " * 50)
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    from tests.conftest import run_ctcm

    env = {
        "CTCM_VAULT": str(cli.vault),
        "CTCM_IDENTITY_FILE": str(cli.identity),
        "CTCM_RUNTIME_DIR": str(tmp_path / "run"),
        "TMPDIR": str(tmpdir),
    }
    assert (
        run_ctcm(
            "person",
            "add",
            "zq",
            "--name",
            "Zebulon Quixote",
            "--email",
            "zq@example.org",
            "--policy",
            "clinician",
            env=env,
        ).returncode
        == 0
    )
    r = run_ctcm(
        "doc",
        "add",
        "zq",
        "state-license",
        "--issued",
        "2026-01-02",
        "--number",
        "LIC-ZEBULON-777",
        "--note",
        "ZEBULON-NOTE",
        "--file",
        str(scan),
        env=env,
    )
    assert r.returncode == 0, r.stderr
    assert run_ctcm("status", env=env).returncode == 0
    assert run_ctcm("backup", "verify", env=env).returncode == 0
    markers = [b"Zebulon", b"ZEBULON", b"SQLite format 3", b"zq@example.org", b"%PDF"]
    files = [
        p for base in (cli.vault, tmpdir, tmp_path / "run") for p in base.rglob("*") if p.is_file()
    ]
    assert any(p.parent.name == "blobs" for p in files)
    for path in files:
        data = path.read_bytes()
        for marker in markers:
            assert marker not in data, f"{marker!r} found in {path}"
    assert not any(p.is_file() for p in tmpdir.rglob("*")), "nothing may be written to TMPDIR"


def _killed_attach(cli: Cli, dies_in: str) -> subprocess.CompletedProcess[str]:
    """A child that stores a scan for a new document and dies at ``dies_in``: 'blob' (after
    the blob, before the save) or 'save' (after the save, before it could tidy up)."""
    return _child(f"""
        import os, pathlib
        from ctcm.environment import Environment
        from ctcm.services.practice import open_practice
        from ctcm.areas.credentials import service as cred
        import ctcm.vault.store as store
        if {dies_in!r} == "save":
            store.VaultDir.committed = lambda self: os._exit(9)
        env = Environment(env={{"CTCM_IDENTITY_FILE": {str(cli.identity)!r},
                               "CTCM_STATE_DIR": {str(cli.tmp / "state")!r},
                               "CTCM_RUNTIME_DIR": {str(cli.tmp / "run")!r}}},
                          vault_path=pathlib.Path({str(cli.vault)!r}))
        with open_practice(env, "doc add") as p:
            doc = p.repo.documents()[0].id
            cred.store_blob(p, doc, "scan.pdf", b"a scan")
            p.repo.add_attachment(cred.store_blob(p, doc, "kept.pdf", b"kept"), p.now_iso)
            if {dies_in!r} == "blob":
                os._exit(9)
    """)


def _blob_files(cli: Cli) -> set[str]:
    return {p.name for p in (cli.vault / "blobs").iterdir() if not p.name.startswith(".")}


def _named(cli: Cli) -> set[str]:
    from ctcm.services.practice import open_practice

    with open_practice(cli.environment(), "status", write=False) as p:
        return p.repo.blob_ids()


def test_a_scan_written_by_a_killed_writer_is_removed_by_the_next_writer(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    cli.ok("doc", "add", "a", "npi")
    before = _blob_files(cli)
    r = _killed_attach(cli, "blob")
    assert r.returncode == 9, r.stderr
    orphans = _blob_files(cli) - before
    assert len(orphans) == 2 and not orphans & _named(cli)  # no generation names them
    cli.ok("status")  # a reader deletes nothing
    assert _blob_files(cli) - before == orphans
    r = run_ctcm(
        "practice", "set", "--warn-days", "31",  # the next writer settles the list
        env={"CTCM_VAULT": str(cli.vault), "CTCM_IDENTITY_FILE": str(cli.identity),
             "CTCM_STATE_DIR": str(cli.tmp / "state"), "CTCM_TRACE": "1"},
    )  # fmt: skip
    assert "removed 0 temp file(s) and 2 unnamed scan(s)" in r.stderr, r.stderr
    assert _blob_files(cli) == before == _named(cli)
    assert not (cli.vault / "blobs" / ".pending").exists()


def test_a_scan_whose_save_landed_before_the_kill_is_kept(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    cli.ok("doc", "add", "a", "npi")
    r = _killed_attach(cli, "save")
    assert r.returncode == 9, r.stderr
    assert (cli.vault / "blobs" / ".pending").exists()  # never told that the save landed
    cli.ok("practice", "set", "--warn-days", "31")
    # the scan the saved generation names stays; the one it does not name goes
    assert _blob_files(cli) == _named(cli) and len(_named(cli)) == 1
    docs = json.loads(cli.ok("doc", "list", "a", "--format", "json").stdout)
    out = cli.tmp / "export"
    cli.ok("doc", "export", str(docs[0]["id"]), "--out", str(out))
    assert [f.read_bytes() for f in out.iterdir()] == [b"kept"]


def test_a_failed_command_takes_its_scans_with_it(cli: Cli) -> None:
    from ctcm.areas.credentials import service as cred
    from ctcm.errors import InvalidInput
    from ctcm.services.practice import open_practice

    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    before = _blob_files(cli)
    with pytest.raises(InvalidInput), open_practice(cli.environment(), "doc add") as p:
        cred.store_blob(p, 1, "scan.pdf", b"scan")
        raise InvalidInput("refused after the scan was stored")
    assert _blob_files(cli) == before
    assert not (cli.vault / "blobs" / ".pending").exists()


def test_scans_only_a_backup_names_are_never_settled_away(cli: Cli, tmp_path: Path) -> None:
    """A scan named by an older generation alone (here: the generation before a restore) is
    not pending, so no writer deletes it, and the backup still verifies with it."""
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    old = VaultDir(cli.vault).read_parsed().generation
    scan = tmp_path / "s.pdf"
    scan.write_bytes(b"scan")
    cli.ok("doc", "add", "a", "npi", "--file", str(scan))
    newer = VaultDir(cli.vault).read_parsed().generation
    cli.ok("backup", "restore", str(old), env=ALICE, identity=False)
    cli.ok("practice", "set", "--warn-days", "31")
    assert len(_blob_files(cli)) == 1 and not _named(cli)
    verified = json.loads(
        cli.ok("backup", "verify", "--generation", str(newer), "--format", "json").stdout
    )
    assert verified["ok"] and verified["attachments"] == 1


def test_backup_verify_fails_when_a_named_scan_is_missing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    scan = tmp_path / "s.pdf"
    scan.write_bytes(b"scan")
    cli.ok("doc", "add", "a", "npi", "--file", str(scan))
    cli.ok("practice", "set", "--warn-days", "31")  # the newest backup names the scan
    for blob in _blob_files(cli):
        (cli.vault / "blobs" / blob).unlink()
    r = cli("backup", "verify")
    assert r.exit_code == 1 and "failed verification" in r.stderr
    assert "1 MISSING from blobs/" in r.stdout


def test_temp_files_of_a_killed_writer_go_at_the_next_write(cli: Cli) -> None:
    left = [
        cli.vault / ".vault.ctcm.tmp-0123456789abcdef",
        cli.vault / "blobs" / ".tmp-0123456789abcdef0123456789abcdef",
        cli.vault / "backups" / ".g00000001-20260101T000000Z.ctcm.tmp-abcd",
    ]
    for path in left:
        path.write_bytes(b"half")
    cli.ok("status")
    assert all(p.exists() for p in left)  # a reader may race a live writer: it leaves them
    cli.ok("practice", "set", "--warn-days", "31")
    assert not any(p.exists() for p in left)


def test_a_waiting_writer_times_out_cleanly_in_any_thread(cli: Cli) -> None:
    """The main thread waits in the kernel's queue, ended by a timer; the timer and the
    SIGALRM handler are put back afterwards. Other threads poll. Both end in VaultBusy."""
    import signal
    import threading

    from ctcm.errors import VaultBusy

    held = VaultDir(cli.vault)
    outcomes: list[object] = []
    with held.locked("remind"):
        before = signal.getsignal(signal.SIGALRM)
        started = datetime.now(UTC)
        with pytest.raises(VaultBusy, match="'ctcm remind'"), VaultDir(cli.vault, 0.3).locked():
            pass
        assert timedelta(seconds=0.25) < datetime.now(UTC) - started < timedelta(seconds=5)
        assert signal.getsignal(signal.SIGALRM) is before
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)

        def other() -> None:
            try:
                with VaultDir(cli.vault, 0.3).locked():
                    outcomes.append("got it")
            except VaultBusy as err:
                outcomes.append(err)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(10)
    assert len(outcomes) == 1 and isinstance(outcomes[0], VaultBusy)
    with VaultDir(cli.vault, 0.3).locked():  # free again: taken at once
        pass


WAITER = """
import sys, time, pathlib
from ctcm.vault.store import VaultDir
vault, index, at, log = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
time.sleep(max(0.0, at - time.time()))
with VaultDir(pathlib.Path(vault), 30).locked(f"waiter {index}"):
    with open(log, "a") as fh:
        fh.write(index + "\\n")
    time.sleep(0.1)
"""


@pytest.mark.slow
def test_writers_get_the_lock_in_the_order_they_asked(cli: Cli, tmp_path: Path) -> None:
    """First come, first served: with polling, a writer could lose its turn again and again."""
    import time

    log = tmp_path / "order"
    start = time.time() + 1.5  # after the children have started Python
    children = [
        subprocess.Popen(
            [sys.executable, "-c", WAITER, str(cli.vault), str(i), str(start + 0.3 * i), str(log)],
            cwd=ROOT,
        )
        for i in range(4)
    ]
    with VaultDir(cli.vault).locked("holder"):
        time.sleep(max(0.0, start + 1.5 - time.time()))  # every waiter is queued by now
    assert all(c.wait(timeout=60) == 0 for c in children)
    assert log.read_text().split() == ["0", "1", "2", "3"]
