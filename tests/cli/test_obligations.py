"""The one program model through the real ctcm: doing the work makes red go away (late work,
catch-up with --for, a finalized analysis as the yearly review, a logged BAA review) and a new
activity is never overdue on the day it is set up."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from ctcm.clock import FixedClock
from tests.cli.test_risk import _complete
from tests.conftest import Cli


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


def _on(cli: Cli, day: str) -> None:
    cli.clock = FixedClock(datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC))


def _activities(cli: Cli) -> dict[str, Any]:
    return _json(cli, "status")["program"]["activities"]  # type: ignore[no-any-return]


def test_a_monthly_activity_logged_late_counts_for_its_own_month(cli: Cli) -> None:
    _on(cli, "2026-01-01")
    cli.ok("calendar", "set", "log-review", "--rrule", "FREQ=MONTHLY;BYMONTHDAY=1")
    _on(cli, "2026-03-18")
    assert _activities(cli)["status"] == "red"  # March's review not done
    r = cli.ok("log", "add", "log-review", "--field", "systems=EHR", "--field", "findings=none")
    assert "the occurrence of 2026-03-01 is done late" in r.stderr
    acts = _activities(cli)
    assert acts["status"] == "green" and acts["overdue"] == []  # not April's: March's
    assert {o["date"] for o in acts["missed"]} == {"2026-01-01", "2026-02-01"}


def test_catch_up_two_missed_months_with_for(cli: Cli, tmp_path: Any) -> None:
    _on(cli, "2026-01-01")
    cli.ok("calendar", "set", "log-review", "--rrule", "FREQ=MONTHLY;BYMONTHDAY=1")
    cli.ok("log", "add", "log-review", "--field", "systems=EHR", "--field", "findings=none")
    _on(cli, "2026-03-20")  # February and March never done
    status = _activities(cli)
    assert status["status"] == "red" and [o["date"] for o in status["missed"]] == ["2026-02-01"]
    for day in ("2026-02-01", "2026-03-01"):
        r = cli.ok("log", "add", "log-review", "--for", day,
                   "--field", "systems=EHR", "--field", "findings=none")  # fmt: skip
        assert f"the occurrence of {day} is done late" in r.stderr
    status = _activities(cli)
    assert status["status"] == "green" and status["missed"] == [] and status["overdue"] == []
    cal = _json(cli, "calendar", "--from", "2026-01-01", "--days", "5")["occurrences"]
    states = {o["date"]: o["status"] for o in cal if o["kind"] == "log-review"}
    assert states == {"2026-01-01": "done", "2026-02-01": "done_late", "2026-03-01": "done_late"}
    table = cli.ok("calendar", "--from", "2026-01-01", "--days", "5").stdout
    assert "done late (2026-03-20)" in table
    out = tmp_path / "packet"
    cli.ok("packet", "build", "--out", str(out), "--from", "2026-01-01")
    rows = list(csv.DictReader(io.StringIO((out / "activities" / "occurrences.csv").read_text())))
    assert [(r["due"], r["state"]) for r in rows if r["kind"] == "log-review"] == [
        ("2026-01-01", "done"), ("2026-02-01", "done_late"), ("2026-03-01", "done_late"),
    ]  # fmt: skip
    logs = (out / "activities" / "logs.csv").read_text()
    assert "for_occurrence" in logs and "recorded_at" in logs


def test_for_names_a_real_occurrence_or_is_refused(cli: Cli) -> None:
    _on(cli, "2026-01-01")
    r = cli("log", "add", "log-review", "--for", "2026-01-01",
            "--field", "systems=EHR", "--field", "findings=none")  # fmt: skip
    assert r.exit_code == 1 and "not on the calendar" in r.stderr
    cli.ok("calendar", "set", "log-review", "--rrule", "FREQ=MONTHLY;BYMONTHDAY=1")
    _on(cli, "2026-03-20")
    before = cli.ok("log", "list", "--format", "json").stdout
    for day, message in [
        ("2026-02-02", "no occurrence on 2026-02-02 (the nearest is 2026-02-01)"),
        ("2026-04-01", "is after --date"),
        ("2025-12-01", "before log-review was put on the calendar"),
    ]:
        r = cli("log", "add", "log-review", "--for", day,
                "--field", "systems=EHR", "--field", "findings=none")  # fmt: skip
        assert r.exit_code == 1 and message in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    assert cli.ok("log", "list", "--format", "json").stdout == before  # nothing recorded
    # a rule without a day of its own repeats the day it started: that day, not any day
    cli.ok("calendar", "set", "access-review", "--rrule", "FREQ=MONTHLY", "--first", "2026-01-10")
    r = cli("log", "add", "access-review", "--for", "2026-02-01",
            "--field", "systems=EHR", "--field", "changes=none")  # fmt: skip
    assert r.exit_code == 1 and "(the nearest is 2026-02-10)" in r.stderr, r.stderr
    r = cli.ok("log", "add", "access-review", "--for", "2026-02-10",
               "--field", "systems=EHR", "--field", "changes=none")  # fmt: skip
    assert "the occurrence of 2026-02-10 is done late" in r.stderr


def test_a_new_activity_is_not_overdue_on_the_day_it_is_set_up(cli: Cli) -> None:
    _on(cli, "2026-03-18")
    cli.ok("calendar", "set", "log-review", "--rrule", "FREQ=MONTHLY;BYMONTHDAY=1")
    acts = _activities(cli)
    assert acts["status"] == "green" and acts["overdue"] == []
    cal = _json(cli, "calendar", "--days", "20")["occurrences"]
    assert [o["date"] for o in cal] == ["2026-04-01"]
    _on(cli, "2026-03-18")
    cli.ok("calendar", "set", "access-review", "--first", "2026-05-15",
           "--rrule", "FREQ=YEARLY")  # fmt: skip
    cal = _json(cli, "calendar", "--days", "90")["occurrences"]
    assert ("access-review", "2026-05-15") in {(o["kind"], o["date"]) for o in cal}


def test_finalizing_the_risk_analysis_is_the_yearly_review(cli: Cli) -> None:
    cli.ok("person", "add", "ana", "--name", "Ana Officer", "--email", "ana@example.org")
    _on(cli, "2025-12-01")
    cli.ok("calendar", "set", "risk-analysis")  # yearly, 1 January
    _on(cli, "2026-01-10")
    assert _activities(cli)["status"] == "red"
    aid = cli.ok("risk", "new").stdout.strip()
    _complete(cli, aid)
    cli.ok("practice", "set", "--security-officer", "ana")
    cli.ok("risk", "finalize", aid, "--by", "ana")
    _on(cli, "2026-01-11")  # the day after sign-off: not "review overdue"
    acts = _activities(cli)
    assert acts["status"] == "green" and acts["overdue"] == []
    cal = _json(cli, "calendar", "--from", "2026-01-01", "--days", "5")["occurrences"]
    assert [(o["date"], o["status"], o["done_by"]) for o in cal] == [
        ("2026-01-01", "done_late", f"risk:{aid}")
    ]


def test_a_logged_baa_review_clears_review_overdue_and_keeps_the_signature(cli: Cli) -> None:
    _on(cli, "2026-03-02")
    cli.ok("vendor", "add", "shredco", "--name", "ShredCo", "--service", "shredding",
           "--phi", "yes")  # fmt: skip
    cli.ok("vendor", "baa", "shredco", "--signed", "2025-01-15")
    vendors = _json(cli, "status")["program"]["vendors"]
    assert vendors["status"] == "yellow"
    assert any("BAA review overdue since 2026-01-15" in line for line in vendors["warnings"])
    cli.ok("log", "add", "baa-review", "--field", "vendor=shredco", "--note", "still fits")
    vendors = _json(cli, "status")["program"]["vendors"]
    assert vendors["status"] == "green", vendors
    shown = _json(cli, "vendor", "show", "shredco")
    assert shown["baa_signed"] == "2025-01-15"  # a review is not a signature
    assert shown["review_due"] == "2027-03-02" and shown["last_review"] == "2026-03-02"
    due = _json(cli, "due", "--days", "60")["items"]
    assert not [i for i in due if i["area"] == "vendors"]


def test_a_manual_adopted_for_a_later_date(demo_cli: Cli, tmp_path: Any) -> None:
    """Adopted to take effect later: yellow "in force from D" (not "no manual"), acks collected
    ahead, the packet holds it as adopted (not DRAFT); with a version in force, that one stays
    in force until the new one's day."""
    from tests.cli.test_manual import FIXTURES

    cli = demo_cli  # 2026-03-02
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    cli.ok("manual", "adopt", "--effective", "2026-04-01")
    manual = _json(cli, "status")["program"]["manual"]
    assert manual["status"] == "yellow", manual
    text = cli.ok("status").stdout
    assert "Manual version 1 adopted on 2 March 2026, in force from 1 April 2026" in text
    assert "No policies and procedures manual in force" not in text
    due = _json(cli, "due", "--days", "40")["items"]
    assert not [i for i in due if i["area"] == "manual" and i["status"] == "red"]
    r = cli.ok("manual", "ack", "ada")  # ahead of the effective date
    assert "version 1" in (r.stdout + r.stderr)
    out = tmp_path / "packet"
    cli.ok("packet", "build", "--out", str(out))
    assert (out / "manual" / "v1").is_dir() and not (out / "manual" / "draft").exists()
    page = (out / "manual" / "v1" / "index.html").read_text()
    assert "takes effect 1 April 2026" in page and "DRAFT" not in page
    # on the day, ada's ahead-of-time acknowledgment counts; bob still owes his
    later = _json(cli, "--as-of", "2026-04-02", "status", "ada")["requirements"]
    ack = next(r for r in later if r.get("manual_version") == 1)
    assert ack["status"] == "green"
    # version 2 for later: version 1 stays in force until then
    cli.ok("manual", "set", "patch_days", "7")
    cli.ok("manual", "adopt", "--effective", "2026-06-01")
    text = cli.ok("--as-of", "2026-04-15", "status").stdout
    assert "Manual version 1 in force since 1 April 2026" in text
    assert "Manual version 2 in force from 1 June 2026 (version 1 until then" in text


def test_reminders_list_items_by_urgency_and_never_green(cli: Cli, tmp_path: Any) -> None:
    import email
    import email.policy

    _on(cli, "2026-03-02")
    cli.ok("mail", "configure", "--from", "Office <office@example.org>")
    cli.ok("person", "add", "gia", "--name", "Gia Long", "--email", "gia@example.org")
    for doctype in ("hipaa-training", "malpractice", "ce-credits"):
        cli.ok("person", "require", "gia", doctype)
    # training 45 days out (its 60-day reminder is due; its light is still green), malpractice
    # in 5 days, CE credits expired: the mail lists the expired first, then this week, then
    # soon, and none of them reads GREEN
    cli.ok(
        "doc", "add", "gia", "hipaa-training", "--issued", "2025-04-16", "--expires", "2026-04-16"
    )
    cli.ok("doc", "add", "gia", "malpractice", "--issued", "2025-03-07", "--expires", "2026-03-07")
    cli.ok("doc", "add", "gia", "ce-credits", "--issued", "2024-02-01", "--expires", "2026-02-01")
    training = next(
        r for r in _json(cli, "status", "gia")["requirements"] if r["doctype"] == "hipaa-training"
    )["status"]
    assert training == "green"
    out = tmp_path / "mail"
    cli.ok("remind", "--out", str(out))
    msg = email.message_from_bytes(
        next(out.glob("*-reminder-gia.eml")).read_bytes(), policy=email.policy.default
    )
    html = msg.get_body(("html",)).get_content()
    assert "GREEN" not in html and "YELLOW" not in html
    badges = [b for b in ("OVERDUE", "THIS WEEK", "SOON") if b in html]
    assert badges == ["OVERDUE", "THIS WEEK", "SOON"]
    assert html.index("OVERDUE") < html.index("THIS WEEK") < html.index(">SOON<")
    text = msg.get_body(("plain",)).get_content()
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    order = [n for n in ("Continuing education", "Malpractice", "HIPAA privacy")
             if any(n in line for line in lines)]  # fmt: skip
    firsts = [next(i for i, line in enumerate(lines) if n in line) for n in order]
    assert firsts == sorted(firsts) and len(order) == 3


def test_a_mini_assessment_that_implements_safeguards_clears_the_gaps(cli: Cli) -> None:
    _on(cli, "2026-03-02")
    cli.ok("person", "add", "ana", "--name", "Ana Officer", "--email", "ana@example.org")
    aid = cli.ok("risk", "new").stdout.strip()
    for citation in ("164.312(b)", "164.308(a)(6)(ii)"):
        cli.ok("risk", "answer", aid, citation, "--status", "not_implemented")
    program = _json(cli, "status")["program"]
    gaps = {g["citation"] for g in program["required_not_implemented"]}
    assert gaps == {"164.312(b)", "164.308(a)(6)(ii)"}
    assert any(f"2 required safeguard(s) not implemented as of assessment #{aid}" in w
               for w in program["warnings"])  # fmt: skip
    mini = cli.ok("risk", "new", "--mini", "audit logging turned on in the EHR",
                  "--item", "164.312(b)").stdout.strip()  # fmt: skip
    cli.ok("risk", "answer", mini, "164.312(b)", "--status", "implemented",
           "--evidence", "EHR audit log enabled 2026-03-02")  # fmt: skip
    program = _json(cli, "status")["program"]
    assert [g["citation"] for g in program["required_not_implemented"]] == ["164.308(a)(6)(ii)"]
    assert program["safeguards_changed_since"] == [
        {"citation": "164.312(b)", "assessment": int(mini), "status": "implemented"}
    ]
    assert any(f"1 required safeguard(s) not implemented as of assessment #{aid} and the mini "
               f"assessment(s) since: #{mini}" in w for w in program["warnings"])  # fmt: skip
    shown = _json(cli, "risk", "show", aid)
    assert shown["changed_later"] == [
        {"citation": "164.312(b)", "from": "not_implemented", "to": "implemented",
         "assessment": int(mini)}
    ]  # fmt: skip
    assert f"164.312(b) implemented (#{mini})" in cli.ok("risk", "show", aid).stdout


def test_an_occurrence_waived_with_a_reason_is_never_red(cli: Cli, tmp_path: Any) -> None:
    _on(cli, "2026-01-01")
    cli.ok("calendar", "set", "log-review", "--rrule", "FREQ=MONTHLY;BYMONTHDAY=1")
    cli.ok("log", "add", "log-review", "--field", "systems=EHR", "--field", "findings=none")
    _on(cli, "2026-02-10")  # February's not done: overdue
    assert _activities(cli)["status"] == "red"
    r = cli("calendar", "waive", "log-review", "--for", "2026-02-03", "--reason", "closed")
    assert r.exit_code == 1 and "no occurrence on 2026-02-03" in r.stderr
    r = cli("calendar", "waive", "log-review", "--for", "2026-02-01", "--reason", "closed")
    assert r.exit_code == 1 and "why this occurrence is not owed" in r.stderr
    cli.ok("calendar", "waive", "log-review", "--for", "2026-02-01", "--reason",
           "office closed all February for the move")  # fmt: skip
    # a coming one too, ahead of time
    cli.ok("calendar", "waive", "log-review", "--for", "2026-03-01", "--reason",
           "EHR migration month, no logs to review")  # fmt: skip
    assert _activities(cli)["status"] == "green"
    cal = _json(cli, "calendar", "--from", "2026-01-01", "--days", "30")["occurrences"]
    states = {o["date"]: o["status"] for o in cal if o["kind"] == "log-review"}
    assert states["2026-02-01"] == "waived" and states["2026-03-01"] == "waived"
    out = tmp_path / "packet"
    cli.ok("packet", "build", "--out", str(out))
    rows = list(csv.reader(io.StringIO((out / "activities" / "occurrences.csv").read_text())))
    assert any(r[1] == "2026-02-01" and r[2] == "waived" for r in rows)
    logs = (out / "activities" / "logs.csv").read_text()
    assert "office closed all February" in logs


def test_as_of_a_date_nothing_recorded_later_is_seen(cli: Cli) -> None:
    """--as-of 2026-01-05 status once showed risk GREEN from an analysis finalized on
    2026-01-10, and the vendors and incidents recorded later (issue 30)."""
    cli.ok("person", "add", "ana", "--name", "Ana Officer", "--email", "ana@example.org")
    cli.ok("practice", "set", "--security-officer", "ana")
    _on(cli, "2026-01-10")
    aid = cli.ok("risk", "new").stdout.strip()
    _complete(cli, aid)
    cli.ok("risk", "finalize", aid, "--by", "ana")
    cli.ok("vendor", "add", "billco", "--name", "BillCo", "--service", "billing", "--phi", "yes")
    cli.ok("incident", "add", "--discovered", "2026-01-09", "--summary", "fax misdirected")
    assert _json(cli, "status")["program"]["last_risk_analysis"] is not None
    before = _json(cli, "--as-of", "2026-01-05", "status")["program"]
    assert before["last_risk_analysis"] is None  # no finalized analysis yet on 5 January
    assert before["incidents"]["open"] == 0
    assert "BillCo" not in json.dumps(before["vendors"])
    assert "BillCo" in json.dumps(_json(cli, "status")["program"]["vendors"])
