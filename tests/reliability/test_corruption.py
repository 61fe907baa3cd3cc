"""Corruption sweep: changed bytes, bit flips and truncations of the vault file are each
refused with a clear error, never accepted, never a traceback. CI samples the positions;
CTCM_SWEEP=all (make reliability) changes every byte."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path

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
