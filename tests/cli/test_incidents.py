"""Incidents through the CLI: assessment, deadlines in status, notices, letters, privacy."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from tests.conftest import Cli, configure_mail

SUMMARY = "Laptop with SECRET-SUMMARY taken from car"


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


def test_a_breach_from_discovery_to_closing(demo_cli: Cli, smtp: Any) -> None:
    cli = demo_cli  # today is 2026-03-02
    configure_mail(cli, smtp)
    n = cli.ok(
        "incident",
        "add",
        "--discovered",
        "2026-02-20",
        "--summary",
        SUMMARY,
        "--reported-by",
        "bob",
    ).stdout.strip()
    program = _json(cli, "status")["program"]["incidents"]
    assert program == {"status": "yellow", "open": 1, "unassessed": [int(n)], "deadlines": []}
    r = cli("incident", "assess", n, "--acquired", "unknown")
    assert r.exit_code == 1 and "--affected" in r.stderr  # presumed a breach: who is affected?
    r = cli.ok(
        "incident",
        "assess",
        n,
        "--affected",
        "620",
        "--state-counts",
        "NY=510",
        "--state-counts",
        "NJ=110",
    )
    assert "BREACH" in r.stderr and "notice to the media in NY: due by 2026-04-21" in r.stderr
    shown = _json(cli, "incident", "show", n)
    assert {d["to"]: d["due"] for d in shown["deadlines"]} == {
        "individuals": "2026-04-21",
        "hhs": "2026-04-21",
        "media:NY": "2026-04-21",
    }
    assert shown["summary"] == SUMMARY
    due = _json(cli, "due", "--days", "60")["items"]
    assert sum(1 for i in due if i["area"] == "incidents") == 3
    ics = cli.tmp / "cal.ics"
    cli.ok("calendar", "ics", "--out", str(ics), "--days", "60")
    raw = ics.read_bytes()
    assert b"SECRET-SUMMARY" not in raw
    for title in (b"notice to individuals", b"notice to HHS", b"notice to the media in NY"):
        assert b"SUMMARY:Incident " + n.encode() + b": " + title in raw
    late = _json(cli, "status", "--as-of", "2026-04-22")["program"]["incidents"]
    assert late["status"] == "red"
    assert (
        "notice to individuals overdue since 2026-04-21"
        in cli.ok("status", "--as-of", "2026-04-22").stdout
    )
    r = cli("incident", "close", n)
    assert r.exit_code == 1 and "still has notices to record" in r.stderr
    cli.ok(
        "practice",
        "set",
        "--contact-toll-free",
        "1-800-555-0100",
        "--contact-email",
        "privacy@example.org",
    )
    letter = cli.ok("incident", "letter", n).stdout
    assert "Toll-free telephone: 1-800-555-0100" in letter and "privacy@example.org" in letter
    assert "State breach laws may set shorter deadlines" in letter
    for element in (
        "What happened",
        "We discovered it on 20 February 2026",
        "What information was involved",
        "What you can do",
        "What we are doing",
        "Toll-free telephone",
        "HHS breach portal summary",
        "[[TO BE COMPLETED BY THE PRACTICE",
    ):
        assert element in letter, element
    assert SUMMARY not in letter
    html = cli.tmp / "letter.html"
    cli.ok("incident", "letter", n, "--format", "html", "--out", str(html))
    assert "<h2>What happened</h2>" in html.read_text()
    r = cli("incident", "notify", n, "--to", "individuals", "--date", "2026-02-19")
    assert r.exit_code == 1 and "before the incident was discovered" in r.stderr
    for to, extra in (("individuals", ()), ("hhs", ()), ("media", ("--state", "NY"))):
        cli.ok("incident", "notify", n, "--to", to, "--date", "2026-03-01", *extra)
    cli.ok("incident", "close", n)
    assert _json(cli, "incident", "list", "--open") == []
    # the description never leaves the vault by email
    cli.ok("remind", "--send")
    cli.ok("digest", "--send")
    cli.ok("notify", "status", "--all", "--send")
    assert smtp.messages and all(b"SECRET-SUMMARY" not in raw for _, raw in smtp.messages)


def test_an_encrypted_lost_laptop_needs_no_notice(demo_cli: Cli) -> None:
    cli = demo_cli
    n = cli.ok(
        "incident", "add", "--discovered", "2026-03-01", "--summary", "Laptop lost"
    ).stdout.strip()
    r = cli("incident", "assess", n, "--secured", "yes", "--nature", "full-disk encrypted laptop")
    assert r.exit_code == 1 and "--device" in r.stderr and "--key-location" in r.stderr
    r = cli.ok(
        "incident", "assess", n, "--secured", "yes", "--device", "Dell laptop LT-07 (billing)",
        "--encryption", "BitLocker full-disk AES-256 with TPM and PIN", "--powered", "off",
        "--key-location", "PIN known only to the user; recovery key in the office safe",
    )  # fmt: skip
    assert "not a breach" in r.stderr and "safe harbor" in r.stderr and "BitLocker" in r.stderr
    assert _json(cli, "incident", "show", n)["deadlines"] == []
    r = cli("incident", "letter", n)
    assert r.exit_code == 1 and "not assessed as a breach" in r.stderr
    cli.ok("incident", "close", n)
    r = cli("incident", "add", "--discovered", "2027-01-01", "--summary", "x")
    assert r.exit_code == 1 and "in the future" in r.stderr
    r = cli("incident", "assess", n, "--exception", "maybe")
    assert r.exit_code == 1


def test_the_assessment_walk_at_a_terminal(demo_cli: Cli) -> None:
    cli = demo_cli
    n = cli.ok(
        "incident", "add", "--discovered", "2026-03-01", "--summary", "Fax misdirected"
    ).stdout.strip()
    answers = (
        "\n".join(
            [
                "no",  # not secured
                "none",  # no exception
                "names and diagnoses of 2 clients",
                "a car dealer's fax machine",
                "unknown",
                "called, no answer",
                "no",  # not a low probability
                "2",
                "",  # no state counts
                "0",  # no one of unknown state
            ]
        )
        + "\n"
    )
    r = cli("incident", "assess", n, interactive=True, input=answers)
    assert r.exit_code == 0, r.stderr
    assert "Factor 1" in r.stderr and "BREACH" in r.stderr
    shown = _json(cli, "incident", "show", n)
    assert shown["breach"] is True and shown["affected"] == 2
    assert {d["to"] for d in shown["deadlines"]} == {"individuals", "hhs"}


def test_an_unassessed_incident_is_due_and_turns_red_when_its_notice_would_be_late(
    demo_cli: Cli,
) -> None:
    cli = demo_cli  # today is 2026-03-02
    n = cli.ok("incident", "add", "--discovered", "2026-02-20", "--summary", SUMMARY).stdout.strip()
    due = [i for i in _json(cli, "due")["items"] if i["area"] == "incidents"]
    assert [(i["date"], i["status"]) for i in due] == [("2026-03-02", "yellow")]
    assert "a breach needs notices by 2026-04-21" in due[0]["what"]
    assert "individuals must be told by 2026-04-21" in cli.ok("status").stdout
    # presumed a breach until assessed (164.402(2)): past the 60 days it is red
    late = _json(cli, "status", "--as-of", "2026-04-22")["program"]["incidents"]
    assert late["status"] == "red" and late["unassessed"] == [int(n)]
    cli.ok("incident", "assess", n, "--breach", "no", "--reason", "counsel: low probability")
    assert not [i for i in _json(cli, "due")["items"] if i["area"] == "incidents"]


def test_the_walk_asks_the_safe_harbor_facts(demo_cli: Cli) -> None:
    cli = demo_cli
    n = cli.ok("incident", "add", "--discovered", "2026-03-01", "--summary", "Laptop lost")
    answers = (
        "\n".join(
            [
                "yes",
                "Dell laptop of the billing desk",
                "BitLocker AES-256 full disk",
                "off",
                "recovery key in the office safe, PIN known to its user",
            ]
        )
        + "\n"
    )
    r = cli("incident", "assess", n.stdout.strip(), interactive=True, input=answers)
    assert r.exit_code == 0, r.stderr
    assert "Which encryption" in r.stderr and "safe harbor" in r.stderr


def test_the_breach_file_shows_the_four_factors_counts_deadlines_and_notices(
    demo_cli: Cli, tmp_path: Path
) -> None:
    cli = demo_cli  # today is 2026-03-02
    n = cli.ok("incident", "add", "--discovered", "2026-02-20", "--summary", SUMMARY,
               "--reported-by", "bob").stdout.strip()  # fmt: skip
    cli.ok("incident", "assess", n, "--nature", "names and diagnoses of clients",
           "--recipient", "a stranger at a wrong fax number", "--acquired", "unknown",
           "--mitigated", "asked the recipient to destroy it; no answer",
           "--affected", "12", "--state-counts", "NY=12")  # fmt: skip
    cli.ok("incident", "notify", n, "--to", "individuals", "--date", "2026-03-01",
           "--manner", "mail")  # fmt: skip
    shown = _json(cli, "incident", "show", n)
    assert shown["assessment"]["factors"] == {
        "nature": "names and diagnoses of clients",
        "recipient": "a stranger at a wrong fax number",
        "acquired": "unknown",
        "mitigated": "asked the recipient to destroy it; no answer",
    }
    table = cli.ok("incident", "show", n).stdout
    assert "factor (i): names and diagnoses of clients" in table and "by state: NY 12" in table
    out = tmp_path / "packet"
    cli.ok("packet", "build", "--out", str(out))
    text = (out / "incidents" / f"breach-file-{n}.txt").read_text()
    for expected in ("(i) nature and extent", "names and diagnoses of clients", "NY 12",
                     "individuals: due 2026-04-21", "given 2026-03-01, first-class mail",
                     "hhs: due 2027-03-01", "NOT GIVEN"):  # fmt: skip
        assert expected in text, expected
    rows = list(csv.DictReader(io.StringIO((out / "incidents" / "incidents.csv").read_text())))
    row = next(r for r in rows if r["id"] == n)
    assert row["by_state"] == "NY 12" and "individuals 2026-03-01" in row["notices_given"]
    assert row["reported_by"] == "bob"
    redacted = tmp_path / "redacted"
    cli.ok("packet", "build", "--out", str(redacted), "--redact")
    assert (
        "names and diagnoses" not in (redacted / "incidents" / f"breach-file-{n}.txt").read_text()
    )
    # the letter fills what was recorded
    letter = cli.ok("incident", "letter", n).stdout
    assert "names and diagnoses of clients" in letter
