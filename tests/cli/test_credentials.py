"""Credential tracking through the CLI: every command's happy path and its main errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.conftest import Cli


def _json(cli: Cli, *args: str) -> object:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


def _err(cli: Cli, *args: str, code: int = 1) -> str:
    r = cli(*args)
    assert r.exit_code == code, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


# --------------------------------------------------------------------------- doctypes


def test_doctype_add_list_show_edit_archive(cli: Cli) -> None:
    cli.ok(
        "doctype",
        "add",
        "flu",
        "--name",
        "Influenza vaccination",
        "--validity-months",
        "12",
        "--warn-days",
        "21",
        "--category",
        "test",
    )
    items = {d["key"]: d for d in _json(cli, "doctype", "list")}
    assert items["flu"] == {
        "key": "flu",
        "name": "Influenza vaccination",
        "category": "test",
        "validity_months": 12,
        "validity_days": None,
        "no_expiry": False,
        "warn_days": 21,
        "provided_by_practice": False,
        "archived": False,
    }
    # a validity in days (short cycles such as CAQH re-attestation every 120 days)
    cli.ok("doctype", "add", "caqh-test", "--name", "CAQH", "--validity-days", "120")
    cli.ok("person", "add", "zed", "--name", "Zed", "--email", "zed@example.org")
    cli.ok("doc", "add", "zed", "caqh-test", "--issued", "2026-01-01")
    docs = _json(cli, "doc", "list", "zed")
    assert docs[0]["expires"] == "2026-05-01"  # 120 days later
    assert _json(cli, "doctype", "show", "caqh-test")["validity_days"] == 120
    assert "120 days" in cli.ok("doctype", "list").stdout
    r = cli(
        "doctype", "add", "both", "--name", "B", "--validity-days", "5", "--validity-months", "1"
    )
    assert r.exit_code == 1 and "exclude each other" in r.stderr
    cli.ok("doctype", "edit", "caqh-test", "--validity-months", "4")
    shown = _json(cli, "doctype", "show", "caqh-test")
    assert (shown["validity_months"], shown["validity_days"]) == (4, None)
    cli.ok("doctype", "edit", "flu", "--no-expiry", "--name", "Flu shot")
    shown = _json(cli, "doctype", "show", "flu")
    assert shown["validity_months"] is None and shown["name"] == "Flu shot"
    assert _json(cli, "doctype", "show", "npi")["required_by"] == ["associate", "clinician"]
    cli.ok("doctype", "archive", "flu")
    assert "flu" not in {d["key"] for d in _json(cli, "doctype", "list")}
    assert "flu" in {d["key"] for d in _json(cli, "doctype", "list", "--archived")}


def test_doctype_errors(cli: Cli) -> None:
    assert "exists already" in _err(cli, "doctype", "add", "npi", "--name", "X", "--no-expiry")
    assert "--no-expiry" in _err(cli, "doctype", "add", "x", "--name", "X")
    assert "bad document type key" in _err(
        cli, "doctype", "add", "Bad Key", "--name", "X", "--no-expiry"
    )
    assert "unknown category" in _err(
        cli, "doctype", "add", "x", "--name", "X", "--no-expiry", "--category", "spaceship"
    )
    assert "unknown document type 'nope'" in _err(cli, "doctype", "show", "nope")
    assert "between 1 and 600" in _err(cli, "doctype", "edit", "npi", "--validity-months", "0")
    assert "nothing to change" in _err(cli, "doctype", "edit", "npi")


def test_archived_type_is_no_longer_required_but_documents_stay(demo_cli: Cli) -> None:
    cli = demo_cli
    assert _json(cli, "--as-of", "2026-03-02", "status", "bob")["status"] == "red"
    cli.ok("doctype", "archive", "i9")
    cli.ok("doctype", "archive", "hipaa-training")
    assert _json(cli, "--as-of", "2026-03-02", "status", "bob")["status"] == "green"
    docs = _json(cli, "doc", "list", "bob")
    assert "hipaa-training" in {d["doctype"] for d in docs}


# --------------------------------------------------------------------------- policies


def test_policy_add_require_unrequire_show(cli: Cli) -> None:
    cli.ok(
        "policy",
        "add",
        "nurse",
        "--name",
        "Nurse",
        "--require",
        "cpr-bls",
        "--require",
        "state-license",
    )
    cli.ok("policy", "require", "nurse", "tb-screening")
    cli.ok("policy", "unrequire", "nurse", "cpr-bls")
    cli.ok(
        "person",
        "add",
        "nn",
        "--name",
        "Nia Nurse",
        "--email",
        "nia@example.org",
        "--policy",
        "nurse",
    )
    assert _json(cli, "policy", "show", "nurse") == {
        "key": "nurse",
        "name": "Nurse",
        "requires": ["state-license", "tb-screening"],
        "people": ["nn"],
    }
    assert "nurse" in {p["key"] for p in _json(cli, "policy", "list")}


def test_policy_errors(cli: Cli) -> None:
    assert "unknown document type 'nope'" in _err(
        cli, "policy", "add", "x", "--name", "X", "--require", "nope"
    )
    assert "exists already" in _err(cli, "policy", "add", "clinician", "--name", "X")
    assert "unknown policy" in _err(cli, "policy", "require", "nope", "npi")
    assert "does not require" in _err(cli, "policy", "unrequire", "clinician", "dea")


# --------------------------------------------------------------------------- people


def test_person_lifecycle(cli: Cli) -> None:
    cli.ok(
        "person",
        "add",
        "jdoe",
        "--name",
        "Jane Doe",
        "--email",
        "jane@example.org",
        "--policy",
        "clinician",
        "--title",
        "LPC",
        "--start",
        "2025-09-01",
    )
    cli.ok("person", "edit", "jdoe", "--email", "jane.doe@example.org")
    cli.ok("person", "assign", "jdoe", "prescriber")
    cli.ok("person", "unassign", "jdoe", "clinician")
    cli.ok("person", "require", "jdoe", "tb-screening")
    cli.ok(
        "person", "waive", "jdoe", "cpr-bls", "--reason", "telehealth only", "--until", "2026-12-31"
    )
    shown = _json(cli, "person", "show", "jdoe")
    assert shown | {"waivers": None} == {
        "id": "jdoe",
        "name": "Jane Doe",
        "email": "jane.doe@example.org",
        "title": "LPC",
        "start": "2025-09-01",
        "active": True,
        "deactivated_on": None,
        "policies": ["prescriber"],
        "extras": ["tb-screening"],
        "waivers": None,
    }
    assert shown["waivers"] == [
        {"doctype": "cpr-bls", "reason": "telehealth only", "until": "2026-12-31"}
    ]
    status = _json(cli, "--as-of", "2026-03-02", "status", "jdoe")
    by_type = {r["doctype"]: r for r in status["requirements"]}
    assert by_type["cpr-bls"]["status"] == "waived"
    assert by_type["cpr-bls"]["waived_until"] == "2026-12-31"
    # after the waiver ends by itself
    assert (
        _json(cli, "--as-of", "2027-01-01", "status", "jdoe")["requirements"][0]["status"] == "red"
    )
    cli.ok("person", "unwaive", "jdoe", "cpr-bls")
    cli.ok("person", "unrequire", "jdoe", "tb-screening")
    cli.ok("person", "deactivate", "jdoe", "--date", "2026-02-28")
    assert "jdoe" not in {p["id"] for p in _json(cli, "person", "list")}
    assert "jdoe" not in {p["id"] for p in _json(cli, "status")["people"]}
    inactive = {p["id"]: p for p in _json(cli, "person", "list", "--inactive")}
    assert inactive["jdoe"]["deactivated_on"] == "2026-02-28"
    cli.ok("person", "reactivate", "jdoe")
    assert "jdoe" in {p["id"] for p in _json(cli, "status")["people"]}


def test_person_errors(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    assert "exists already" in _err(
        cli, "person", "add", "a", "--name", "A", "--email", "a@example.org"
    )
    assert "unknown person 'zz'" in _err(cli, "person", "show", "zz")
    assert "bad email" in _err(cli, "person", "add", "b", "--name", "B", "--email", "nope")
    assert "unknown policy" in _err(
        cli, "person", "add", "b", "--name", "B", "--email", "b@example.org", "--policy", "nope"
    )
    assert "no such day" in _err(
        cli,
        "person",
        "add",
        "b",
        "--name",
        "B",
        "--email",
        "b@example.org",
        "--start",
        "2026-02-30",
    )
    assert "one line" in _err(
        cli, "person", "add", "b", "--name", "B\nBcc: evil@x.org", "--email", "b@example.org"
    )
    assert "in the past" in _err(
        cli,
        "person",
        "waive",
        "a",
        "npi",
        "--reason",
        "r",
        "--until",
        "2026-01-01",
    )
    assert "already active" in _err(cli, "person", "reactivate", "a")
    assert "no waiver" in _err(cli, "person", "unwaive", "a", "npi")


# --------------------------------------------------------------------------- documents


def test_doc_add_defaults_supersedes_and_history(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org", "--policy", "clinician")
    first = int(
        cli.ok(
            "doc", "add", "a", "state-license", "--issued", "2024-01-15", "--number", "LPC-1"
        ).stdout
    )
    second = int(
        cli.ok(
            "doc", "add", "a", "state-license", "--issued", "2026-01-15", "--number", "LPC-2"
        ).stdout
    )
    assert second > first
    current = _json(cli, "doc", "list", "a")
    assert [(d["id"], d["expires"], d["in_force"]) for d in current] == [
        (second, "2028-01-15", True)
    ]
    history = _json(cli, "doc", "list", "a", "--all")
    assert [d["id"] for d in history] == [first, second]
    assert _json(cli, "doc", "show", str(first))["in_force"] is False
    npi = int(cli.ok("doc", "add", "a", "npi").stdout)
    assert _json(cli, "doc", "show", str(npi))["expires"] is None


def test_doc_errors(cli: Cli, tmp_path: Path) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    assert "before issue" in _err(
        cli,
        "doc",
        "add",
        "a",
        "state-license",
        "--issued",
        "2026-05-01",
        "--expires",
        "2026-04-01",
        "--future",
    )
    assert "give --expires or --issued" in _err(cli, "doc", "add", "a", "state-license")
    assert "unknown person 'zz'" in _err(cli, "doc", "add", "zz", "npi")
    assert "unknown document type" in _err(cli, "doc", "add", "a", "nope")
    assert "no such day" in _err(cli, "doc", "add", "a", "npi", "--issued", "2026-02-30")
    assert "does not exist" in _err(
        cli, "doc", "add", "a", "npi", "--file", str(tmp_path / "missing.pdf")
    )
    assert _json(cli, "doc", "list", "a") == []  # nothing half-written
    assert "unknown document 999" in _err(cli, "doc", "show", "999")


def test_attachments_encrypted_export_safe_names(cli: Cli, tmp_path: Path) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    scan = tmp_path / "front.jpg"
    scan.write_bytes(b"\xff\xd8 front of card")
    doc_id = cli.ok("doc", "add", "a", "npi", "--file", str(scan)).stdout.strip()
    evil = tmp_path / "evil"
    evil.mkdir()
    back = evil / "back.png"
    back.write_bytes(b"back of card")
    cli.ok("doc", "attach", doc_id, "--file", str(back))
    shown = _json(cli, "doc", "show", doc_id)
    assert [a["filename"] for a in shown["attachments"]] == ["front.jpg", "back.png"]
    assert shown["attachments"][0]["media_type"] == "image/jpeg"
    # a hostile stored name cannot escape the export directory
    cli.vault  # noqa: B018
    from ctcm.areas.credentials.service import safe_filename

    assert safe_filename("../../etc/passwd", "x") == "passwd"
    assert safe_filename("..", "fallback") == "fallback"
    assert safe_filename("a\\..\\b.pdf", "x") == "b.pdf"
    out = tmp_path / "out"
    written = cli.ok("doc", "export", doc_id, "--out", str(out)).stdout.split()
    assert sorted(Path(w).name for w in written) == ["back.png", "front.jpg"]
    for w in written:
        assert Path(w).parent == out
        assert stat.S_IMODE(Path(w).stat().st_mode) == 0o600
    assert (out / "front.jpg").read_bytes() == b"\xff\xd8 front of card"
    cli.ok("doc", "export", doc_id, "--out", str(out))  # again: no overwrite
    assert (out / "front-1.jpg").exists()


def test_tampered_blob_is_reported_never_returned(cli: Cli, tmp_path: Path) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    scan = tmp_path / "s.pdf"
    scan.write_bytes(b"scan")
    doc_id = cli.ok("doc", "add", "a", "npi", "--file", str(scan)).stdout.strip()
    blob = next((cli.vault / "blobs").iterdir())
    data = bytearray(blob.read_bytes())
    data[-3] ^= 0xFF
    blob.write_bytes(bytes(data))
    out = tmp_path / "out"
    msg = _err(cli, "doc", "export", doc_id, "--out", str(out))
    assert "damaged" in msg
    assert not out.exists() or not any(out.iterdir())


def test_dashboard_does_not_touch_blobs(cli: Cli, tmp_path: Path) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    scan = tmp_path / "s.pdf"
    scan.write_bytes(b"scan")
    cli.ok("doc", "add", "a", "npi", "--file", str(scan))
    blobs = cli.vault / "blobs"
    blobs.chmod(0o000)  # unreadable: status must still work
    try:
        cli.ok("status")
    finally:
        blobs.chmod(0o700)


# --------------------------------------------------------------------------- status


def test_status_json_contract(demo_cli: Cli, golden) -> None:  # type: ignore[no-untyped-def]
    data = _json(demo_cli, "--as-of", "2026-03-02", "status")
    assert set(data) == {"as_of", "practice", "summary", "people", "program"}
    assert data["as_of"] == "2026-03-02" and data["practice"] == "Test Practice"
    assert data["summary"] == {"green": 0, "yellow": 2, "red": 1}  # young: no policy yet
    assert [p["id"] for p in data["people"]] == ["ada", "bob", "cy"]
    req = data["people"][0]["requirements"][0]
    assert set(req) == {
        "doctype",
        "name",
        "status",
        "expires",
        "days_left",
        "document_id",
        "waived_until",
    }
    golden(
        "status.json",
        json.dumps({k: v for k, v in data.items() if k != "program"}, indent=2) + "\n",
    )
    one = _json(demo_cli, "--as-of", "2026-03-02", "status", "bob")
    assert one == data["people"][1]


def test_status_table_golden(demo_cli: Cli, golden) -> None:  # type: ignore[no-untyped-def]
    r = demo_cli.ok("--as-of", "2026-03-02", "status")
    assert "\x1b[" not in r.stdout
    golden("status.txt", r.stdout)
    golden("status-bob.txt", demo_cli.ok("--as-of", "2026-03-02", "status", "bob").stdout)


def test_status_filters_and_fail_on(demo_cli: Cli) -> None:
    cli = demo_cli
    assert [p["id"] for p in _json(cli, "--as-of", "2026-03-02", "status", "--red")["people"]] == [
        "bob"
    ]
    assert [
        p["id"] for p in _json(cli, "--as-of", "2026-03-02", "status", "--yellow")["people"]
    ] == ["ada"]
    assert [
        p["id"]
        for p in _json(cli, "--as-of", "2026-03-02", "status", "--policy", "office-staff")["people"]
    ] == ["bob"]
    r = cli("--as-of", "2026-03-02", "status", "--fail-on", "red")
    assert r.exit_code == 3 and "bob" in r.stderr
    assert "the security program" in r.stderr  # no risk analysis: the program is red too
    r = cli("--as-of", "2026-03-02", "status", "--policy", "clinician", "--fail-on", "red")
    assert r.exit_code == 0
    r = cli("--as-of", "2026-03-02", "status", "--policy", "clinician", "--fail-on", "yellow")
    assert r.exit_code == 3
    r = cli("--as-of", "2026-03-02", "status", "ada", "--fail-on", "red")
    assert r.exit_code == 0


def test_status_csv_has_no_colour_and_time_travel(demo_cli: Cli) -> None:
    csv_out = demo_cli.ok("--as-of", "2026-03-02", "status", "--format", "csv").stdout
    assert csv_out.splitlines()[0] == "id,name,status,required,yellow,red,attention"
    assert "\x1b" not in csv_out
    later = _json(demo_cli, "--as-of", "2027-06-01", "status")
    assert later["summary"]["red"] == 2 and later["as_of"] == "2027-06-01"


def test_status_errors(demo_cli: Cli) -> None:
    assert "no such day" in _err(demo_cli, "--as-of", "2026-02-30", "status")
    assert "expected YYYY-MM-DD" in _err(demo_cli, "--as-of", "yesterday", "status")
    assert "unknown person" in _err(demo_cli, "status", "nobody")
    assert "unknown policy" in _err(demo_cli, "status", "--policy", "nope")
    assert "exclude each other" in _err(demo_cli, "status", "--red", "--yellow")


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_list_commands_offer_formats(demo_cli: Cli, fmt: str) -> None:
    for args in (
        ["doctype", "list"],
        ["policy", "list"],
        ["person", "list"],
        ["doc", "list", "ada"],
        ["audit", "list"],
        ["backup", "list"],
        ["slot", "list"],
        ["status"],
    ):
        demo_cli.ok(*args, "--format", fmt)


def test_starter_has_the_credentials_small_practices_renew(cli: Cli) -> None:
    types = {d["key"]: d for d in _json(cli, "doctype", "list")}
    assert types["caqh-attestation"]["validity_days"] == 120
    assert types["payer-recredentialing"]["validity_months"] == 36
    assert types["medicare-revalidation"]["validity_months"] == 60
    for key in ("state-csr", "associate-registration", "supervision-agreement"):
        assert not types[key]["no_expiry"], key
    # I-9 reverification: each document carries the date its work authorization ends
    assert types["i9-reverification"]["no_expiry"]
    cli.ok("person", "add", "ev", "--name", "Eve", "--email", "eve@example.org")
    cli.ok("person", "require", "ev", "i9-reverification")
    cli.ok("doc", "add", "ev", "i9-reverification", "--expires", "2026-03-20")
    lights = _json(cli, "--as-of", "2026-03-02", "status", "ev")
    req = next(r for r in lights["requirements"] if r["doctype"] == "i9-reverification")
    assert req["status"] == "yellow" and req["expires"] == "2026-03-20"
    policies = {p["key"]: p for p in _json(cli, "policy", "list")}
    assert {"associate-registration", "supervision-agreement"} <= set(
        policies["associate"]["requires"]
    )
