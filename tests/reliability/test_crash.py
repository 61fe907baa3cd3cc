"""Crash suite: a real `ctcm` process killed with SIGKILL at random moments while it writes.

After every kill the vault opens, the audit chain verifies, the data is either the state before
the command or the state after it (and the after state whenever the command had reported
success), no plaintext is anywhere on disk, and the next write leaves no temp file behind.
CI runs the short form (CTCM_CRASH_TRIALS, default 50); `make reliability` runs 1,000.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import CTCM_BIN, ROOT, Cli

pytestmark = pytest.mark.reliability
# read at import: the tests' autouse fixture clears every CTCM_* variable
TRIALS = int(os.environ.get("CTCM_CRASH_TRIALS", "50"))
SEED = int(os.environ.get("CTCM_CRASH_SEED", "20261125"))
MARKER = b"PLAINMARKER"


def _env(cli: Cli, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTCM_")}
    env.update(
        {
            "CTCM_VAULT": str(cli.vault),
            "CTCM_IDENTITY_FILE": str(cli.identity),
            "CTCM_STATE_DIR": str(cli.tmp / "state"),
            "CTCM_RUNTIME_DIR": str(cli.tmp / "run"),
            "CTCM_NO_KEYRING": "1",
            "CTCM_TODAY": "2026-03-02",
            "TMPDIR": str(tmp),
            "NO_COLOR": "1",
        }
    )
    return env


def _people(cli: Cli) -> set[str]:
    return {p["id"] for p in json.loads(cli.ok("person", "list", "-f", "json").stdout)}


def _plaintext_anywhere(*roots: Path) -> list[str]:
    return [
        str(path)
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and MARKER in path.read_bytes()
    ]


def test_killed_writers_never_leave_a_broken_or_half_written_vault(
    cli: Cli, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = _env(cli, tmp)
    cli.ok("person", "add", "base", "--name", "Base", "--email", "b@example.org")
    durations: list[float] = []
    figures = {"trials": 0, "killed_before_commit": 0, "killed_after_commit": 0, "completed": 0}
    for n in range(TRIALS):
        before = _people(cli)
        kind = n % 3
        new = {f"p{n}"} if kind != 2 else {f"i{n}a", f"i{n}b", f"i{n}c"}
        if kind == 0:
            args = [
                "person",
                "add",
                f"p{n}",
                "--name",
                f"PLAINMARKER {n}",
                "--email",
                f"p{n}@example.org",
            ]
        elif kind == 1:
            args = [
                *("person", "add", f"p{n}", "--name", f"PLAINMARKER {n}"),
                *("--email", f"p{n}@example.org", "--policy", "office-staff"),
            ]
        else:
            csv = tmp_path / f"import{n}.csv"
            csv.write_text(
                "id,name,email\n"
                + "".join(f"i{n}{x},PLAINMARKER {n}{x},i{n}{x}@example.org\n" for x in "abc")
            )
            args = ["person", "import", str(csv)]
        started = time.monotonic()
        proc = subprocess.Popen(
            [str(CTCM_BIN), *args], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        # kill anywhere in a command's life, most often near its end, where it writes
        typical = sorted(durations)[len(durations) // 2] if durations else 0.6
        time.sleep(
            rng.uniform(0.0, 1.1) * typical
            if rng.random() < 0.3
            else rng.uniform(0.6, 1.1) * typical
        )
        done = proc.poll() is not None
        if not done:
            proc.send_signal(signal.SIGKILL)
        code = proc.wait()
        after = _people(cli)  # the vault opens
        figures["trials"] += 1
        assert after in (before, before | new), (n, args, after - before)
        if done and code == 0:
            durations.append(time.monotonic() - started)
            figures["completed"] += 1
            assert after == before | new, f"trial {n}: reported committed but not in the vault"
        elif after == before:
            figures["killed_before_commit"] += 1
        else:
            figures["killed_after_commit"] += 1
        assert "intact" in cli.ok("audit", "verify").stderr, n
        assert not _plaintext_anywhere(cli.vault, tmp), n
        # the next write cleans what a killed writer left
        cli.ok("practice", "set", "--warn-days", str(30 + n % 7))
        assert not list(cli.vault.glob(".*.tmp-*")), n
    artifacts = ROOT / "build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "crash.json").write_text(json.dumps(figures, indent=2) + "\n")
    assert figures["trials"] == TRIALS
