"""Staff self-service submissions: sealed by `ctcm submit` with no vault access (the real entry
point in a subprocess), opened, accepted or rejected by the office."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

from ctcm.areas.credentials.inbox import inbox_key
from ctcm.services.practice import open_practice
from ctcm.vault import submission as sub
from tests.conftest import Cli, run_ctcm

SCAN = b"%PDF-1.4 renewed license of Ada, number L-12345"


def _key_and_drop(cli: Cli, tmp_path: Path) -> tuple[Path, Path]:
    drop = tmp_path / "drop"
    drop.mkdir()
    key = tmp_path / "practice.ctcmkey"
    r = cli.ok("inbox", "key", "--out", str(key), "--drop", str(drop))
    assert f"--out {drop}" in r.stderr
    return key, drop


def _submit(key: Path, drop: Path, tmp_path: Path, person: str = "ada", *extra: str) -> Path:
    scan = tmp_path / "license.pdf"
    scan.write_bytes(SCAN)
    before = set(drop.iterdir())
    r = run_ctcm(
        "submit", "--key", str(key), "--person", person, "--type", "state-license",
        "--issued", "2026-02-20", "--file", str(scan), "--out", str(drop), *extra,
        env={"CTCM_VAULT": str(tmp_path / "no-vault-here")},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    (made,) = set(drop.iterdir()) - before
    return made


def test_round_trip_a_submission_becomes_a_document(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    key, drop = _key_and_drop(cli, tmp_path)
    sealed = _submit(key, drop, tmp_path)
    raw = sealed.read_bytes()
    # the submitter holds nothing that opens it: neither the scan nor who it is for shows
    assert SCAN not in raw and b"ada" not in raw and b"state-license" not in raw
    listed = json.loads(cli.ok("inbox", "list", "--format", "json").stdout)
    assert [(e["status"], e["person"], e["doctype"]) for e in listed] == [
        ("pending", "ada", "state-license")
    ]
    entry = listed[0]["id"]
    r = cli.ok("inbox", "accept", entry[:6])
    assert "Recorded state-license for Ada Lovelace" in r.stderr
    assert not sealed.exists()  # accepted into the vault, the file goes
    docs = json.loads(cli.ok("doc", "list", "ada", "--format", "json").stdout)
    doc = next(d for d in docs if d["doctype"] == "state-license" and d["in_force"])
    assert doc["issued"] == "2026-02-20" and doc["attachments"] == 1
    out = tmp_path / "exported"
    cli.ok("doc", "export", str(doc["id"]), "--out", str(out))
    assert next(out.iterdir()).read_bytes() == SCAN
    assert "No submissions waiting" in cli.ok("inbox", "list").stdout


def test_tampered_foreign_and_unknown_submissions_are_refused(
    demo_cli: Cli, tmp_path: Path
) -> None:
    cli = demo_cli
    key, drop = _key_and_drop(cli, tmp_path)
    altered = _submit(key, drop, tmp_path)
    data = bytearray(altered.read_bytes())
    data[-5] ^= 0x01
    altered.write_bytes(bytes(data))
    other = sub.InboxKey(sub.new_key_pair()[1], "zzzz", "another-vault", "Elsewhere")
    (drop / "foreign.ctcmsub").write_bytes(sub.seal(other, {"person": "ada"}, b"x"))
    (drop / "junk.ctcmsub").write_bytes(b"not a submission at all")
    stranger = _submit(key, drop, tmp_path, "zed")
    listed = {e["file"]: e for e in json.loads(cli.ok("inbox", "list", "-f", "json").stdout)}
    assert "altered or damaged" in listed[altered.name]["refused"]
    assert "another practice's key" in listed["foreign.ctcmsub"]["refused"]
    assert "not a ctcm submission" in listed["junk.ctcmsub"]["refused"]
    assert listed[stranger.name]["status"] == "pending"
    r = cli("inbox", "accept", listed[altered.name]["id"])
    assert r.exit_code == 1 and "altered or damaged" in r.stderr and altered.exists()
    r = cli("inbox", "accept", listed[stranger.name]["id"])
    assert r.exit_code == 1 and "names person 'zed', who is not in this vault" in r.stderr
    assert stranger.exists()  # nothing changed
    cli.ok("inbox", "reject", listed[stranger.name]["id"], "--reason", "no such person here")
    assert not stranger.exists()
    audit = cli.ok("audit", "list", "--format", "json").stdout
    assert "rejected" in audit and "no such person here" in audit


def test_a_sealed_submission_with_forged_metadata_is_refused_not_a_crash(
    demo_cli: Cli, tmp_path: Path
) -> None:
    """Whoever has the key file writes the metadata; the bad-input corpus found that a date
    given as a number (or a list for a person) ended in a traceback at accept."""
    cli = demo_cli
    _key_and_drop(cli, tmp_path)
    with open_practice(cli.environment(), "status", write=False) as p:
        key = inbox_key(p, None)
    drop = tmp_path / "drop"
    for name, meta in [
        ("number.ctcmsub", {"person": "ada", "doctype": "npi", "issued": 20260102}),
        ("list.ctcmsub", {"person": ["ada"], "doctype": "npi"}),
        ("array.ctcmsub", []),
    ]:
        (drop / name).write_bytes(sub.seal(key, meta, b"scan"))
    listed = {e["file"]: e for e in json.loads(cli.ok("inbox", "list", "-f", "json").stdout)}
    assert "issued is not text" in listed["number.ctcmsub"]["refused"]
    assert "no person" in listed["list.ctcmsub"]["refused"]
    assert "no metadata" in listed["array.ctcmsub"]["refused"]
    for entry in listed.values():
        r = cli("inbox", "accept", entry["id"])
        assert r.exit_code == 1 and "is refused: its contents are not a ctcm submission" in r.stderr


def test_submit_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    bad_key = tmp_path / "k"
    bad_key.write_text("{}")
    scan = tmp_path / "s.pdf"
    scan.write_bytes(b"x")
    for args, needle in [
        (("--key", str(bad_key)), "is not a ctcm submission key"),
        (("--key", str(tmp_path / "missing")), "does not exist"),
    ]:
        r = run_ctcm(
            "submit", *args, "--person", "ada", "--type", "npi", "--file", str(scan),
            "--out", str(tmp_path),
        )  # fmt: skip
        assert r.returncode == 1 and needle in r.stderr and "Traceback" not in r.stderr


def test_status_mail_tells_staff_how_to_submit(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    cli.ok("mail", "configure", "--from", "Office <office@example.org>")
    out = tmp_path / "before"
    cli.ok("notify", "status", "bob", "--out", str(out))
    text = _body(next(out.iterdir()))
    assert "ctcm submit" not in text
    _key_and_drop(cli, tmp_path)
    out = tmp_path / "after"
    cli.ok("notify", "status", "bob", "--out", str(out), "--again")  # the same month
    text = " ".join(_body(next(out.iterdir())).split())
    assert "ctcm submit --key <the practice's key file> --person bob --type TYPE" in text


def _body(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return str(msg.get_body(("plain",)).get_content())


def test_a_missing_drop_folder_is_an_error_not_an_empty_inbox(
    demo_cli: Cli, tmp_path: Path
) -> None:
    cli = demo_cli
    assert "No submissions waiting" in cli.ok("inbox", "list").stdout  # never set up: empty
    _key_and_drop(cli, tmp_path)
    (tmp_path / "drop").rmdir()  # the share is not mounted today
    r = cli("inbox", "list")
    assert r.exit_code == 1 and "does not exist (or is not mounted)" in r.stderr
    r = cli("inbox", "list", "--dir", str(tmp_path / "typo"))
    assert r.exit_code == 1 and "typo" in r.stderr
