"""The audit packet: verifiable with sha256sum, reproducible, redactable, encryptable, as-of."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ctcm.clock import FixedClock
from tests.conftest import Cli

SHA256SUM = shutil.which("sha256sum")


def _packet(cli: Cli) -> Cli:
    cli.ok(
        "doc",
        "add",
        "ada",
        "npi",
        "--number",
        "NPI-SECRET-4242",
        "--note",
        "a private note",
        "--force",
    )  # a marker, not a real NPI
    cli.ok("log", "add", "risk-analysis", "--date", "2026-02-20", "--note", "note in a log")
    return cli


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(f.relative_to(root)): f.read_bytes() for f in sorted(root.rglob("*")) if f.is_file()
    }


@pytest.mark.skipif(SHA256SUM is None, reason="sha256sum (coreutils) not installed")
def test_manifest_verifies_and_catches_a_change(demo_cli: Cli, tmp_path: Path) -> None:
    cli = _packet(demo_cli)
    out = tmp_path / "packet"
    r = cli.ok("packet", "build", "--out", str(out))
    assert "sha256sum -c MANIFEST.sha256" in r.stderr
    files = _files(out)
    for part in (
        "index.html", "status/status.html", "status/status.json", "status/status.csv",
        "personnel/roster.csv", "personnel/documents.csv", "risk/mitigation-plan.csv",
        "manual/versions.csv", "manual/acknowledgments.csv", "activities/logs.csv",
        "activities/training.csv", "incidents/incidents.csv", "assets/vendors.csv",
        "assets/devices.csv", "reminders/ledger.csv", "audit/trail.csv",
        "audit/verification.txt",
    ):  # fmt: skip
        assert part in files, part
    listed = {line.split("  ", 1)[1] for line in files["MANIFEST.sha256"].decode().splitlines()}
    assert listed == set(files) - {"MANIFEST.sha256"}
    index = files["index.html"].decode()
    assert "audit head" in index and "vault generation" in index
    assert all(f'href="{name}"' in index for name in files if name.startswith("status/"))
    ok = subprocess.run([SHA256SUM, "-c", "MANIFEST.sha256"], cwd=out, capture_output=True)
    assert ok.returncode == 0, ok.stdout
    (out / "personnel" / "roster.csv").write_bytes(files["personnel/roster.csv"] + b"x,y\n")
    bad = subprocess.run([SHA256SUM, "-c", "MANIFEST.sha256"], cwd=out, capture_output=True)
    assert bad.returncode == 1 and b"personnel/roster.csv: FAILED" in bad.stdout


def test_two_builds_differ_only_in_the_generated_at_line(demo_cli: Cli, tmp_path: Path) -> None:
    cli = _packet(demo_cli)
    cli.ok("packet", "build", "--out", str(tmp_path / "one"))
    cli.clock = FixedClock(datetime(2026, 3, 2, 18, 30, tzinfo=UTC))  # built again, later
    cli.ok("packet", "build", "--out", str(tmp_path / "two"))
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert set(one) == set(two)
    differing = sorted(name for name in one if one[name] != two[name])
    assert differing == ["MANIFEST.sha256", "index.html"]
    lines = zip(
        one["index.html"].decode().splitlines(),
        two["index.html"].decode().splitlines(),
        strict=True,
    )
    changed = [(a, b) for a, b in lines if a != b]
    assert len(changed) == 1 and changed[0][0].startswith("<p>Generated ")
    manifest = zip(
        one["MANIFEST.sha256"].splitlines(), two["MANIFEST.sha256"].splitlines(), strict=True
    )
    assert [a for a, b in manifest if a != b][0].endswith(b"  index.html")


def test_redact_leaves_no_number_note_or_email(demo_cli: Cli, tmp_path: Path) -> None:
    cli = _packet(demo_cli)
    cli.ok("packet", "build", "--out", str(tmp_path / "full"))
    full = b"".join(_files(tmp_path / "full").values())
    assert b"NPI-SECRET-4242" in full and b"note in a log" in full
    cli.ok("packet", "build", "--redact", "--out", str(tmp_path / "red"))
    for name, data in _files(tmp_path / "red").items():
        assert b"NPI-SECRET-4242" not in data, name
        assert b"note in a log" not in data and b"a private note" not in data, name
        assert b"@example.org" not in data, name


def _inner(out: Path, password: str) -> zipfile.ZipFile:
    """The packet inside an encrypted zip: the outer archive opened with ``password``."""
    import pyzipper

    with pyzipper.AESZipFile(out) as z:
        z.setpassword(password.encode())
        return zipfile.ZipFile(io.BytesIO(z.read("packet.zip")))


def test_encrypted_zip_hides_its_names_and_opens_with_the_password_only(
    demo_cli: Cli, tmp_path: Path
) -> None:
    import pyzipper

    cli = _packet(demo_cli)
    out = tmp_path / "packet.zip"
    # the default: a generated password (>= 128 bits), shown once, nowhere in the file
    r = cli.ok("packet", "build", "--encrypt", "--with-attachments", "--out", str(out))
    password = r.stderr.split("than the file): ")[1].split()[0]
    assert re.fullmatch(r"([a-z2-9]{4}-){6}[a-z2-9]{4}", password)
    raw = out.read_bytes()
    assert password.encode() not in raw
    with zipfile.ZipFile(out) as outer:
        assert outer.namelist() == ["README.txt", "packet.zip"]  # no name of the packet shows
        note = outer.read("README.txt").decode()
        assert "7z x packet.zip" in note and "sha256sum -c MANIFEST.sha256" in note
        with pytest.raises(RuntimeError):
            outer.read("packet.zip")
    for secret in (b"personnel/", b"scans", b"Bob", b"roster"):
        assert secret not in raw, secret
    with pyzipper.AESZipFile(out) as z:
        z.setpassword(b"wrong password entirely")
        with pytest.raises(RuntimeError):
            z.read("packet.zip")
    inner = _inner(out, password)
    assert b"compliance packet" in inner.read("index.html")
    assert "MANIFEST.sha256" in inner.namelist()
    # a password of one's own, from the environment (never typed on argv)
    mine = tmp_path / "mine.zip"
    r = cli.ok("packet", "build", "--encrypt", "--out", str(mine),
               env={"CTCM_PACKET_PASSWORD": "auditor's long password"})  # fmt: skip
    assert "Packet password" not in r.stderr
    assert b"compliance packet" in _inner(mine, "auditor's long password").read("index.html")
    r = cli("packet", "build", "--encrypt", "--out", str(tmp_path / "short.zip"),
            env={"CTCM_PACKET_PASSWORD": "short"})  # fmt: skip
    assert r.exit_code == 1 and "12 characters" in r.stderr
    assert not (tmp_path / "short.zip").exists()
    r = cli("packet", "build", "--encrypt", "--out", str(tmp_path / "dir"))
    assert r.exit_code == 1 and "zip" in r.stderr
    assert [x.name for x in tmp_path.iterdir() if x.name.startswith(".")] == []


def test_as_of_leaves_out_later_records(demo_cli: Cli, tmp_path: Path) -> None:
    cli = _packet(demo_cli)  # everything recorded on 2026-03-02
    # as of a date before anything took effect (people's start, documents' issue dates)
    cli.ok("packet", "build", "--as-of", "2015-01-01", "--out", str(tmp_path / "before"))
    before = _files(tmp_path / "before")
    assert before["personnel/documents.csv"].decode().strip().count("\n") == 0  # header only
    assert b"As of <strong>2015-01-01</strong>" in before["index.html"]
    # as of the day before they were recorded: what had come into effect by then is there
    # (an onboarding recorded in one day keeps its history)
    cli.ok("packet", "build", "--as-of", "2026-03-01", "--out", str(tmp_path / "day-before"))
    rows = list(csv.DictReader(io.StringIO(
        _files(tmp_path / "day-before")["personnel/documents.csv"].decode())))  # fmt: skip
    assert rows and all(r["issued"] and r["issued"] <= "2026-03-01" for r in rows)
    cli.ok("packet", "build", "--out", str(tmp_path / "now"))
    now = _files(tmp_path / "now")
    assert b"NPI-SECRET-4242" in now["personnel/documents.csv"]
    r = cli(
        "packet",
        "build",
        "--from",
        "2026-03-05",
        "--to",
        "2026-03-01",
        "--out",
        str(tmp_path / "x"),
    )
    assert r.exit_code == 1 and "is after" in r.stderr


def test_with_attachments_warns_and_includes_the_scans(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF scan bytes")
    cli.ok("doc", "add", "bob", "i9", "--file", str(scan))
    evidence, baa = tmp_path / "sign-in.pdf", tmp_path / "baa.pdf"
    evidence.write_bytes(b"%PDF sign-in sheet")
    baa.write_bytes(b"%PDF signed BAA")
    cli.ok("log", "add", "log-review", "--field", "systems=EHR", "--field", "findings=none",
           "--file", str(evidence))  # fmt: skip
    cli.ok("vendor", "add", "shredco", "--name", "ShredCo", "--service", "shred", "--phi", "yes")
    cli.ok("vendor", "baa", "shredco", "--signed", "2026-02-01", "--file", str(baa))
    r = cli.ok("packet", "build", "--with-attachments", "--out", str(tmp_path / "p"))
    assert "stored files (scans, BAA copies, evidence) in clear" in r.stderr
    files = _files(tmp_path / "p")
    scans = [n for n in files if n.startswith("personnel/scans/")]
    assert len(scans) == 1 and files[scans[0]] == b"%PDF scan bytes"
    assert files["assets/baa/shredco-baa.pdf"] == b"%PDF signed BAA"
    assert [files[n] for n in files if n.startswith("activities/evidence/")] == [
        b"%PDF sign-in sheet"
    ]
    index = files["index.html"].decode()
    assert "1 document scan(s), 1 log and training evidence file(s), 1 BAA copy(ies)" in index
    assert "ctcm " not in index  # no command hints in what the auditor reads


def test_two_scans_of_one_name_on_one_document_both_go_in(demo_cli: Cli, tmp_path: Path) -> None:
    """Found by the leak session: the second scan named like the first ended the packet build
    in a traceback ("two packet parts write ...")."""
    cli = demo_cli
    name = "Bob Burns DOB 1984-03-02 I-9.PDF"  # what a person's file may be called
    for n, body in enumerate((b"front", b"back")):
        folder = tmp_path / f"s{n}"
        folder.mkdir()
        (folder / name).write_bytes(body)
    cli.ok("doc", "add", "bob", "i9", "--file", str(tmp_path / "s0" / name))
    doc = json.loads(cli.ok("doc", "list", "bob", "-f", "json").stdout)[-1]["id"]
    cli.ok("doc", "attach", str(doc), "--file", str(tmp_path / "s1" / name))
    cli.ok("packet", "build", "--with-attachments", "--out", str(tmp_path / "p"))
    files = _files(tmp_path / "p")
    # named by document and type only: the file's own name (a person's name, a date of birth)
    # never reaches the packet
    assert files[f"personnel/scans/{doc}-i9.pdf"] == b"front"
    assert files[f"personnel/scans/{doc}-i9-1.pdf"] == b"back"
    assert not any("Burns" in path or "1984" in path for path in files)


def test_a_packet_without_a_manual_says_so(demo_cli: Cli, tmp_path: Path) -> None:
    demo_cli.ok("packet", "build", "--out", str(tmp_path / "p"))
    files = _files(tmp_path / "p")
    note = files["manual/NOT-IN-FORCE.txt"].decode()
    assert "No policies and procedures manual is in force" in note and "more answer(s)" in note
    assert b'Manual: none in force <span class="draft">DRAFT</span>' in files["index.html"]
    assert "No risk analysis is on record" in files["risk/NOT-ON-RECORD.txt"].decode()


def test_the_index_answers_each_request_or_says_not_on_record(
    demo_cli: Cli, tmp_path: Path
) -> None:
    import re

    cli = demo_cli
    cli.ok("packet", "build", "--out", str(tmp_path / "p"))
    index = (tmp_path / "p" / "index.html").read_text()
    rows = dict(re.findall(r'<tr id="request-([^"]+)">(.*?)</tr>', index, re.S))
    assert len(rows) >= 20
    assert "personnel/roster.csv" in rows["workforce"]
    # nothing recorded: said, never a silently missing section
    for request in ("sanctions", "complaints", "npp", "privacy-requests"):
        assert "Not on record" in rows[request], request
    cli.ok("complaint", "add", "--received", "2026-02-01", "--about", "a voicemail left")
    cli.ok("packet", "build", "--out", str(tmp_path / "q"))
    again = (tmp_path / "q" / "index.html").read_text()
    row = dict(re.findall(r'<tr id="request-([^"]+)">(.*?)</tr>', again, re.S))["complaints"]
    assert "privacy/complaints.csv" in row and "Not on record" not in row
    # a packet dated ahead is a preview on its face
    cli.ok("--as-of", "2026-12-31", "packet", "build", "--out", str(tmp_path / "future"))
    assert "PREVIEW" in (tmp_path / "future" / "index.html").read_text()


def test_a_back_dated_onboarding_shows_in_an_earlier_packet(cli: Cli, tmp_path: Path) -> None:
    """Recorded today, in effect since last year: as of a date in between, the person is on
    the roster with the documents issued by then, and not those issued later."""
    cli.ok("person", "add", "vet", "--name", "Vera Tran", "--email", "v@example.org",
           "--start", "2025-01-06")  # fmt: skip
    cli.ok("doc", "add", "vet", "npi", "--issued", "2025-01-02", "--force")
    cli.ok("doc", "add", "vet", "hipaa-training", "--issued", "2025-12-01")
    cli.ok("person", "add", "new", "--name", "New Hire", "--email", "n@example.org")
    out = tmp_path / "mid-2025"
    cli.ok("packet", "build", "--as-of", "2025-06-30", "--out", str(out))
    roster = list(csv.DictReader(io.StringIO((out / "personnel" / "roster.csv").read_text())))
    docs = list(csv.DictReader(io.StringIO((out / "personnel" / "documents.csv").read_text())))
    assert [r["id"] for r in roster] == ["vet"]  # the new hire (no start date) is not there yet
    assert [(d["person"], d["type"]) for d in docs] == [("vet", "npi")]
    status = json.loads(cli.ok("--as-of", "2025-06-30", "status", "--format", "json").stdout)
    assert [p["id"] for p in status["people"]] == ["vet"]


def _csv(folder: Path, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((folder / name).read_text())))


def test_a_packet_between_two_recorded_events_holds_what_existed_then(
    cli: Cli, tmp_path: Path
) -> None:
    """One rule in every file: a record exists as of D if it came into effect by D (a start,
    an issue date, an in-service date), or with no such date if it was recorded by D; a task
    closed or a device retired after D is still open or in use; every CSV row says when it was
    recorded. A back-dated onboarding counts in an earlier packet."""
    # onboarding on 2026-03-02, back-dated where the practice knows the dates
    cli.ok("person", "add", "ann", "--name", "Ann Able", "--email", "a@example.org",
           "--start", "2025-01-06")  # fmt: skip
    cli.ok("doc", "add", "ann", "npi", "--number", "1234567893", "--issued", "2025-01-06")
    cli.ok("device", "add", "laptop-1", "--type", "laptop", "--owner", "ann", "--encrypted",
           "yes", "--screen-lock", "yes", "--since", "2025-06-01")  # fmt: skip
    cli.ok("vendor", "add", "ehr", "--name", "ChartCloud", "--service", "EHR", "--phi", "yes",
           "--baa-signed", "2025-02-01", "--since", "2025-02-01")  # fmt: skip
    cli.ok("vendor", "add", "fax", "--name", "FaxCo", "--service", "fax", "--phi", "yes")
    cli.ok("risk", "new")
    task = cli.ok("risk", "mitigate", "1", "S04", "--action", "MFA", "--owner", "ann", "--due",
                  "2026-06-30").stdout.strip()  # fmt: skip
    # a month later: the task is done, the laptop retired, a new vendor
    later = {"CTCM_TODAY": "2026-04-02"}
    cli.ok("risk", "task", "done", task, env=later)
    cli.ok("device", "retire", "laptop-1", "--date", "2026-04-01", "--method", "NIST purge",
           env=later)  # fmt: skip
    cli.ok("vendor", "add", "shred", "--name", "ShredCo", "--service", "shredding", "--phi",
           "yes", env=later)  # fmt: skip
    cli.clock = type(cli.clock)(cli.clock.now().replace(month=5))  # today: 2026-05-02
    between = tmp_path / "between"
    cli.ok("--as-of", "2026-03-15", "packet", "build", "--out", str(between))
    vendors = {v["key"]: v for v in _csv(between, "assets/vendors.csv")}
    assert set(vendors) == {"ehr", "fax"}  # ShredCo came later
    assert vendors["ehr"]["in_service"] == "2025-02-01"
    assert vendors["fax"]["recorded_at"].startswith("2026-03-02")
    devices = _csv(between, "assets/devices.csv")
    assert [d["retired_on"] for d in devices] == [""]  # retired after the day
    tasks = _csv(between, "risk/mitigation-plan.csv")
    assert [(t["status"], t["closed_on"]) for t in tasks] == [("open", "")]
    assert tasks[0]["recorded_at"].startswith("2026-03-02")
    roster = _csv(between, "personnel/roster.csv")
    assert roster[0]["id"] == "ann" and roster[0]["recorded_at"].startswith("2026-03-02")
    assert _csv(between, "personnel/documents.csv")[0]["recorded_at"].startswith("2026-03-02")
    # status as of the same day agrees with the packet
    board = json.loads(cli.ok("--as-of", "2026-03-15", "device", "list", "--format",
                              "json").stdout)  # fmt: skip
    assert [d["retired_on"] for d in board] == [None]
    # an earlier packet: what the back-dated onboarding says was there
    earlier = tmp_path / "earlier"
    cli.ok("--as-of", "2025-07-01", "packet", "build", "--out", str(earlier))
    assert [r["id"] for r in _csv(earlier, "personnel/roster.csv")] == ["ann"]
    assert [d["key"] for d in _csv(earlier, "assets/devices.csv")] == ["laptop-1"]
    assert [v["key"] for v in _csv(earlier, "assets/vendors.csv")] == ["ehr"]
    assert _csv(earlier, "risk/mitigation-plan.csv") == []
    # after: all of it, as it is
    now = tmp_path / "now"
    cli.ok("packet", "build", "--out", str(now))
    assert {v["key"] for v in _csv(now, "assets/vendors.csv")} == {"ehr", "fax", "shred"}
    assert [(t["status"], t["closed_on"]) for t in _csv(now, "risk/mitigation-plan.csv")] == [
        ("done", "2026-04-02")
    ]
    r = cli("device", "add", "pc-9", "--type", "desktop", "--since", "2027-01-01")
    assert r.exit_code == 1 and "in the future" in r.stderr


def test_logs_training_and_acknowledgments_say_when_they_were_recorded(
    demo_cli: Cli, tmp_path: Path
) -> None:
    """A back-entered record never reads as made at the time: each row carries its
    recorded_at beside the date it states."""
    from tests.cli.test_manual import FIXTURES

    cli = demo_cli
    cli.ok("training", "record", "--date", "2026-01-15", "--topic", "Phishing",
           "--attendee", "ada")  # fmt: skip
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    cli.ok("manual", "adopt", "--effective", "2026-02-01")
    cli.ok("manual", "ack", "ada", "--date", "2026-02-10")
    out = tmp_path / "p"
    cli.ok("packet", "build", "--out", str(out))
    training = _csv(out, "activities/training.csv")
    assert training and training[0]["date"] == "2026-01-15"
    assert training[0]["recorded_at"].startswith("2026-03-02")
    acks = _csv(out, "manual/acknowledgments.csv")
    assert acks[0]["acknowledged_on"] == "2026-02-10"
    assert acks[0]["recorded_at"].startswith("2026-03-02")
    # the index names each policy, and the whole manual is there to print and sign
    index = (out / "index.html").read_text()
    assert "Manual in force: Facility access" in index
    assert (out / "manual" / "v1" / "manual.html").exists()
