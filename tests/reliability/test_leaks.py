"""Leak checks after a full session of commands through the real `ctcm`: no plaintext of the
practice's records under the vault or in the temp directory, no secret in the audit trail or
in any message, file modes as documented."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import run_ctcm

pytestmark = pytest.mark.reliability
PASSPHRASE = "correct horse battery demo"  # the demo's, documented
MARKERS = (b"Chioma Okafor", b"chioma.okafor@riverbend.example", b"LIC-4", b"faxed to an old")


def test_a_full_session_leaves_no_plaintext_and_no_secret(tmp_path: Path) -> None:
    vault, tmp, out = tmp_path / "vault", tmp_path / "tmp", tmp_path / "out"
    tmp.mkdir()
    out.mkdir()
    env = {
        "CTCM_VAULT": str(vault),
        "CTCM_PASSPHRASE": PASSPHRASE,
        "CTCM_STATE_DIR": str(tmp_path / "state"),
        "CTCM_RUNTIME_DIR": str(tmp_path / "run"),
        "TMPDIR": str(tmp),
    }
    commands = [
        ("demo",),
        ("status",),
        ("status", "--format", "html", "--out", str(out / "status.html")),
        ("due",),
        ("remind", "--out", str(out / "mail")),
        ("digest", "--out", str(out / "digest")),
        ("manual", "render", "--out", str(out / "manual")),
        ("packet", "build", "--redact", "--out", str(out / "packet")),
        ("backup", "verify"),
        ("audit", "list", "--format", "json"),
        ("person", "add", "zz", "--name", "Zed Leak", "--email", "zed@example.org"),
    ]
    outputs = []
    for args in commands:
        r = run_ctcm(*args, env=env)
        assert r.returncode == 0, (args, r.stderr)
        outputs.append(r.stdout + r.stderr)
    # no secret in anything ctcm printed (the audit trail included); `ctcm demo` prints the
    # demo's published passphrase on purpose, so a newcomer can try it
    assert not any(PASSPHRASE in text for text in outputs[1:])
    # nothing readable under the vault or in the temp directory
    for root in (vault, tmp):
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                hit = [m for m in (*MARKERS, b"Zed Leak") if m in data]
                assert not hit, (path, hit)
    # the redacted packet has no document numbers or email addresses
    for path in (out / "packet").rglob("*"):
        if path.is_file():
            assert (
                b"LIC-4" not in path.read_bytes() and b"@riverbend.example" not in path.read_bytes()
            )
    # no email carries a passphrase, and emails name no incident
    for path in (out / "mail").rglob("*.eml"):
        data = path.read_bytes()
        assert PASSPHRASE.encode() not in data and b"faxed to an old" not in data
    # file modes: the vault directory and every file in it private to the owner
    for path in [vault, *vault.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))
    assert stat.S_IMODE(os.stat(out / "status.html").st_mode) == 0o600
