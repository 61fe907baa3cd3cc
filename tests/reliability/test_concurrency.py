"""Concurrency: several real `ctcm` processes at once against one vault. No lost update, no
lost audit entry, no reminder sent twice, readers never blocked by the writer lock."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import CTCM_BIN, ROOT, Cli
from tests.reliability.test_crash import _env

pytestmark = pytest.mark.reliability
WRITERS = int(os.environ.get("CTCM_CONCURRENCY", "4"))


def _spawn(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(CTCM_BIN), *args], env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_concurrent_writers_and_readers(cli: Cli, tmp_path: Path) -> None:
    env = _env(cli, tmp_path) | {"CTCM_LOCK_TIMEOUT": "60"}
    audit_before = len(json.loads(cli.ok("audit", "list", "-f", "json").stdout))
    procs = []
    for w in range(WRITERS):
        procs += [
            _spawn(env, "person", "add", f"w{w}k{k}", "--name", f"W {w} {k}",
                   "--email", f"w{w}k{k}@example.org")
            for k in range(3)
        ]  # fmt: skip
        procs.append(_spawn(env, "status"))
    readers_started = time.monotonic()
    read = subprocess.run([str(CTCM_BIN), "status"], env=env, capture_output=True, text=True)
    read_time = time.monotonic() - readers_started
    results = [(p.args, p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    failed = [(a, c, e) for a, c, e in results if c != 0]
    assert not failed, failed[:3]
    assert read.returncode == 0
    people = {p["id"] for p in json.loads(cli.ok("person", "list", "-f", "json").stdout)}
    assert {f"w{w}k{k}" for w in range(WRITERS) for k in range(3)} <= people  # no lost update
    audit = json.loads(cli.ok("audit", "list", "-f", "json").stdout)
    adds = [e for e in audit[audit_before:] if e["command"] == "person add"]
    reads = [e for e in audit[audit_before:] if e["command"] == "status"]
    assert len(adds) == WRITERS * 3 and len(reads) >= WRITERS + 1  # no lost audit entry
    assert "intact" in cli.ok("audit", "verify").stderr
    # a reader takes no lock: it finished while writers queued for theirs
    assert read_time < 10, read_time
    artifacts = ROOT / "build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "concurrency.json").write_text(
        json.dumps(
            {"processes": len(procs) + 1, "writes": len(adds), "reads": len(reads),
             "lost_updates": 0, "lost_audit_entries": 0, "reader_seconds": round(read_time, 2)},
            indent=2,
        )
        + "\n"
    )  # fmt: skip


def test_concurrent_reminder_runs_send_each_reminder_once(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    cli.ok("mail", "configure", "--from", "Office <office@example.org>")
    plan = cli.ok("remind", "-f", "json").stdout
    due_people = {d["person"] for d in json.loads(plan)["due"]}
    env = _env(cli, tmp_path) | {"CTCM_LOCK_TIMEOUT": "60"}
    outs = [tmp_path / f"out{i}" for i in range(3)]
    procs = [_spawn(env, "remind", "--out", str(o)) for o in outs]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    sent = sorted(f.name for o in outs if o.exists() for f in o.iterdir())
    people = [name.rsplit("-", 1)[1].removesuffix(".eml") for name in sent]
    assert sorted(people) == sorted(due_people)  # each reminder once, none lost
