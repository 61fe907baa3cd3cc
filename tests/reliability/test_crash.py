"""Crash suite: a real `ctcm` process killed with SIGKILL at random moments while it writes.

Workloads, in turn: person add, person add with a policy, a CSV import, a document with an
encrypted scan, a backup restore, a key rotation (slot remove --purge-backups), an encrypted
packet with the scans, and a reminder run against a real SMTP server. After every
kill the vault opens, the audit chain verifies, the data is either the state before the command
or the state after it (the after state whenever the command had reported success), no
plaintext is anywhere on disk, and the next write leaves no temp file and no scan that no
generation names. For the reminder run: no reminder is lost, and one goes twice only when the
kill came after the server had accepted it (the documented window, see services/outbox.py).
`make test` runs the short form (CTCM_CRASH_TRIALS, default 18: two per workload);
`make reliability` runs 1,000.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ctcm.services.practice import open_practice
from ctcm.vault.store import VaultDir
from tests.conftest import CTCM_BIN, PASSPHRASE, ROOT, Cli, configure_mail, real_now

pytestmark = pytest.mark.reliability
# read at import: the tests' autouse fixture clears every CTCM_* variable
TRIALS = int(os.environ.get("CTCM_CRASH_TRIALS", "18"))
SEED = int(os.environ.get("CTCM_CRASH_SEED", "20261125"))
MARKER = b"PLAINMARKER"
DAY = "2026-03-02"


def _env(cli: Cli, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTCM_")}
    env.update(
        {
            "CTCM_VAULT": str(cli.vault),
            "CTCM_IDENTITY_FILE": str(cli.identity),
            "CTCM_STATE_DIR": str(cli.tmp / "state"),
            "CTCM_RUNTIME_DIR": str(cli.tmp / "run"),
            "CTCM_NO_KEYRING": "1",
            "CTCM_TODAY": DAY,
            "TMPDIR": str(tmp),
            "NO_COLOR": "1",
        }
    )
    return env


def _people(cli: Cli) -> frozenset[str]:
    return frozenset(p["id"] for p in json.loads(cli.ok("person", "list", "-f", "json").stdout))


def _numbers(cli: Cli) -> frozenset[str]:
    docs = json.loads(cli.ok("doc", "list", "base", "--all", "-f", "json").stdout)
    return frozenset(d["number"] for d in docs if d.get("number"))


def _plaintext_anywhere(*roots: Path) -> list[str]:
    return [
        str(path)
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and MARKER in path.read_bytes()
    ]


def _leftovers(vault: Path) -> list[str]:
    """What a killed writer may leave and the next writer must clear."""
    return [
        str(p)
        for p in (
            *vault.glob(".*.tmp-*"),
            *(vault / "blobs").glob(".tmp-*"),
            *(vault / "blobs").glob(".pending"),
            *(vault / "backups").glob(".*.tmp-*"),
        )
    ]


def _scans_match(cli: Cli) -> None:
    """Every scan the live generation names is on disk and decrypts; no other file is there
    (nothing in this test is named by a backup alone)."""
    with open_practice(cli.environment(), "status", write=False) as p:
        keys = p.repo.attachment_keys()
        for blob_id, key in keys:
            assert MARKER in p.vault.get_blob(key, blob_id)
    on_disk = {f.name for f in (cli.vault / "blobs").iterdir() if not f.name.startswith(".")}
    assert on_disk == {b for b, _ in keys}, (on_disk, keys)


@dataclass
class Workload:
    """One kind of write: ``prepare`` makes what trial ``n`` needs and returns the command's
    arguments and the state it must leave if it commits (from the state before)."""

    name: str
    state: Callable[[Cli], Any]
    prepare: Callable[[Cli, int, Path], tuple[list[str], Callable[[Any], Any]]]
    figures: dict[str, int] = field(
        default_factory=lambda: {
            "trials": 0,
            "killed_before_commit": 0,
            "killed_after_commit": 0,
            "completed": 0,
        }
    )
    durations: list[float] = field(default_factory=list)


def _person_add(cli: Cli, n: int, tmp: Path) -> tuple[list[str], Callable[[Any], Any]]:
    args = ["person", "add", f"p{n}", "--name", f"PLAINMARKER {n}", "--email", f"p{n}@ex.org"]
    return args, lambda before: before | {f"p{n}"}


def _person_policy(cli: Cli, n: int, tmp: Path) -> tuple[list[str], Callable[[Any], Any]]:
    args, after = _person_add(cli, n, tmp)
    return [*args, "--policy", "office-staff"], after


def _import(cli: Cli, n: int, tmp: Path) -> tuple[list[str], Callable[[Any], Any]]:
    csv = tmp / f"import{n}.csv"
    csv.write_text(
        "id,name,email\n"
        + "".join(f"i{n}{x},PLAINMARKER {n}{x},i{n}{x}@example.org\n" for x in "abc")
    )
    return ["person", "import", str(csv)], lambda before: before | {f"i{n}{x}" for x in "abc"}


def _doc_with_scan(cli: Cli, n: int, tmp: Path) -> tuple[list[str], Callable[[Any], Any]]:
    scan = tmp / f"scan{n}.pdf"
    scan.write_bytes(b"%PDF PLAINMARKER scan " + os.urandom(64 * 1024))
    args = ["doc", "add", "base", "npi", "--number", f"N{n}", "--force", "--file", str(scan)]
    return args, lambda before: before | {f"N{n}"}


def _restore(cli: Cli, n: int, tmp: Path) -> tuple[list[str], Callable[[Any], Any]]:
    # a generation to go back to: the one before this person was added
    cli.ok("person", "add", f"r{n}", "--name", f"PLAINMARKER r{n}", "--email", f"r{n}@ex.org")
    previous = VaultDir(cli.vault).read_parsed().generation - 1
    return ["backup", "restore", str(previous)], lambda before: before - {f"r{n}"}


def _packet(cli: Cli, n: int, tmp: Path) -> tuple[list[str], Callable[[Any], Any]]:
    """An encrypted packet with the decrypted scans: killed anywhere, no plaintext scan is on
    disk (the inner zip is built in memory; the temp beside the target holds only the
    encrypted archive)."""
    packets = tmp.parent / "packets"  # beside the sources (which hold the marker in clear)
    packets.mkdir(exist_ok=True)
    out = packets / f"packet{n}.zip"
    return ["packet", "build", "--with-attachments", "--encrypt", "--out", str(out)], lambda b: b


def _slots(cli: Cli) -> frozenset[str]:
    return frozenset(s["id"] for s in json.loads(cli.ok("slot", "list", "-f", "json").stdout))


ADMIN = {"CTCM_IDENTITY_FILE": "", "CTCM_USER": "alice", "CTCM_PASSPHRASE": PASSPHRASE}


def _slot_remove(cli: Cli, n: int, tmp: Path) -> tuple[list[str], Callable[[Any], Any]]:
    """A key rotation: every scan re-encrypted under a new data key, the old files and the
    backups the old key opens deleted after the save."""
    admin = {"CTCM_USER": "alice", "CTCM_PASSPHRASE": PASSPHRASE}
    had = _slots(cli)
    cli.ok("slot", "add-service", f"svc{n}", "--out", str(tmp / f"svc{n}.identity"), env=admin,
           identity=False)  # fmt: skip
    added = _slots(cli) - had
    return ["slot", "remove", f"svc{n}", "--purge-backups"], lambda before: before - added


def _scans_accounted(cli: Cli) -> None:
    """After a rotation: every file in blobs/ is named by the live generation, or listed as
    retired under a data key a kept backup still has (it goes with that backup): none that
    nothing names or keeps."""
    with open_practice(cli.environment(), "status", write=False) as p:
        live = {b for b, _ in p.repo.attachment_keys()}
    blobs = cli.vault / "blobs"
    on_disk = {f.name for f in blobs.iterdir() if not f.name.startswith(".")}
    held = {str(b.header.get("dek_id")) for b in VaultDir(cli.vault).list_backups()}
    retired = blobs / ".retired"
    kept = {
        line.split(" ")[1]
        for line in (retired.read_text().splitlines() if retired.exists() else [])
        if line.split(" ")[0] in held
    }
    assert on_disk - live <= kept, on_disk - live - kept


def _kill_point(rng: random.Random, durations: list[float]) -> float | None:
    """Anywhere in a command's life, most often near its end, where it writes; some runs are
    let finish (the first of each workload measures how long one takes)."""
    if not durations:
        return None
    typical = sorted(durations)[len(durations) // 2]
    if rng.random() < 0.3:
        return rng.uniform(0.0, 1.2) * typical
    return rng.uniform(0.6, 1.2) * typical


def _run_and_kill(
    args: list[str], env: dict[str, str], rng: random.Random, durations: list[float]
) -> tuple[bool, int, float]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(CTCM_BIN), *args], env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    point = _kill_point(rng, durations)
    if point is None:
        code = proc.wait(timeout=120)
        return True, code, time.monotonic() - started
    time.sleep(point)
    done = proc.poll() is not None
    if not done:
        proc.send_signal(signal.SIGKILL)
    code = proc.wait()
    return done, code, time.monotonic() - started


def _due_staff(cli: Cli, prefix: str) -> list[str]:
    """Two new office staff with no documents: each is due a reminder."""
    people = [f"{prefix}{x}" for x in "ab"]
    staff = cli.tmp / f"{prefix}.csv"
    staff.write_text(
        "id,name,email,policies\n"
        + "".join(f"{p},Staff {p},{p}@example.org,office-staff\n" for p in people)
    )
    cli.ok("person", "import", str(staff))
    return people


def _remind_trial(
    cli: Cli, smtp: Any, n: int, env: dict[str, str], rng: random.Random, w: Workload
) -> None:
    """A reminder run killed at random: afterwards (once the claim timeout has passed) a run
    delivers what the killed one did not; nobody's reminder is lost, and at most the one
    message in flight at the kill goes twice."""
    people = _due_staff(cli, f"m{n}")
    seen = len(smtp.messages)
    # on its real date: under CTCM_TODAY a real vault never sends mail
    real = {k: v for k, v in env.items() if k != "CTCM_TODAY"}
    done, code, took = _run_and_kill(["remind", "--send"], real, rng, w.durations)
    accepted_before_kill = len(smtp.messages) - seen
    assert "intact" in cli.ok("audit", "verify").stderr, n
    # the next run, past the claim timeout, finishes the work
    day_clock = cli.clock
    cli.clock = real_now(timedelta(minutes=16))
    r = cli.ok("remind", "--send")
    got = [rcpts for rcpts, _ in smtp.messages[seen:]]
    copies = {p: sum(f"{p}@example.org" in rcpts for rcpts in got) for p in people}
    assert all(c >= 1 for c in copies.values()), (n, copies, r.stderr)  # none lost
    twice = sum(c - 1 for c in copies.values())
    assert twice <= (0 if done and code == 0 else 1), (n, copies)
    assert twice <= accepted_before_kill, (n, copies, accepted_before_kill)
    r = cli.ok("remind", "--send")
    assert r.stdout == "" and r.stderr == ""  # cron: nothing to send, nothing said
    cli.clock = day_clock
    w.figures["trials"] += 1
    w.figures.setdefault("sent_twice_in_the_window", 0)
    w.figures["sent_twice_in_the_window"] += twice
    w.figures["lost"] = 0
    if done and code == 0:
        w.durations.append(took)
        w.figures["completed"] += 1
    elif accepted_before_kill:
        w.figures["killed_after_commit"] += 1
    else:
        w.figures["killed_before_commit"] += 1


def _remind_out_trial(
    cli: Cli, n: int, env: dict[str, str], rng: random.Random, w: Workload
) -> None:
    """``remind --out`` killed at random: its files are recorded at its save, so the next run
    writes again what a run killed before its save had written (never for a run that
    finished), and nobody's reminder is lost."""
    people = _due_staff(cli, f"f{n}")
    out = cli.tmp / f"out{n}"
    done, code, took = _run_and_kill(["remind", "--out", str(out)], env, rng, w.durations)
    assert "intact" in cli.ok("audit", "verify").stderr, n
    written_by_the_run = len(list(out.glob("*.eml"))) if out.exists() else 0
    cli.ok("remind", "--out", str(out), env={"CTCM_TODAY": DAY})  # the next run, same folder
    named = [re.fullmatch(r".*-reminder-([a-z0-9]+)(?:-\d+)?\.eml", f.name) for f in out.iterdir()]
    copies = {p: sum(bool(m and m[1] == p) for m in named) for p in people}
    assert all(c >= 1 for c in copies.values()), (n, copies)  # none lost
    assert all(c <= 2 for c in copies.values()), (n, copies)
    twice = sum(c - 1 for c in copies.values())
    assert twice == 0 or not (done and code == 0), (n, copies)  # a finished run is recorded
    w.figures["trials"] += 1
    w.figures["written_again"] = w.figures.get("written_again", 0) + twice
    w.figures["lost"] = 0
    if done and code == 0:
        w.durations.append(took)
        w.figures["completed"] += 1
    elif twice or not written_by_the_run:  # its files (if any) were not yet recorded
        w.figures["killed_before_commit"] += 1
    else:
        w.figures["killed_after_commit"] += 1


def test_killed_writers_never_leave_a_broken_or_half_written_vault(
    cli: Cli, smtp: Any, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    sources = tmp_path / "sources"
    sources.mkdir()
    env = _env(cli, tmp)
    configure_mail(cli, smtp)
    smtp.delay = 0.05  # a server that takes a moment: kills land between messages too
    cli.ok("person", "add", "base", "--name", "Base", "--email", "b@example.org")
    workloads = [
        Workload("person add", _people, _person_add),
        Workload("person add --policy", _people, _person_policy),
        Workload("person import (CSV)", _people, _import),
        Workload("doc add --file (encrypted scan)", _numbers, _doc_with_scan),
        Workload("backup restore", _people, _restore),
        Workload("slot remove --purge-backups (key rotation)", _slots, _slot_remove),
        Workload("packet build --with-attachments --encrypt", _people, _packet),
        Workload("remind --send (SMTP)", _people, _person_add),
        Workload("remind --out (files)", _people, _person_add),
    ]
    for n in range(TRIALS):
        w = workloads[n % len(workloads)]
        if w.name.startswith("remind --send"):
            _remind_trial(cli, smtp, n, env, rng, w)
        elif w.name.startswith("remind --out"):
            _remind_out_trial(cli, n, env, rng, w)
        else:
            args, expected = w.prepare(cli, n, sources)
            before = w.state(cli)
            # a restore and a rotation are an admin's (alice's passphrase, not the officer's
            # identity)
            admin_only = w.name.startswith(("backup restore", "slot remove"))
            run_env = env | ADMIN if admin_only else env
            done, code, took = _run_and_kill(args, run_env, rng, w.durations)
            after = w.state(cli)  # the vault opens
            w.figures["trials"] += 1
            assert after in (before, expected(before)), (n, args, before ^ after)
            if done and code == 0:
                w.durations.append(took)
                w.figures["completed"] += 1
                assert after == expected(before), f"trial {n}: reported committed but not in it"
            elif after == before:
                w.figures["killed_before_commit"] += 1
            else:
                w.figures["killed_after_commit"] += 1
            assert "intact" in cli.ok("audit", "verify").stderr, n
            # the next write cleans what a killed writer left
            cli.ok("practice", "set", "--warn-days", str(30 + n % 7))
        assert not _plaintext_anywhere(cli.vault, tmp, tmp_path / "packets"), n
        assert not _leftovers(cli.vault), (n, _leftovers(cli.vault))
        if w.name.startswith("doc add"):
            _scans_match(cli)
        if w.name.startswith("slot remove"):
            _scans_accounted(cli)
    _scans_accounted(cli)
    figures = {
        "trials": sum(w.figures["trials"] for w in workloads),
        "workloads": {w.name: w.figures for w in workloads},
    }
    for key in ("killed_before_commit", "killed_after_commit", "completed"):
        figures[key] = sum(w.figures[key] for w in workloads)
    artifacts = ROOT / "build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "crash.json").write_text(json.dumps(figures, indent=2) + "\n")
    assert figures["trials"] == TRIALS
