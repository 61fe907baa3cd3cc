"""Run the fault-injection suites (tests/reliability, marker `reliability`) and write
RELIABILITY.md from the figures they record in build/test-artifacts/.

`make reliability` runs the long forms (1,000 crash trials, every byte of the corruption
sweep, 30 operations per concurrency worker); CI runs the short forms inside `make test`.
Usage: python bench/reliability.py [--report-only]
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "build" / "test-artifacts"

PROMISES = """\
## What ctcm promises

- **Atomicity.** A command that writes commits whole or not at all: the new vault generation
  is written to a temp file, fsynced and renamed over the old one under an exclusive lock; a
  process killed at any moment leaves the previous generation or the new one, never a mix.
- **Durability.** A command that reported success has its change on disk (fsync of the file
  and its directory before the rename is reported).
- **Nothing left behind.** What a killed writer leaves (a temp file, an encrypted scan that no
  generation names) is removed by the next command that writes, under the writer lock; a
  reader never deletes or rewrites anything.
- **Tamper evidence.** The vault is AES-256-GCM in authenticated chunks under an authenticated
  header that only key holders can write; the audit trail is a SHA-256 hash chain, reads go
  to a sealed, hash-chained journal. A changed, truncated, swapped, forged or rolled-back file
  is refused with one line, exit 1.
- **Writes are bound to roles.** Every generation is signed by the slot that wrote it; one
  changed beyond its writer's role, in another's name, or behind its signature is refused on
  open, even when made with other software by someone who holds a key.
- **Reminders: none lost; after a kill, what was in flight may go again.** With `--send`, each
  reminder is claimed in the delivery ledger before it goes and settled after: a run killed
  between the mail server's acceptance and the settlement sends that one message again once
  its claim times out (15 minutes by the clock of the machine that finds it, so hosts whose
  clocks disagree never both send), never more than that one, and loses none. With `--out`, a
  run's files are recorded at its save: a run killed before it has its files written again
  by the next run (in the same folder, beside them as `NAME-1.eml`). Overlapping runs never
  send the same reminder.
- **Readers never wait.** Commands that only read take no lock: a long writer (a reminder run
  talking to a slow server) never holds up `status`, `due` or a report.
- **Bad input never hurts.** Every parser a user feeds refuses what it cannot take with one
  line and exit 1 (2 for a usage error), writes nothing, and shows no traceback.
- **No leaks.** No passphrase, key, SMTP password or session token in any output, email,
  audit entry or file (but where the one command that hands it over shows it once); no
  plaintext of the practice's records in the vault, the temp, state or runtime directories.
- **Retention.** Audit entries are never deleted; manual versions and backups are kept at
  least six years after they stop being in effect.
"""


def _load(name: str) -> Any:
    path = ARTIFACTS / name
    return json.loads(path.read_text()) if path.exists() else None


def _crash_rows(crash: dict[str, Any]) -> list[str]:
    rows = [
        "| workload | trials | killed before the commit | killed after it | completed |",
        "|---|---|---|---|---|",
    ]
    for name, w in crash.get("workloads", {}).items():
        extra = ""
        if "sent_twice_in_the_window" in w:
            extra = (
                f" ({w['lost']} reminders lost; {w['sent_twice_in_the_window']} sent twice, "
                "each the one message in flight at a kill)"
            )
        elif "written_again" in w:
            extra = (
                f" ({w['lost']} reminders lost; {w['written_again']} written again, by the run "
                "after one killed before its save)"
            )
        rows.append(
            f"| {name} | {w['trials']} | {w['killed_before_commit']} | "
            f"{w['killed_after_commit']} | {w['completed']}{extra} |"
        )
    rows.append(
        f"| **all** | **{crash['trials']}** | {crash['killed_before_commit']} | "
        f"{crash['killed_after_commit']} | {crash['completed']} |"
    )
    return rows


def _concurrency_rows() -> list[str]:
    rows = []
    for workers in (2, 8):
        c = _load(f"concurrency-{workers}.json")
        if not c:
            continue
        kinds = ", ".join(f"{v} {k}" for k, v in c["by_kind"].items())
        rows.append(
            f"| {c['workers']} | {c['operations']} ({kinds}) "
            f"| {c['lost_updates']} / {c['lost_audit_entries']} / {c['reminders_twice']} / "
            f"{c['deadlocks']} | {c['lock_wait_median_s']} s / {c['lock_wait_max_s']} s "
            f"({c['lock_waits']} waits) | {c['read_median_s']} s / {c['read_max_s']} s |"
        )  # fmt: skip
    if not rows:
        return []
    return [
        "| workers | operations | lost updates / lost audit entries / reminders twice / "
        "deadlocks | writers' lock wait, median / max | read time, median / max (no lock) |",
        "|---|---|---|---|---|",
        *rows,
    ]


def _bad_input_rows(bad: dict[str, dict[str, int]]) -> list[str]:
    rows = ["| parser | inputs tried | refused with one line |", "|---|---|---|"]
    for name, f in bad.items():
        label = name.removeprefix("test_").replace("_", " ")
        rows.append(f"| {label} | {f['tried']:,} | {f['refused']:,} |")
    total = sum(f["tried"] for f in bad.values())
    rows.append(f"| **all** | **{total:,}** | {sum(f['refused'] for f in bad.values()):,} |")
    return rows


def report(started: datetime, returncode: int) -> str:
    crash = _load("crash.json")
    sweep = _load("corruption.json")
    attacks = _load("attacks.json")
    insiders = sorted((ARTIFACTS / "insiders").glob("*.json"))
    if insiders:
        attacks = dict(attacks or {})
        for path in insiders:
            attacks.update(json.loads(path.read_text()))
    bad = _load("bad_input.json")
    leaks = _load("leaks.json")
    findings = tomllib.loads((ROOT / "tests" / "reliability" / "findings.toml").read_text())
    lines = [
        "# Reliability",
        "",
        "Generated by `make reliability` (bench/reliability.py) on "
        f"{started:%Y-%m-%d} on {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores. The same suites run in a short form in every CI build "
        "(`make test`).",
        "",
        PROMISES,
        "## Crash suite",
        "",
        "A real `ctcm` killed with SIGKILL at a random moment of its run (most often near its "
        "end, where it writes; some runs are let finish). After every kill: the vault opens, "
        "`ctcm audit verify` passes, the data is the state before the command or after it (after "
        "whenever it had reported success), no plaintext is on disk, and after the next write no "
        "temp file, no pending list and no scan that no generation names is left. Reminder runs "
        "go to a real SMTP server; the next run, past the claim timeout, finishes the work.",
        "",
        *(_crash_rows(crash) if crash else ["(not run)"]),
        "",
        "## Corruption sweep and attacks",
        "",
    ]
    if sweep:
        lines.append(
            f"Every damaged copy of a small vault file ({sweep['tried']:,}: changed bytes, bit "
            f"flips, truncation at every chunk boundary): {sweep['refused']:,} refused with one "
            f"line and exit 1, {sweep['accepted']} accepted, {sweep['tracebacks']} tracebacks."
        )
        lines.append("")
    if attacks:
        lines += ["| attack | outcome |", "|---|---|"]
        lines += [f"| {name} | {outcome} |" for name, outcome in attacks.items()]
        lines.append("")
    lines += ["## Concurrency", ""]
    lines.append(
        "Workers each run real `ctcm` processes one after another (person and document adds, "
        "`status`, `due`, `remind --out`, settings), all against one vault. Lock waits are what "
        "each writer reported under `CTCM_TRACE=1`; a `remind --out` run holds the lock for "
        "its whole run, which is what the longest waits are."
    )
    lines += ["", *(_concurrency_rows() or ["(not run)"]), ""]
    lines += ["## Bad-input corpus", ""]
    lines.append(
        "Hypothesis feeds every parser a user reaches (plus the kept regression examples); each "
        "input is either taken or refused with one line, never a traceback, and a refused "
        "command leaves the vault's generation unchanged."
    )
    lines += ["", *(_bad_input_rows(bad) if bad else ["(not run)"]), ""]
    lines += ["## Leak check", ""]
    if leaks:
        lines.append(
            f"One session ran all {leaks['commands']} commands of the permission table "
            f"({leaks['runs']} runs, a real SMTP server), then checked {leaks['files_checked']} "
            f"files, {leaks['emails_checked']} emails and every output for "
            f"{leaks['secrets_checked']} secrets and the practice's records: {leaks['leaks']} "
            "leaks."
        )
    else:
        lines.append("(not run)")
    lines += ["", "## Found and fixed", ""]
    lines.append("What these suites found, each kept by a regression test (findings.toml).")
    lines += ["", "| found by | what | fix | regression test |", "|---|---|---|---|"]
    lines += [
        f"| {f['found_by']} | {f['what']} | {f['fix']} | `{f['test'].split('::')[-1]}` |"
        for f in findings["finding"]
    ]
    lines += ["", f"pytest exit status: {returncode}.", ""]
    return "\n".join(lines)


def main() -> int:
    """``--report-only``: rewrite RELIABILITY.md from the figures already recorded."""
    env = dict(os.environ)
    env.setdefault("CTCM_CRASH_TRIALS", "1000")
    env.setdefault("CTCM_SWEEP", "all")
    env.setdefault("CTCM_CONCURRENCY_OPS", "30")
    env.setdefault("CTCM_FUZZ_SCALE", "5")
    started = datetime.now(UTC)
    if "--report-only" in sys.argv:
        returncode = 0
    else:
        returncode = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-m", "reliability", "tests/reliability"],
            cwd=ROOT,
            env=env,
        ).returncode
    (ROOT / "RELIABILITY.md").write_text(report(started, returncode))
    print("Wrote RELIABILITY.md")
    return returncode


if __name__ == "__main__":
    raise SystemExit(main())
