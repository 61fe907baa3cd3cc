"""Corruption sweep: changed bytes, bit flips and truncations of the vault file are each
refused with a clear error, never accepted, never a traceback. CI samples the positions;
CTCM_SWEEP=all (make reliability) changes every byte."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ctcm.errors import CtcmError
from ctcm.services.practice import open_practice
from ctcm.vault import format as fmt
from tests.conftest import ROOT, Cli

pytestmark = pytest.mark.reliability
SWEEP_ALL = os.environ.get("CTCM_SWEEP") == "all"  # read at import: fixtures clear CTCM_*


def _outcome(cli: Cli, data: bytes) -> str:
    (cli.vault / "vault.ctcm").write_bytes(data)
    try:
        with open_practice(cli.environment(), "status", write=False) as p:
            p.repo.people()
    except CtcmError:
        return "refused"
    except Exception as err:  # noqa: BLE001 - the finding: a traceback a user would see
        return f"traceback: {type(err).__name__}: {err}"
    return "accepted"


def test_every_damaged_vault_file_is_refused_cleanly(cli: Cli, tmp_path: Path) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    original = (cli.vault / "vault.ctcm").read_bytes()
    size = len(original)
    rng = random.Random(20261125)
    if SWEEP_ALL:
        positions = list(range(size))
    else:
        positions = sorted(set(range(0, 64)) | set(rng.sample(range(size), min(size, 250))))
    parsed = fmt.parse(original)
    header_len = len(parsed.signed) + len(parsed.mac)
    # every chunk boundary of the payload (and a few odd places)
    cuts = {0, 1, 8, header_len - 1, size // 2, size - 1, *range(header_len, size, fmt.CHUNK)}
    flips = [(rng.randrange(size), rng.randrange(8)) for _ in range(100)]

    def trials() -> Iterator[tuple[str, bytes]]:
        """One damaged copy at a time (the whole sweep would not fit in memory at once)."""
        for i in positions:
            changed = bytearray(original)
            changed[i] ^= 0xFF
            yield f"byte {i} changed", bytes(changed)
        for i, bit in flips:
            flipped = bytearray(original)
            flipped[i] ^= 1 << bit
            yield f"bit {bit} of byte {i} flipped", bytes(flipped)
        for cut in sorted(cuts):
            yield f"truncated at {cut}", original[:cut]

    figures = {"tried": 0, "refused": 0, "accepted": 0, "tracebacks": 0}
    problems = []
    for what, data in trials():
        outcome = _outcome(cli, data)
        figures["tried"] += 1
        if outcome == "refused":
            figures["refused"] += 1
        else:
            figures["accepted" if outcome == "accepted" else "tracebacks"] += 1
            problems.append(f"{what}: {outcome}")
    (cli.vault / "vault.ctcm").write_bytes(original)
    assert cli.ok("status")  # the intact file still opens
    artifacts = ROOT / "build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "corruption.json").write_text(json.dumps(figures, indent=2) + "\n")
    assert not problems, problems[:10]


def test_a_damaged_vault_is_one_line_and_exit_1_at_the_command_line(cli: Cli) -> None:
    data = bytearray((cli.vault / "vault.ctcm").read_bytes())
    data[len(data) // 2] ^= 0x01
    (cli.vault / "vault.ctcm").write_bytes(bytes(data))
    r = cli("status")
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def _refused(r: Any, says: str = "") -> str:
    """'refused' for one clear line and exit 1 (naming ``says``), else what happened."""
    lines = r.stderr.strip().splitlines()
    if r.exit_code == 1 and "Traceback" not in r.stderr and says in r.stderr and lines:
        return "refused"
    return f"exit {r.exit_code}: {r.stderr.strip()[:200]}"


def test_structural_attacks_are_detected(cli: Cli, tmp_path: Path) -> None:
    """Whole-file and cross-file attacks: two encrypted scans swapped, an older generation put
    back, another vault's file or header, a forged data key, read-journal records edited,
    reordered or deleted, and an audit entry rewritten by a key holder. Each is refused with
    one clear line and exit 1."""
    import shutil
    from datetime import UTC, datetime

    from ctcm.clock import FixedClock
    from ctcm.environment import Environment
    from ctcm.services.creation import create_vault
    from ctcm.vault.store import VaultDir

    outcomes: dict[str, str] = {}
    for name in ("a.pdf", "b.pdf"):
        (tmp_path / name).write_bytes(f"scan {name}".encode())
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    cli.ok("doc", "add", "a", "npi", "--file", str(tmp_path / "a.pdf"))
    old = VaultDir(cli.vault).read_parsed().generation
    cli.ok("doc", "add", "a", "i9", "--file", str(tmp_path / "b.pdf"))
    live = cli.vault / "vault.ctcm"
    saved = live.read_bytes()

    # 1. two scans swapped on disk: each is bound to its own key and id
    blobs = sorted((cli.vault / "blobs").rglob("*"), key=lambda f: f.name)
    blobs = [b for b in blobs if b.is_file()]
    assert len(blobs) == 2
    one, two = blobs[0].read_bytes(), blobs[1].read_bytes()
    blobs[0].write_bytes(two)
    blobs[1].write_bytes(one)
    docs = json.loads(cli.ok("doc", "list", "a", "-f", "json").stdout)
    r = cli("doc", "export", str(docs[0]["id"]), "--out", str(tmp_path / "x"))
    outcomes["swapped scans"] = _refused(r)
    blobs[0].write_bytes(one)
    blobs[1].write_bytes(two)

    # 2. an older generation put back: a write is refused, a read warns
    shutil.copyfile(VaultDir(cli.vault).find_backup(old).path, live)
    r = cli("person", "add", "c", "--name", "C", "--email", "c@example.org")
    outcomes["rollback (write)"] = _refused(r, "older than")
    live.write_bytes(saved)

    # 3. another practice's vault file in its place
    other = tmp_path / "other"
    create_vault(
        Environment(env={"CTCM_STATE_DIR": str(tmp_path / "s2")},
                    clock=FixedClock(datetime(2026, 3, 1, tzinfo=UTC)), vault_path=other),
        "Other", "zoe", "another long passphrase", "UTC", False,
    )  # fmt: skip
    shutil.copyfile(other / "vault.ctcm", live)
    r = cli("status")
    outcomes["another vault's file"] = _refused(r)
    live.write_bytes(saved)

    # 4. another vault's header spliced onto this vault's encrypted payload
    mine, theirs = fmt.parse(saved), fmt.parse((other / "vault.ctcm").read_bytes())
    cut = len(mine.signed) + len(mine.mac)
    live.write_bytes(theirs.signed + theirs.mac + saved[cut:])
    outcomes["another vault's header on this payload"] = _refused(cli("status"))
    live.write_bytes(saved)

    # 5. a data key forged to the slots' public keys (no key needed to do it)
    from tests.vault.test_trust import _forge

    _forge(cli.vault)
    r = cli("status")
    outcomes["forged data key"] = _refused(r, "not written by a key holder")
    live.write_bytes(saved)

    # 6. read-journal records edited, reordered, deleted
    for attack in ("edited", "reordered", "deleted"):
        for _ in range(3):
            cli.ok("status")
        journal = cli.vault / "journal"
        lines = journal.read_bytes().splitlines(keepends=True)
        original = b"".join(lines)
        if attack == "edited":
            raw = bytearray(lines[1])
            raw[20] ^= 0x01
            lines[1] = bytes(raw)
        elif attack == "reordered":
            lines[0], lines[1] = lines[1], lines[0]
        else:
            del lines[1]
        journal.write_bytes(b"".join(lines))
        outcomes[f"journal record {attack}"] = _refused(
            cli("audit", "verify"), "read journal record"
        )
        journal.write_bytes(original)

    # 7. a key holder rewrites an audit entry inside the database and saves it properly
    with open_practice(cli.environment(), "person edit") as p:
        p.db.conn.execute("UPDATE audit_log SET command = 'status' WHERE seq = 2")
        p.db.conn.commit()
    outcomes["audit entry edited by a key holder"] = _refused(cli("audit", "verify"), "broken")
    live.write_bytes(saved)
    cli.ok("status")

    artifacts = ROOT / "build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "attacks.json").write_text(json.dumps(outcomes, indent=2) + "\n")
    assert set(outcomes.values()) == {"refused"}, outcomes
