"""The HIPAA risk analysis through the CLI: scripted, imported, walked, reported."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


def _err(cli: Cli, *args: str) -> str:
    r = cli(*args)
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    return r.stderr


@pytest.fixture
def staffed(cli: Cli) -> Cli:
    cli.ok("person", "add", "ana", "--name", "Ana Officer", "--email", "ana@example.org")
    cli.ok("person", "add", "fred", "--name", "Fred Manager", "--email", "fred@example.org")
    return cli


def _scripted(cli: Cli) -> int:
    aid = int(cli.ok("risk", "new", "--year", "2026", "--scope", "EHR, email, laptops").stdout)
    cli.ok(
        "risk",
        "answer",
        str(aid),
        "164.308(a)(2)",
        "--status",
        "implemented",
        "--evidence",
        "Designation letter 2026-01-05",
    )
    cli.ok(
        "risk",
        "answer",
        str(aid),
        "164.312(a)(2)(iv)",
        "--status",
        "partial",
        "--note",
        "Laptops encrypted, desktops not",
    )
    cli.ok(
        "risk",
        "answer",
        str(aid),
        "164.312(a)(2)(iii)",
        "--status",
        "not_implemented",
        "--reason",
        "Exam-room PCs are shared during sessions",
        "--alternative",
        "Staff lock screens by policy; rooms are locked",
    )
    cli.ok(
        "risk",
        "answer",
        str(aid),
        "164.308(a)(4)(ii)(A)",
        "--status",
        "na",
        "--note",
        "No clearinghouse",
    )
    cli.ok(
        "risk",
        "rate",
        str(aid),
        "S02",
        "--likelihood",
        "moderate",
        "--impact",
        "high",
        "--controls",
        "Laptop encryption",
    )
    cli.ok("risk", "rate", str(aid), "s04", "--likelihood", "high", "--impact", "high")
    cli.ok("risk", "rate", str(aid), "S16", "--likelihood", "low", "--impact", "moderate")
    task = cli.ok(
        "risk",
        "mitigate",
        str(aid),
        "S04",
        "--action",
        "Turn on MFA for all mailboxes",
        "--owner",
        "fred",
        "--due",
        "2026-04-30",
    ).stdout.strip()
    assert task == "1"
    return aid


def _complete(cli: Cli, aid: int | str) -> None:
    """Answer every item still open (through the checklist CSV round trip), mark every scenario
    not yet rated not applicable, and plan every high risk: what finalizing needs."""
    shown = _json(cli, "risk", "show", str(aid))
    open_items = {i["citation"] for i in shown["items"] if i["status"] is None}
    privacy = ["--privacy"] if shown["rule"] == "privacy" else []
    rows = list(
        csv.DictReader(io.StringIO(cli.ok("risk", "checklist", "--format", "csv", *privacy).stdout))
    )
    for row in rows:
        if row["citation"] in open_items:
            row["status"] = "implemented"
            row["evidence"] = "Policy binder, section 2"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    filled = cli.tmp / f"checklist-{aid}.csv"
    filled.write_text(buf.getvalue())
    cli.ok("risk", "import", str(aid), str(filled))
    for sc in shown["scenarios"]:
        if not sc["rated"] and sc["not_applicable"] is None:
            cli.ok("risk", "rate", str(aid), sc["id"], "--not-applicable", "Reviewed: no exposure")
    planned = {t["scenario"] for t in shown["tasks"]}
    for r in shown["risks"]:
        if r["level"] in ("high", "critical", "very_high") and r["scenario"] not in planned:
            cli.ok(
                "risk",
                "mitigate",
                str(aid),
                r["scenario"],
                "--action",
                "Plan it",
                "--owner",
                "fred",
                "--due",
                "2027-06-30",
            )


def test_scripted_full_assessment_json_and_report(staffed: Cli, golden) -> None:  # type: ignore[no-untyped-def]
    cli = staffed
    cli.ok("practice", "set", "--security-officer", "ana")
    aid = _scripted(cli)
    shown = _json(cli, "risk", "show", str(aid))
    assert {k: shown[k] for k in ("id", "kind", "year")} == {
        "id": aid,
        "kind": "full",
        "year": 2026,
    }
    assert shown["progress"] == {"answered": 4, "total": 65}
    items = {i["citation"]: i for i in shown["items"]}
    assert items["164.312(a)(2)(iv)"] == {
        "citation": "164.312(a)(2)(iv)",
        "name": "Encryption and decryption",
        "kind": "addressable",
        "status": "partial",
        "note": "Laptops encrypted, desktops not",
        "evidence": None,
    }
    assert shown["risks"] == [
        {
            "scenario": "S04",
            "title": "A phishing email steals a password",
            "likelihood": "high",
            "impact": "high",
            "level": "critical",
        },
        {
            "scenario": "S02",
            "title": "A laptop is stolen from a car",
            "likelihood": "moderate",
            "impact": "high",
            "level": "high",
        },
        {
            "scenario": "S16",
            "title": "A power outage takes the office offline",
            "likelihood": "low",
            "impact": "moderate",
            "level": "low",
        },
    ]
    assert shown["tasks"][0] | {"id": 0} == {
        "id": 0,
        "assessment": aid,
        "scenario": "S04",
        "action": "Turn on MFA for all mailboxes",
        "owner": "fred",
        "due": "2026-04-30",
        "status": "open",
        "accepted_reason": None,
        "accepted_by": None,
        "closed_on": None,
    }
    report = cli.ok("--as-of", "2026-03-02", "risk", "report", str(aid)).stdout
    golden("risk-report.md", report)
    assert "Security official: Ana Officer" in report
    assert "164.312(a)(2)(iii) Automatic logoff: not implemented because Exam-room PCs" in report
    assert (
        report.index("| critical | S04")
        < report.index("| high | S02")
        < report.index("| low | S16")
    )
    html_path = cli.tmp / "report.html"
    cli.ok("risk", "report", str(aid), "--format", "html", "--out", str(html_path))
    html = html_path.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    assert "http://" not in html and "https://" not in html and "src=" not in html
    assert "Turn on MFA for all mailboxes" in html and "Sign-off" in html


def test_changes_since_previous_assessment(staffed: Cli) -> None:
    cli = staffed
    first = _scripted(cli)
    second = int(cli.ok("risk", "new", "--year", "2027").stdout)
    cli.ok("risk", "answer", str(second), "164.312(a)(2)(iv)", "--status", "implemented")
    cli.ok("risk", "rate", str(second), "S04", "--likelihood", "low", "--impact", "high")
    report = cli.ok("risk", "report", str(second)).stdout
    # a draft is no analysis to compare with
    assert "no earlier finalized analysis to compare with" in report
    _complete(cli, first)
    cli.ok("risk", "finalize", str(first), "--by", "ana")
    report = cli.ok("risk", "report", str(second)).stdout
    assert f"Changes since the last finalized analysis (#{first}, 2026)" in report
    assert "- 164.312(a)(2)(iv): partial -> implemented" in report
    assert "- S04: critical -> moderate" in report
    assert "no earlier finalized analysis" in cli.ok("risk", "report", str(first)).stdout


def test_mini_assessment_is_limited(staffed: Cli) -> None:
    cli = staffed
    aid = cli.ok(
        "risk",
        "new",
        "--mini",
        "Switching to a new telehealth vendor",
        "--item",
        "164.308(b)(1)",
        "--item",
        "164.312(e)(1)",
    ).stdout.strip()
    shown = _json(cli, "risk", "show", aid)
    assert shown["kind"] == "mini" and shown["progress"]["total"] == 2
    assert "is not part of mini assessment" in _err(
        cli, "risk", "answer", aid, "164.310(c)", "--status", "implemented"
    )
    cli.ok("risk", "rate", aid, "S12", "--likelihood", "moderate", "--impact", "moderate")
    assert "is not part of assessment" in _err(
        cli, "risk", "rate", aid, "S16", "--likelihood", "low", "--impact", "low"
    )
    assert "--mini" in _err(cli, "risk", "new", "--item", "164.310(c)")
    assert "at least one --item" in _err(cli, "risk", "new", "--mini", "x")
    assert "no item 164.999" in _err(cli, "risk", "new", "--mini", "x", "--item", "164.999(a)")


def test_risk_errors(staffed: Cli) -> None:
    cli = staffed
    aid = _scripted(cli)
    assert "unknown assessment 99" in _err(cli, "risk", "show", "99")
    assert "no item" in _err(cli, "risk", "answer", str(aid), "164.308(z)", "--status", "partial")
    assert "bad status" in _err(
        cli, "risk", "answer", str(aid), "164.308(a)(2)", "--status", "maybe"
    )
    assert "--reason" in _err(
        cli, "risk", "answer", str(aid), "164.312(a)(2)(iv)", "--status", "not_implemented"
    )
    assert "--note" in _err(
        cli, "risk", "answer", str(aid), "164.308(a)(5)(ii)(A)", "--status", "na"
    )
    for standalone in (
        "164.308(a)(2)",
        "164.308(a)(8)",
        "164.310(b)",
        "164.310(c)",
        "164.312(b)",
        "164.312(d)",
    ):
        assert "cannot be not applicable" in _err(
            cli, "risk", "answer", str(aid), standalone, "--status", "na", "--note", "x"
        )
    assert "in the past" in _err(
        cli,
        "risk",
        "mitigate",
        str(aid),
        "S01",
        "--action",
        "x",
        "--owner",
        "fred",
        "--due",
        "2026-03-01",
    )
    cli.ok(
        "risk",
        "mitigate",
        str(aid),
        "S01",
        "--action",
        "x",
        "--owner",
        "fred",
        "--due",
        "2026-03-01",
        "--allow-past",
    )
    assert "--not-applicable excludes" in _err(
        cli, "risk", "rate", str(aid), "S01", "--not-applicable", "x", "--likelihood", "low"
    )
    assert "bad likelihood" in _err(
        cli, "risk", "rate", str(aid), "S01", "--likelihood", "extreme", "--impact", "low"
    )
    assert "scenario S99" in _err(
        cli, "risk", "rate", str(aid), "S99", "--likelihood", "low", "--impact", "low"
    )
    assert "unknown person" in _err(
        cli,
        "risk",
        "mitigate",
        str(aid),
        "S01",
        "--action",
        "x",
        "--owner",
        "ghost",
        "--due",
        "2026-05-01",
    )
    assert "no such day" in _err(
        cli,
        "risk",
        "mitigate",
        str(aid),
        "S01",
        "--action",
        "x",
        "--owner",
        "fred",
        "--due",
        "2026-02-30",
    )


def test_five_level_scale(staffed: Cli) -> None:
    cli = staffed
    cli.ok("practice", "set", "--risk-scale", "five")
    aid = cli.ok("risk", "new").stdout.strip()
    cli.ok("risk", "rate", aid, "S06", "--likelihood", "very high", "--impact", "very_high")
    assert _json(cli, "risk", "show", aid)["risks"][0]["level"] == "very_high"
    assert "five-level" in _err(
        cli, "risk", "rate", aid, "S06", "--likelihood", "medium2", "--impact", "low"
    )


def test_task_lifecycle_overdue_and_program_status(staffed: Cli) -> None:
    cli = staffed
    aid = _scripted(cli)
    assert cli.ok("risk", "task", "start", "1").exit_code == 0
    assert _json(cli, "--as-of", "2026-04-01", "risk", "tasks", "--overdue") == []
    overdue = _json(cli, "--as-of", "2026-05-02", "risk", "tasks", "--overdue")
    assert [t["id"] for t in overdue] == [1] and overdue[0]["status"] == "in_progress"
    status = _json(cli, "--as-of", "2026-05-02", "status")
    program = status["program"]
    assert program["security_officer"] is None
    assert [t["id"] for t in program["overdue_tasks"]] == [1]
    assert {r["scenario"] for r in program["open_high_risks"]} == {"S02", "S04"}
    assert any("No security official" in w for w in program["warnings"])
    table = cli.ok("--as-of", "2026-05-02", "status").stdout
    assert "Security program:" in table and "Security task 1 overdue since 2026-04-30" in table
    assert "accept" in _err(cli, "risk", "task", "accept", "1", "--reason", "", "--by", "ana")
    cli.ok("risk", "task", "accept", "1", "--reason", "Vendor cannot do MFA yet", "--by", "ana")
    program = _json(cli, "--as-of", "2026-05-02", "status")["program"]
    assert program["overdue_tasks"] == [] and {
        r["scenario"] for r in program["open_high_risks"]
    } == {"S02"}
    assert "cannot become" in _err(cli, "risk", "task", "done", "1")
    cli.ok("risk", "task", "reopen", "1")
    cli.ok("risk", "task", "done", "1")
    done = _json(cli, "risk", "tasks")[0]
    assert done["status"] == "done" and done["closed_on"] == cli.clock.now().date().isoformat()
    assert "unknown task 9" in _err(cli, "risk", "task", "done", "9")
    assert aid


def test_security_officer_and_annual_cycle(staffed: Cli) -> None:
    cli = staffed
    program = _json(cli, "status")["program"]
    assert "No risk analysis on record (ctcm risk new)" in program["warnings"]
    cli.ok("practice", "set", "--security-officer", "ana", "--privacy-officer", "ana")
    aid = cli.ok("risk", "new").stdout.strip()
    _complete(cli, aid)
    cli.ok("risk", "finalize", aid, "--by", "ana")
    created = cli.clock.now().date()
    program = _json(cli, "--as-of", (created + timedelta(days=360)).isoformat(), "status")[
        "program"
    ]
    assert program["warnings"] == [] and program["security_officer"] == "ana"
    assert program["risk"]["status"] == "green"
    later = _json(cli, "--as-of", (created + timedelta(days=370)).isoformat(), "status")["program"]
    assert later["risk_analysis_stale"] is True and "due for review" in later["warnings"][0]
    cli.ok("practice", "set", "--risk-review-months", "24")
    assert (
        _json(cli, "--as-of", (created + timedelta(days=370)).isoformat(), "status")["program"][
            "warnings"
        ]
        == []
    )
    assert "unknown person" in _err(cli, "practice", "set", "--security-officer", "ghost")


def test_import_answers_csv_and_yaml(staffed: Cli, tmp_path: Path) -> None:
    cli = staffed
    aid = cli.ok("risk", "new").stdout.strip()
    bad = tmp_path / "answers.csv"
    bad.write_text(
        "citation,status,note,evidence,reason,alternative\n"
        "164.308(a)(2),implemented,,Letter,,\n"
        "164.310(c),sometimes,,,,\n"
        "164.312(a)(2)(iv),not_implemented,,,,\n"
        "164.999(a),implemented,,,,\n"
    )
    r = cli("risk", "import", aid, str(bad))
    assert r.exit_code == 1
    assert "row 3: bad status 'sometimes'" in r.stderr
    assert "row 4: 164.312(a)(2)(iv) is addressable" in r.stderr
    assert "row 5: no item 164.999(a)" in r.stderr
    assert _json(cli, "risk", "show", aid)["progress"]["answered"] == 0
    good = tmp_path / "answers.yaml"
    good.write_text(
        "answers:\n"
        "  - citation: 164.308(a)(2)\n    status: implemented\n    evidence: Letter\n"
        "  - citation: 164.312(a)(2)(iv)\n    status: not_implemented\n"
        "    reason: Desktops are in a locked room\n    alternative: Physical security\n"
    )
    cli.ok("risk", "import", aid, str(good))
    assert _json(cli, "risk", "show", aid)["progress"]["answered"] == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("- citation: [unclosed\n")
    assert "not valid YAML" in cli("risk", "import", aid, str(broken)).stderr
    odd = tmp_path / "odd.yaml"
    odd.write_text("- citation: 164.308(a)(2)\n  status: implemented\n  colour: blue\n")
    assert "unknown key 'colour'" in cli("risk", "import", aid, str(odd)).stderr


def test_walk_through_its_prompts(staffed: Cli) -> None:
    cli = staffed
    aid = cli.ok(
        "risk",
        "new",
        "--mini",
        "Office move",
        "--item",
        "164.310(a)(2)(ii)",
        "--item",
        "164.310(d)(2)(iv)",
        "--item",
        "164.310(c)",
    ).stdout.strip()
    in_scope = [sc["id"] for sc in _json(cli, "risk", "show", aid)["scenarios"]]
    assert len(in_scope) >= 3
    answers = (
        "\n".join(
            [
                "?",  # the guidance, then the same question again
                "p",
                "Alarm not yet installed",
                "",  # 164.310(a)(2)(ii) partial
                "n",
                "",
                "",
                "Nothing is stored locally",
                "none",  # 164.310(d)(2)(iv) addressable
                "s",  # 164.310(c) skipped
                "moderate",
                "high",
                "Locks on doors",  # the first scenario: high
                "",  # the task it offers: later
                "na",
                "We keep no paper records",  # the second: not applicable
                "q",  # quit during the scenarios
            ]
        )
        + "\n"
    )
    r = cli("risk", "walk", aid, interactive=True, input=answers)
    assert r.exit_code == 0, r.stderr
    assert "[i/p/n/na/s/q/?]" in r.stderr  # every choice prompt lists its choices
    assert "is a high risk. A task to treat it (Enter: later)" in r.stderr
    assert "Stopped; ratings so far are saved" in r.stderr
    shown = _json(cli, "risk", "show", aid)
    statuses = {i["citation"]: i["status"] for i in shown["items"]}
    assert statuses == {
        "164.310(a)(2)(ii)": "partial",
        "164.310(d)(2)(iv)": "not_implemented",
        "164.310(c)": None,
    }
    scenarios = {sc["id"]: sc for sc in shown["scenarios"]}
    rated = [sc for sc in shown["scenarios"] if sc["rated"]]
    assert len(rated) == 1 and rated[0]["level"] == "high"
    excluded = [sc for sc in scenarios.values() if sc["not_applicable"]]
    assert [sc["not_applicable"] for sc in excluded] == ["We keep no paper records"]
    # every scenario in scope is offered, not only those touching a gap
    r = cli("risk", "walk", aid, interactive=True, input="i\n\n\n" + "s\n" * 50)
    assert r.exit_code == 0, r.stderr
    assert f"{len(in_scope) - 2} threat scenario(s) to rate" in r.stderr
    for sid in in_scope:
        if not scenarios[sid]["rated"] and not scenarios[sid]["not_applicable"]:
            assert f"  {sid} " in r.stderr
    # resumable: q stops at once
    r = cli("risk", "walk", aid, interactive=True, input="q\n")
    assert r.exit_code == 0 and "Stopped" in r.stderr
    assert "needs a terminal" in cli("risk", "walk", aid).stderr
    # input that ends mid-question: one line, not a traceback
    r = cli("risk", "walk", aid, interactive=True, input="")
    assert r.exit_code == 1 and r.stderr.strip().endswith(
        "input ended before the question was answered"
    )


def test_walk_honours_no_color(staffed: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = staffed
    aid = cli.ok("risk", "new", "--mini", "x", "--item", "164.310(c)").stdout.strip()
    monkeypatch.setenv("FORCE_COLOR", "1")  # Rich would colour even without a terminal
    coloured = cli("risk", "walk", aid, interactive=True, input="q\n")
    assert "\x1b[" in coloured.stderr
    plain = cli("risk", "walk", aid, interactive=True, input="q\n", env={"NO_COLOR": "1"})
    assert plain.exit_code == 0 and "\x1b[" not in plain.stderr


def test_risk_scenarios_command(cli: Cli) -> None:
    listed = _json(cli, "risk", "scenarios")
    assert {"id", "title", "source", "citations"} == set(listed[0])
    assert len({s["id"] for s in listed}) == len(listed) >= 42
    table = cli.ok("risk", "scenarios").stdout
    assert "S01" in table


def _program(cli: Cli, *asof: str) -> dict[str, Any]:
    return _json(cli, *asof, "status")["program"]


def test_program_status_never_overstates(staffed: Cli) -> None:
    cli = staffed
    cli.ok("practice", "set", "--security-officer", "ana")
    # no analysis at all: red, stale, said plainly
    program = _program(cli)
    assert program["status"] == "red" and program["risk_analysis_stale"] is True
    assert program["risk"]["status"] == "red" and program["last_risk_analysis"] is None
    assert "No risk analysis on record (ctcm risk new)" in program["warnings"]
    # a fresh draft is not an analysis: still red, shown in progress with its counts
    aid = int(cli.ok("risk", "new").stdout)
    program = _program(cli)
    assert program["status"] == "red" and program["last_risk_analysis"] is None
    assert program["risk_analysis_stale"] is True
    assert program["risk_analysis_in_progress"] == {
        "id": aid,
        "answered": 0,
        "items": 65,
        "scenarios_rated": 0,
        "scenarios": program["risk_analysis_in_progress"]["scenarios"],
        "scenarios_open": program["risk_analysis_in_progress"]["scenarios"],
    }
    table = cli.ok("status").stdout
    assert "Security program: RED" in table and "is a draft: 0 of 65 items answered" in table
    assert "nothing" not in table.split("Security program:")[1].lower()
    # a required safeguard not in place and a critical risk with no plan are warnings at once
    cli.ok("risk", "answer", str(aid), "164.312(b)", "--status", "not_implemented")
    cli.ok("risk", "rate", str(aid), "S04", "--likelihood", "high", "--impact", "high")
    program = _program(cli)
    assert program["required_not_implemented"] == [
        {
            "citation": "164.312(b)",
            "name": program["required_not_implemented"][0]["name"],
            "assessment": aid,
        }
    ]
    assert program["high_risks_without_plan"][0]["scenario"] == "S04"
    assert any("has no mitigation task" in w for w in program["warnings"])
    digest_rows = " ".join(program["warnings"])
    assert f"required safeguard(s) not implemented as of assessment #{aid}" in digest_rows
    # finalize refused, with the list of what is missing
    r = cli("risk", "finalize", str(aid), "--by", "ana")
    assert r.exit_code == 1
    first, *listed = r.stderr.strip().splitlines()
    assert first.startswith(f"ctcm: assessment {aid} cannot be finalized yet:")
    assert any("164.308(a)(1)(ii)(B)" in line and "not answered" in line for line in listed)
    # whether there is a current analysis is this one's to answer, never asked
    assert not any("164.308(a)(1)(ii)(A)" in line for line in listed)
    assert any(
        line.strip().startswith("- S04: critical risk with no mitigation") for line in listed
    )
    # complete it, then it is accepted and counts
    cli.ok("risk", "answer", str(aid), "164.312(b)", "--status", "implemented", "--evidence", "x")
    _complete(cli, aid)
    r = cli.ok("risk", "finalize", str(aid), "--by", "ana")
    assert "finalized by ana" in r.stderr and "SHA-256" in r.stderr
    own = {i["citation"]: i for i in _json(cli, "risk", "show", str(aid))["items"]}
    assert own["164.308(a)(1)(ii)(A)"]["status"] == "implemented"
    assert f"this risk analysis (#{aid}), finalized" in own["164.308(a)(1)(ii)(A)"]["evidence"]
    program = _program(cli)
    assert program["last_risk_analysis"]["id"] == aid
    assert program["last_risk_analysis"]["finalized_by"] == "ana"
    assert program["risk_analysis_stale"] is False and program["risk_analysis_in_progress"] is None
    # a finalized assessment no longer changes
    for args in (
        ("answer", str(aid), "164.312(b)", "--status", "partial"),
        ("rate", str(aid), "S01", "--likelihood", "low", "--impact", "low"),
        ("rate", str(aid), "S01", "--not-applicable", "x"),
        ("mitigate", str(aid), "S01", "--action", "x", "--owner", "fred", "--due", "2027-01-01"),
        ("finalize", str(aid), "--by", "ana"),
    ):
        assert "no longer changes" in _err(cli, "risk", *args)
    shown = _json(cli, "risk", "show", str(aid))
    assert shown["state"] == "finalized" and shown["missing"] == []
    assert len(shown["finalized"]["content_hash"]) == 64
    # stale a year and a half later; the review interval is labelled best practice
    later = (date.today() + timedelta(days=800)).isoformat()
    program = _program(cli, "--as-of", later)
    assert program["risk"]["status"] == "red" and program["risk_analysis_stale"] is True
    assert any("best practice" in w for w in program["warnings"])


def test_draft_reports_say_so_on_every_page_and_list_what_is_missing(staffed: Cli) -> None:
    cli = staffed
    aid = _scripted(cli)
    md = cli.ok("risk", "report", str(aid)).stdout
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings and all("DRAFT" in h for h in headings)
    assert "Still missing (" in md and "not answered" in md
    assert "Name: ____" not in md and "No sign-off: a draft cannot be approved" in md
    assert md.index("Summary for the practice owner") < md.index("## DRAFT - Findings")
    out = cli.tmp / "draft.html"
    cli.ok("risk", "report", str(aid), "--format", "html", "--out", str(out))
    html = out.read_text()
    assert 'class="draft-banner"' in html and "position: fixed" in html
    assert html.count("<h2>DRAFT - ") == html.count("<h2>")
    assert "Signature<span>" not in html
    # a draft's owner summary forces no page break (it left a nearly blank page in print)
    assert ".summary-page { break-after: page; }" not in html
    # once finalized: no DRAFT anywhere, the sign-off and the hash
    _complete(cli, aid)
    signed = cli.ok("risk", "finalize", str(aid), "--by", "ana")
    md = cli.ok("risk", "report", str(aid)).stdout
    assert "DRAFT" not in md and "Finalized on" in md and "Name: ____" in md
    cli.ok("risk", "report", str(aid), "--format", "html", "--out", str(out.with_name("f.html")))
    assert ".summary-page { break-after: page; }" in out.with_name("f.html").read_text()
    assert "Reviewed and approved as the practice's risk analysis" in md
    # the report states the signer's actual role; a signer who is not the designated security
    # official is named as such, with a warning at finalize
    designated = json.loads(cli.ok("practice", "show", "--format", "json").stdout)
    if designated.get("security_officer") == "ana":
        assert "Ana Officer, the practice's security official" in md
    else:
        assert "not the designated security official" in md
        assert "is not the practice's designated security official" in signed.stderr
    summary = md.split("## Summary for the practice owner")[1].split("## Scope")[0]
    assert "S04 A phishing email steals a password | critical | task 1 open" in summary


def test_privacy_report_wording(staffed: Cli) -> None:
    cli = staffed
    cli.ok("practice", "set", "--privacy-officer", "ana")
    aid = cli.ok("risk", "new", "--privacy").stdout.strip()
    _complete(cli, aid)
    cli.ok("risk", "finalize", aid, "--by", "ana")
    md = cli.ok("risk", "report", aid).stdout
    assert "Privacy official: Ana Officer" in md and "Security official" not in md
    assert "164.306(d)(3)" not in md and "Risk register" not in md
    assert "approved as the assessment of the privacy program" in md
    assert "Ana Officer, the practice's privacy official" in md  # her actual role


def test_checklist_csv_round_trip(staffed: Cli) -> None:
    cli = staffed
    aid = cli.ok("risk", "new").stdout.strip()
    text = cli.ok("risk", "checklist", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    rows[0]["status"] = "implemented"
    rows[0]["evidence"] = "Signed policy"
    rows[1]["status"] = "partial"
    rows[1]["note"] = "In progress"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = cli.tmp / "filled.csv"
    path.write_text(buf.getvalue())
    r = cli.ok("risk", "import", aid, str(path))
    assert "Imported 2 answer(s)" in r.stderr
    items = {i["citation"]: i for i in _json(cli, "risk", "show", aid)["items"]}
    assert items[rows[0]["citation"]]["status"] == "implemented"
    assert items[rows[1]["citation"]]["note"] == "In progress"


@pytest.mark.parametrize("privacy", [False, True])
def test_checklist_formats(cli: Cli, privacy: bool) -> None:
    extra = ["--privacy"] if privacy else []
    items = json.loads(cli.ok("risk", "checklist", "--format", "json", *extra).stdout)
    assert all(set(i) >= {"citation", "name", "kind", "safeguard", "questions"} for i in items)
    assert {i["kind"] for i in items} <= {"standard", "required", "addressable"}
    csv_text = cli.ok("risk", "checklist", "--format", "csv", *extra).stdout
    assert csv_text.splitlines()[0].startswith("citation,name,kind,safeguard,questions")
    assert len(csv_text.splitlines()) > len(items)  # header + one row each (questions may wrap)
    md = cli.ok("risk", "checklist", *extra).stdout
    assert md.count("\n## ") == len(items)
    html = cli.ok("risk", "checklist", "--format", "html", *extra).stdout
    assert html.count("<h2>") == len(items) and "https://" not in html
    assert "must be md, html, csv or json" in cli("risk", "checklist", "--format", "pdf").stderr


def test_privacy_assessment_has_no_scenarios(staffed: Cli) -> None:
    aid = staffed.ok("risk", "new", "--privacy").stdout.strip()
    staffed.ok("risk", "answer", aid, "164.524", "--status", "partial", "--note", "Usually 45 days")
    shown = _json(staffed, "risk", "show", aid)
    assert shown["rule"] == "privacy" and shown["progress"]["answered"] == 1
    assert "HIPAA Privacy program" in staffed.ok("risk", "report", aid).stdout


def test_digest_has_a_security_program_section(staffed: Cli, tmp_path: Path) -> None:
    cli = staffed
    _scripted(cli)
    cli.ok("mail", "configure", "--from", "P <o@example.org>", "--admins", "boss@example.org")
    out = tmp_path / "out"
    cli.ok("--as-of", "2026-05-02", "digest", "--out", str(out))
    import email
    import email.policy

    msg = email.message_from_bytes(next(out.iterdir()).read_bytes(), policy=email.policy.default)
    body = msg.get_body(("plain",)).get_content()
    assert "== Security program: RED ==" in body  # the analysis is only a draft
    assert "No risk analysis on record: #1 is a draft" in body
    assert "Security task 1 overdue since 2026-04-30" in body
    assert "Open risk | S04 A phishing email steals a password (critical)" in body


def test_required_specifications_cannot_be_not_applicable_but_for_four(staffed: Cli) -> None:
    """164.306: a required specification applies to every covered entity; only clearinghouse
    functions, government arrangements, subcontractor contracts and group health plans may not
    apply to a practice."""
    cli = staffed
    aid = str(int(cli.ok("risk", "new", "--year", "2026").stdout))
    for citation in ("164.308(a)(1)(ii)(A)", "164.310(d)(2)(i)", "164.312(a)(2)(i)"):
        err = _err(cli, "risk", "answer", aid, citation, "--status", "n/a", "--note", "small")
        assert "cannot be not applicable" in err, citation
    for citation in ("164.308(a)(4)(ii)(A)", "164.314(a)(2)(ii)", "164.314(b)(2)"):
        cli.ok("risk", "answer", aid, citation, "--status", "n/a", "--note",
               "we are a counseling practice, not a clearinghouse or health plan")  # fmt: skip


def test_finalize_refuses_an_untreated_required_gap_and_the_report_shows_the_plan(
    staffed: Cli,
) -> None:
    """A required specification partial or not implemented blocks the sign-off until a task
    (by its citation) or an acceptance treats it; the owner's summary lists every high risk
    and every required gap with its plan; the report holds the ePHI inventory and the next
    review date."""
    cli = staffed
    aid = _scripted(cli)
    _complete(cli, aid)
    backup = "164.308(a)(7)(ii)(A)"  # data backup plan: required
    cli.ok("risk", "answer", str(aid), backup, "--status", "partial", "--note",
           "no off-site copy")  # fmt: skip
    for scenario in ("S09", "S21", "S05", "S11"):  # more high risks than the old top five
        cli.ok("risk", "rate", str(aid), scenario, "--likelihood", "high", "--impact", "high")
        cli.ok("risk", "mitigate", str(aid), scenario, "--action", f"Fix {scenario}", "--owner",
               "fred", "--due", "2027-06-30")  # fmt: skip
    r = cli("risk", "finalize", str(aid), "--by", "ana")
    assert r.exit_code == 1
    assert f"{backup} Data backup plan: required, partial, with no mitigation task" in r.stderr
    cli.ok("risk", "mitigate", str(aid), backup, "--action", "Nightly off-site backup",
           "--owner", "fred", "--due", "2027-03-31")  # fmt: skip
    r = cli("risk", "mitigate", str(aid), "164.999(z)", "--action", "x", "--owner", "fred",
            "--due", "2027-03-31")  # fmt: skip
    assert r.exit_code == 1 and len(r.stderr.splitlines()) == 1
    cli.ok("device", "add", "laptop-9", "--type", "laptop", "--owner", "fred", "--encrypted",
           "yes", "--screen-lock", "yes", "--phi", "yes")  # fmt: skip
    cli.ok("vendor", "add", "ehr", "--name", "ChartCloud", "--service", "EHR", "--phi", "yes")
    cli.ok("risk", "finalize", str(aid), "--by", "ana")
    md = cli.ok("risk", "report", str(aid)).stdout
    summary = md.split("## Summary for the practice owner")[1].split("## Scope")[0]
    highs = [s["scenario"] for s in _json(cli, "risk", "show", str(aid))["risks"]
             if s["level"] in ("high", "critical")]  # fmt: skip
    assert len(highs) >= 6 and all(f"| {h} " in summary for h in highs)
    assert f"{backup} Data backup plan (partial): task " in summary
    ephi = md.split("Where the practice's ePHI is")[1].split("## ")[0]
    assert "laptop-9 (laptop, Fred Manager): encrypted yes" in ephi
    assert "ChartCloud (EHR): BAA NO SIGNED BAA" in ephi
    assert "Next review due by 2027-03-02." in md


def test_the_walk_offers_a_task_right_after_a_required_gap(staffed: Cli) -> None:
    """A required safeguard answered partial: the walk offers the task finalizing will ask
    for, and adds it to the plan (by the item's citation)."""
    cli = staffed
    aid = cli.ok("risk", "new", "--mini", "Backups", "--item", "164.308(a)(7)(ii)(A)").stdout
    aid = aid.strip()
    answers = "p\nNo off-site copy\n\nNightly off-site backup\nfred\n2027-03-31\nq\n"
    r = cli("risk", "walk", aid, interactive=True, input=answers)
    assert r.exit_code == 0, r.stderr
    assert "is required and not fully in place. A task to treat it" in r.stderr
    assert "added to the mitigation plan" in r.stderr
    tasks = _json(cli, "risk", "tasks")
    assert [(t["scenario"], t["action"]) for t in tasks] == [
        ("164.308(a)(7)(ii)(A)", "Nightly off-site backup")
    ]
