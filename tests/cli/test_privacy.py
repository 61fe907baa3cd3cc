"""Privacy Rule records through the CLI (issue 31): patients' requests with their legal clocks
in status, due, the digest and the packet (never a patient reference in mail), complaints,
sanctions, the notice of privacy practices; every bad input one line, nothing recorded."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_users import admin, as_user
from tests.conftest import Cli

TODAY = "2026-03-02"  # the cli fixture's clock


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


def _privacy(cli: Cli) -> dict[str, Any]:
    return _json(cli, "status")["program"]["privacy"]  # type: ignore[no-any-return]


def _digest(cli: Cli) -> str:
    cli.ok("mail", "configure", "--admins", "boss@example.org")
    out = cli.tmp / "digest"
    cli.ok("digest", "--out", str(out))
    raw = next(out.iterdir()).read_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return msg.get_body(("plain",)).get_content()  # type: ignore[union-attr,no-any-return]


def _packet_rows(cli: Cli, name: str, *args: str) -> list[dict[str, str]]:
    out = cli.tmp / f"packet-{len(list(cli.tmp.glob('packet-*')))}"
    cli.ok("packet", "build", "--out", str(out), *args)
    return list(csv.DictReader(io.StringIO((out / "privacy" / name).read_text())))


def test_an_access_request_35_days_old_is_red_until_extended_or_closed(cli: Cli) -> None:
    cli.ok("request", "add", "access", "--received", "2026-01-26", "--patient-ref", "MRN-1042",
           "--note", "wants the whole chart")  # fmt: skip
    privacy = _privacy(cli)
    assert privacy["status"].upper() == "RED"
    assert privacy["open_requests"][0]["due"] == "2026-02-25"
    due = _json(cli, "due")["items"]
    item = next(i for i in due if i["area"] == "privacy")
    assert item["status"].upper() == "RED" and "access" in item["what"]
    assert "MRN-1042" not in json.dumps(due)
    digest = _digest(cli)
    assert "Patient request 1 (access, received 2026-01-26)" in digest
    assert "MRN-1042" not in digest and "whole chart" not in digest
    # the extension was given in writing within the first 30 days: the deadline is day 60
    cli.ok("request", "extend", "1", "--reason", "records off site", "--notified", "2026-02-20")
    shown = _json(cli, "request", "show", "1")
    assert shown["deadline"] == "2026-03-27" and shown["extended"] is True
    assert _privacy(cli)["status"].upper() == "GREEN" or _privacy(cli)["npp_missing"]
    assert all(r["status"].upper() == "GREEN" for r in _privacy(cli)["open_requests"])
    cli.ok("request", "close", "1", "--granted", "--date", "2026-03-01")
    assert _privacy(cli)["open_requests"] == []
    assert not any(
        i["area"] == "privacy" and "request" in i["what"] for i in _json(cli, "due")["items"]
    )
    rows = _packet_rows(cli, "requests.csv")
    assert rows[0]["received"] == "2026-01-26" and rows[0]["deadline"] == "2026-03-27"
    assert rows[0]["closed"] == "2026-03-01" and rows[0]["on_time"] == "yes"
    assert rows[0]["patient_ref"] == "MRN-1042"
    assert _packet_rows(cli, "requests.csv", "--redact")[0]["patient_ref"] == "(redacted)"


def test_deadlines_per_kind_and_the_rules_of_each(cli: Cli) -> None:
    def add(kind: str, ref: str, received: str = "2026-02-20", *extra: str) -> dict[str, Any]:
        return _json(
            cli, "request", "add", kind, "--received", received, "--patient-ref", ref, *extra
        )  # type: ignore[no-any-return]

    assert add("amendment", "A-1")["deadline"] == "2026-04-21"
    first = add("accounting", "P-7", "2025-06-01")
    assert first["fee_allowed"] is False and first["deadline"] == "2025-07-31"
    assert add("accounting", "P-7")["fee_allowed"] is True  # a second within 12 months
    assert add("accounting", "P-8")["fee_allowed"] is False
    cc = add("confidential-communication", "C-1")
    assert cc["deadline"] == "2026-03-22" and cc["deadline_kind"] == "practice target"
    r = add("restriction", "R-1", "2026-02-20", "--restriction-kind", "out-of-pocket")
    bad = cli("request", "close", str(r["id"]), "--denied", "--date", TODAY, "--denial-basis", "x")
    assert bad.exit_code == 1 and "164.522(a)(1)(vi)" in bad.stderr
    # no extension where the rule has none; one only; within the first period
    assert "no extension" in cli("request", "extend", str(cc["id"]), "--reason", "x",
                                 "--notified", TODAY).stderr  # fmt: skip
    late = cli("request", "extend", str(first["id"]), "--reason", "x", "--notified", "2025-08-15")
    assert late.exit_code == 1 and "within the first period" in late.stderr
    cli.ok("request", "extend", "1", "--reason", "clinician away", "--notified", "2026-02-25")
    assert (
        "allows one" in cli("request", "extend", "1", "--reason", "y", "--notified", TODAY).stderr
    )
    # a denial says why; a reviewable access denial is reviewed once
    assert "--denial-basis" in cli("request", "close", "1", "--denied", "--date", TODAY).stderr
    access = add("access", "Q-1")
    cli.ok("request", "close", str(access["id"]), "--partly", "--date", TODAY,
           "--denial-basis", "psychotherapy notes", "--reviewable")  # fmt: skip
    reviewed = _json(cli, "request", "review", str(access["id"]), "--by", "Dr. Rosa Diaz",
                     "--date", TODAY, "--upheld")  # fmt: skip
    assert reviewed["review"]["outcome"] == "upheld"
    again = cli("request", "review", str(access["id"]), "--by", "X", "--date", TODAY, "--upheld")
    assert again.exit_code == 1 and "reviewed already" in again.stderr
    listed = _json(cli, "request", "list", "--open")
    assert [d["id"] for d in listed] == sorted((d["id"] for d in listed), key=lambda i: next(
        x["deadline"] for x in listed if x["id"] == i))  # fmt: skip


def test_complaints_sanctions_and_the_npp_in_the_packet(cli: Cli, tmp_path: Path) -> None:
    cli.ok("person", "add", "bchen", "--name", "Ben Chen", "--email", "b@example.org")
    c = _json(
        cli, "complaint", "add", "--received", "2026-01-10", "--about", "voicemail on a shared line"
    )
    assert _privacy(cli)["open_complaints"] == [{"id": c["id"], "received": "2026-01-10"}]
    cli.ok("complaint", "close", str(c["id"]), "--disposition", "retrained", "--date", "2026-01-20")
    assert _json(cli, "complaint", "list")[0]["disposition"] == "retrained"
    cli.ok("sanction", "add", "bchen", "--date", "2026-02-01", "--reason", "snooping",
           "--action", "written warning")  # fmt: skip
    assert _json(cli, "sanction", "list")[0]["action"] == "written warning"
    assert _privacy(cli)["npp_missing"] == ["No notice of privacy practices adopted"]
    npp = tmp_path / "npp.pdf"
    npp.write_bytes(b"%PDF-1.4 our notice")
    adopted = _json(cli, "npp", "adopt", str(npp), "--effective", "2026-01-01")
    assert len(adopted["sha256"]) == 64
    assert _privacy(cli)["npp_missing"] == ["NPP 1 not recorded as posted at the office"]
    cli.ok("npp", "posted", "--where", "office", "--date", "2026-01-02")
    cli.ok("npp", "ack", "--month", "2026-02", "--given", "12", "--acknowledged", "11")
    assert _privacy(cli)["npp_missing"] == []
    assert _json(cli, "npp", "list")["versions"][0]["posted"] == [
        {"where": "office", "date": "2026-01-02"}
    ]
    assert _packet_rows(cli, "complaints.csv")[0]["disposition"] == "retrained"
    assert _packet_rows(cli, "sanctions.csv")[0]["person"] == "bchen"
    versions = _packet_rows(cli, "npp-versions.csv", "--with-attachments")
    assert versions[0]["posted"] == "office 2026-01-02"
    out = sorted(cli.tmp.glob("packet-*"))[-1]
    assert (out / "privacy" / "npp" / "1-npp.pdf").read_bytes() == npp.read_bytes()
    assert _packet_rows(cli, "npp-acknowledgments.csv")[0]["rate"] == "92%"
    # a website means a posting there too
    cli.ok("practice", "set", "--contact-website", "https://riverbend.example")
    assert _privacy(cli)["npp_missing"] == ["NPP 1 not recorded as posted at the website"]


def test_sanctions_are_for_admins_and_officers_only(cli: Cli) -> None:
    cli.ok("person", "add", "bchen", "--name", "Ben Chen", "--email", "b@example.org")
    admin(cli, "user", "add", "frank", "--role", "manager",
          env={"CTCM_NEW_PASSPHRASE": "frank's own passphrase"})  # fmt: skip
    frank = as_user("frank", "frank's own passphrase")
    r = cli("sanction", "add", "bchen", "--date", TODAY, "--reason", "x", "--action", "y",
            env=frank, identity=False)  # fmt: skip
    assert r.exit_code == 1 and "needs the role officer or admin" in r.stderr
    cli.ok("sanction", "add", "bchen", "--date", TODAY, "--reason", "x", "--action", "y")
    r = cli("sanction", "list", env=frank, identity=False)
    assert r.exit_code == 1 and "admins and officers only" in r.stderr
    # the front desk logs requests
    cli.ok("request", "add", "access", "--received", TODAY, "--patient-ref", "MRN-1",
           env=frank, identity=False)  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        ("request", "add", "access", "--received", "2026-13-01", "--patient-ref", "MRN-1"),
        ("request", "add", "access", "--received", "2026-04-01", "--patient-ref", "MRN-1"),
        ("request", "add", "copy", "--received", TODAY, "--patient-ref", "MRN-1"),
        ("request", "add", "access", "--received", TODAY, "--patient-ref", "Jane Doe"),
        ("request", "add", "access", "--received", TODAY, "--patient-ref", ""),
        ("request", "add", "restriction", "--received", TODAY, "--patient-ref", "R-1"),
        ("request", "add", "access", "--received", TODAY, "--patient-ref", "A\x00B"),
        ("request", "extend", "99", "--reason", "x", "--notified", TODAY),
        ("request", "close", "99", "--granted", "--date", TODAY),
        ("request", "close", "1", "--granted", "--denied", "--date", TODAY),
        ("request", "close", "1", "--granted", "--date", "9999-12-31"),
        ("request", "show", "99"),
        ("complaint", "add", "--received", TODAY, "--about", ""),
        ("complaint", "close", "99", "--disposition", "x", "--date", TODAY),
        ("sanction", "add", "nobody", "--date", TODAY, "--reason", "x", "--action", "y"),
        ("npp", "adopt", "/nonexistent/npp.pdf", "--effective", TODAY),
        ("npp", "posted", "--where", "lobby", "--date", TODAY),
        ("npp", "posted", "--where", "office", "--date", TODAY),
        ("npp", "ack", "--month", "2026-3", "--given", "3", "--acknowledged", "2"),
        ("npp", "ack", "--month", "2026-02", "--given", "3", "--acknowledged", "4"),
        ("npp", "ack", "--month", "2027-01", "--given", "3", "--acknowledged", "2"),
    ],
)
def test_bad_input_is_one_line_and_records_nothing(cli: Cli, args: tuple[str, ...]) -> None:
    cli.ok("request", "add", "access", "--received", TODAY, "--patient-ref", "MRN-1")
    before = (
        _json(cli, "request", "list"),
        _json(cli, "complaint", "list"),
        _json(cli, "npp", "list"),
    )
    r = cli(*args)
    assert r.exit_code in (1, 2), (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    after = (
        _json(cli, "request", "list"),
        _json(cli, "complaint", "list"),
        _json(cli, "npp", "list"),
    )
    assert before == after


def test_as_of_a_date_a_later_request_is_not_seen(cli: Cli) -> None:
    cli.ok("request", "add", "access", "--received", "2026-02-01", "--patient-ref", "MRN-1")
    before = _json(cli, "--as-of", "2026-02-15", "request", "list")
    assert before == []  # recorded on 2026-03-02: not on record on 2026-02-15
    assert len(_json(cli, "request", "list")) == 1


def test_a_change_to_the_privacy_policies_reminds_to_revise_the_npp(
    cli: Cli, tmp_path: Path
) -> None:
    from tests.cli.test_manual import FIXTURES

    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    cli.ok("manual", "adopt", "--effective", "2026-01-01")
    npp = tmp_path / "npp.pdf"
    npp.write_bytes(b"%PDF notice")
    cli.ok("npp", "adopt", str(npp), "--effective", "2026-02-01")
    cli.ok("npp", "posted", "--where", "office", "--date", "2026-02-01")
    assert _privacy(cli)["npp_missing"] == []
    cli.ok("manual", "set", "screen_lock_minutes", "5")  # not a privacy practice
    cli.ok("manual", "adopt", "--effective", "2026-02-15")
    assert _privacy(cli)["npp_missing"] == []
    # the manual's NPP policy reads the adopted notice, and that line is no change of practices
    policy = cli.ok("manual", "show", "2", "--policy", "19-privacy-notice").stdout
    assert "The notice in force is version 1, effective 2026-02-01, posted at the office;" in policy
    assert "The notice in force" not in cli.ok("manual", "show", "1").stdout
    cli.ok("manual", "set", "npp_location", "on our website and at the front desk")
    cli.ok("manual", "adopt", "--effective", "2026-03-01")
    missing = _privacy(cli)["npp_missing"]
    assert len(missing) == 1 and "revise the notice if the change is material" in missing[0]
    cli.ok("npp", "adopt", str(npp), "--effective", "2026-03-02")
    cli.ok("npp", "posted", "--where", "office", "--date", "2026-03-02")
    assert _privacy(cli)["npp_missing"] == []


def test_a_request_recorded_after_its_deadline_says_so(cli: Cli) -> None:
    r = cli.ok("request", "add", "access", "--received", "2026-01-02", "--patient-ref", "MRN-9")
    assert "decide by 2026-02-01" in r.stderr and "OVERDUE already, by 29 day(s)" in r.stderr
