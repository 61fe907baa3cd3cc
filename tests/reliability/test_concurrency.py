"""Concurrency: N workers (2 to 8), each a thread running real `ctcm` processes one after
another, interleave reads, writes and reminder runs against one vault. No lost update, no lost
audit entry, no reminder written twice, no deadlock (every process ends, none with exit 75),
readers never wait for the writer lock; the writers' lock waits (CTCM_TRACE) are recorded for
RELIABILITY.md. CI runs a few operations per worker; `make reliability` runs more
(CTCM_CONCURRENCY_OPS)."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CTCM_BIN, ROOT, Cli
from tests.reliability.test_crash import _env

pytestmark = pytest.mark.reliability
OPS = int(os.environ.get("CTCM_CONCURRENCY_OPS", "3"))  # read at import: fixtures clear CTCM_*
WAITED = re.compile(r"trace: waited ([0-9.]+) s for the writer lock")
KINDS = ("person add", "doc add", "status", "due", "remind --out", "practice set")


def _spawn(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(CTCM_BIN), *args], env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _args(kind: str, w: int, k: int, out: Path) -> list[str]:
    match kind:
        case "person add":
            return ["person", "add", f"w{w}k{k}", "--name", f"Worker {w} {k}",
                    "--email", f"w{w}k{k}@example.org", "--policy", "office-staff"]  # fmt: skip
        case "doc add":
            return ["doc", "add", "base", "npi", "--number", f"N{w}-{k}", "--force"]
        case "status" | "due":
            return [kind]
        case "remind --out":
            return ["remind", "--out", str(out / f"w{w}k{k}")]
        case _:
            return ["practice", "set", "--warn-days", str(30 + (w + k) % 9)]


@pytest.mark.parametrize("workers", [2, 8])
def test_mixed_workers_lose_nothing_and_never_block_readers(
    cli: Cli, tmp_path: Path, workers: int
) -> None:
    cli.ok("mail", "configure", "--from", "Office <office@example.org>")
    cli.ok("person", "add", "base", "--name", "Base", "--email", "b@example.org")
    env = _env(cli, tmp_path) | {"CTCM_LOCK_TIMEOUT": "120", "CTCM_TRACE": "1"}
    out = tmp_path / "mail"
    audit_before = len(json.loads(cli.ok("audit", "list", "-f", "json").stdout))
    plans = []
    for w in range(workers):
        rng = random.Random(w)
        # every worker reads and writes; reminder runs go to every other worker
        kinds = [KINDS[(w + k) % len(KINDS)] for k in range(OPS)]
        rng.shuffle(kinds)
        plans.append(kinds)
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def worker(w: int) -> None:
        for k, kind in enumerate(plans[w]):
            started = time.monotonic()
            proc = _spawn(env, *_args(kind, w, k, out))
            try:
                stdout, stderr = proc.communicate(timeout=300)
            except subprocess.TimeoutExpired:  # a deadlock: say so, do not hang the suite
                proc.kill()
                stdout, stderr = proc.communicate()
                stderr += "\n(deadlock: no exit in 300 s)"
            waits = [float(x) for x in WAITED.findall(stderr)]
            with lock:
                results.append(
                    {"worker": w, "op": k, "kind": kind, "code": proc.returncode,
                     "seconds": time.monotonic() - started, "waits": waits, "stderr": stderr}
                )  # fmt: skip

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began

    failed = [(r["kind"], r["code"], r["stderr"][-300:]) for r in results if r["code"] != 0]
    assert not failed, failed[:3]  # no deadlock, no exit 75, no lost-update refusal
    by_kind = {kind: [r for r in results if r["kind"] == kind] for kind in KINDS}
    # no lost update
    people = {p["id"] for p in json.loads(cli.ok("person", "list", "-f", "json").stdout)}
    added = {f"w{r['worker']}k{r['op']}" for r in by_kind["person add"]}
    assert added <= people
    docs = json.loads(cli.ok("doc", "list", "base", "--all", "-f", "json").stdout)
    numbers = {d["number"] for d in docs}
    assert {f"N{r['worker']}-{r['op']}" for r in by_kind["doc add"]} <= numbers
    # no lost audit entry: one per command (reads through the journal)
    audit = json.loads(cli.ok("audit", "list", "-f", "json").stdout)[audit_before:]
    for kind in KINDS:
        name = kind.removesuffix(" --out")
        assert sum(e["command"] == name for e in audit) == len(by_kind[kind]), kind
    assert "intact" in cli.ok("audit", "verify").stderr
    # no reminder twice: across every run, each person's reminder is written once at most,
    # and a last run finds nobody left out
    cli.ok("remind", "--out", str(out / "final"))
    sent = [f.name for d in out.iterdir() for f in d.iterdir()] if out.exists() else []
    per_person = [name.rsplit("-", 1)[1].removesuffix(".eml") for name in sent]
    assert len(per_person) == len(set(per_person)), sorted(per_person)
    assert {f"w{r['worker']}k{r['op']}" for r in by_kind["person add"]} <= set(per_person)
    # readers never wait: they take no lock (no trace line); writers' waits are bounded
    reads = by_kind["status"] + by_kind["due"]
    assert all(not r["waits"] for r in reads)
    waits = sorted(w for r in results for w in r["waits"])
    assert waits and waits[-1] < 120
    read_times = sorted(r["seconds"] for r in reads)
    artifacts = ROOT / "build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    figures = {
        "workers": workers,
        "operations": len(results),
        "by_kind": {kind: len(v) for kind, v in by_kind.items()},
        "seconds": round(elapsed, 1),
        "lost_updates": 0,
        "lost_audit_entries": 0,
        "reminders_twice": 0,
        "deadlocks": 0,
        "lock_waits": len(waits),
        "lock_wait_median_s": round(waits[len(waits) // 2], 3),
        "lock_wait_max_s": round(waits[-1], 3),
        "read_median_s": round(read_times[len(read_times) // 2], 3) if read_times else None,
        "read_max_s": round(read_times[-1], 3) if read_times else None,
    }
    (artifacts / f"concurrency-{workers}.json").write_text(json.dumps(figures, indent=2) + "\n")


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
