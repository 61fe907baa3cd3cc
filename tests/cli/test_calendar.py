"""Forms & logs, the compliance calendar with ICS export, and training, through the CLI."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from tests.conftest import Cli


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


def test_log_add_list_show_and_corrections_keep_the_original(demo_cli: Cli) -> None:
    cli = demo_cli
    scan = cli.tmp / "review.pdf"
    scan.write_bytes(b"%PDF signed review")
    first = int(
        cli.ok(
            "log",
            "add",
            "log-review",
            "--date",
            "2026-02-14",
            "--by",
            "ada",
            "--field",
            "systems=EHR",
            "--field",
            "findings=none",
            "--file",
            str(scan),
        ).stdout
    )
    assert b"signed review" not in b"".join(p.read_bytes() for p in (cli.vault / "blobs").iterdir())
    r = cli("log", "add", "log-review", "--field", "systems=EHR")
    assert r.exit_code == 1 and "--field findings=" in r.stderr
    r = cli("log", "add", "nonsense")
    assert r.exit_code == 1 and "unknown activity kind" in r.stderr
    r = cli("log", "add", "security-reminder", "--date", "2026-12-01")
    assert r.exit_code == 1 and "in the future" in r.stderr
    fix = int(
        cli.ok(
            "log",
            "add",
            "log-review",
            "--date",
            "2026-02-15",
            "--by",
            "ada",
            "--field",
            "systems=EHR and email",
            "--field",
            "findings=one odd login",
            "--corrects",
            str(first),
        ).stdout
    )
    listed = _json(cli, "log", "list", "--kind", "log-review")
    assert [e["id"] for e in listed] == [first, fix]
    assert listed[1]["corrects"] == first and listed[0]["fields"]["systems"] == "EHR"
    shown = _json(cli, "log", "show", str(first))
    assert shown["corrected_by"] == [fix] and shown["attachments"][0]["filename"] == "review.pdf"
    assert "164.312(b)" in shown["citations"]
    kinds = {k["key"] for k in _json(cli, "log", "kinds")}
    assert {"security-reminder", "exclusion-screening", "backup-restore-test"} <= kinds
    cli.ok("log", "kind-add", "fire-drill", "--name", "Fire drill", "--cadence", "FREQ=YEARLY")
    cli.ok("log", "add", "fire-drill")


def test_calendar_statuses_in_status_due_and_the_digest(demo_cli: Cli) -> None:
    cli = demo_cli  # the clock stands on 2026-03-02
    program = _json(cli, "status")["program"]
    assert program["activities"]["scheduled"] == 0 and program["activities"]["status"] == "yellow"
    cli.ok("calendar", "set", "security-reminder", "--start", "2026-01-01", "--owner", "ada")
    cli.ok(
        "calendar",
        "set",
        "access-review",
        "--rrule",
        "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1",
        "--start",
        "2026-01-01",
    )
    cli.ok("log", "add", "security-reminder", "--date", "2026-02-02")
    cal = _json(cli, "calendar", "--days", "40")
    by = {(o["kind"], o["date"]): o["status"] for o in cal["occurrences"]}
    # January was never done and February's is due: January is missed (history, not red);
    # the entry of 2 February closes February's, late; March's is overdue
    assert ("security-reminder", "2026-01-01") not in by  # missed and past: not listed
    assert ("security-reminder", "2026-02-01") not in by  # done and past: not listed
    assert by[("security-reminder", "2026-03-01")] == "overdue"
    assert by[("security-reminder", "2026-04-01")] == "upcoming"  # a week's warning, not 30 days
    assert by[("access-review", "2026-01-01")] == "overdue"
    past = _json(cli, "calendar", "--days", "40", "--from", "2026-01-01")["occurrences"]
    by = {(o["kind"], o["date"]): (o["status"], o["done_on"]) for o in past}
    assert by[("security-reminder", "2026-01-01")] == ("missed", None)
    assert by[("security-reminder", "2026-02-01")] == ("done_late", "2026-02-02")
    assert {"date", "area", "status", "person", "what"} == set(cal["dated"][0])
    program = _json(cli, "status")["program"]["activities"]
    assert program["status"] == "red"
    assert {
        "kind": "security-reminder",
        "name": "Security reminder sent to staff",
        "date": "2026-03-01",
    } in program["overdue"]
    assert "Activity overdue since 2026-03-01: Security reminder sent to staff" in (
        cli.ok("status").stdout
    )
    due = _json(cli, "due", "--days", "40")["items"]
    assert any(i["area"] == "activities" and i["person"] == "ada" for i in due)
    cli.ok("mail", "configure", "--admins", "boss@example.org")
    out = cli.tmp / "digest"
    cli.ok("digest", "--out", str(out))
    import email
    import email.policy

    msg = email.message_from_bytes(next(out.iterdir()).read_bytes(), policy=email.policy.default)
    digest = msg.get_body(("plain",)).get_content()
    assert "Activities | Activity overdue since 2026-03-01: Security reminder sent to staff" in (
        digest
    )
    cli.ok("calendar", "off", "access-review")
    r = cli("calendar", "off", "access-review")
    assert r.exit_code == 1 and "not on the calendar" in r.stderr
    r = cli("calendar", "set", "log-review", "--rrule", "every month")
    assert r.exit_code == 1 and "bad --rrule" in r.stderr


def test_ics_export_parses_back_with_stable_uids_and_no_identifiers(demo_cli: Cli) -> None:
    from dateutil.rrule import rrulestr
    from icalendar import Calendar

    cli = demo_cli
    cli.ok(
        "doc",
        "add",
        "ada",
        "malpractice",
        "--issued",
        "2025-03-20",
        "--number",
        "POLICY-SECRET-1",
        "--note",
        "NOTE-SECRET",
    )
    cli.ok("calendar", "set", "log-review", "--start", "2026-01-01")
    first, second = cli.tmp / "a.ics", cli.tmp / "b.ics"
    cli.ok("calendar", "ics", "--out", str(first), "--days", "120")
    cli.ok("calendar", "ics", "--out", str(second), "--days", "120")
    raw = first.read_bytes()
    assert b"SECRET" not in raw and b"ada@" not in raw and b"Lovelace" in raw
    assert b"Ada Lovelace" not in raw  # at most an initial and a surname
    cal = Calendar.from_ical(raw)
    events = [c for c in cal.walk("VEVENT")]
    uids = sorted(str(e["uid"]) for e in events)
    assert uids == sorted(
        str(e["uid"]) for e in Calendar.from_ical(second.read_bytes()).walk("VEVENT")
    )
    assert len(set(uids)) == len(uids)
    recurring = next(e for e in events if "RRULE" in e)
    start = recurring.decoded("dtstart")
    rule = recurring["rrule"].to_ical().decode()
    dates = [
        d.date() for d in rrulestr(rule, dtstart=datetime(start.year, start.month, start.day))[:3]
    ]
    assert dates == [date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)]
    assert str(recurring["summary"]) == "Audit / access log review"
    ins = next(e for e in events if "Malpractice" in str(e["summary"]))
    assert (
        str(ins["summary"]) == "Renew Malpractice / professional liability insurance: A. Lovelace"
    )
    # expires 20 March: its renew-by day (30 days before) has passed, so it stands on today
    assert ins.decoded("dtstart") == date(2026, 3, 2)
    assert "Expires 2026-03-20" in str(ins["description"])
    private = cli.tmp / "p.ics"
    cli.ok("calendar", "ics", "--out", str(private), "--private")
    assert b"Lovelace" not in private.read_bytes()
    mine = cli.tmp / "ada.ics"
    cli.ok("calendar", "ics", "--out", str(mine), "--person", "bob")
    assert b"Lovelace" not in mine.read_bytes()


def test_training_turns_attendees_green(demo_cli: Cli) -> None:
    cli = demo_cli
    before = _json(cli, "status", "bob")
    hipaa = next(r for r in before["requirements"] if r["doctype"] == "hipaa-training")
    assert hipaa["status"] == "red"  # done 2025-01-05, twelve months ago and more
    entry = int(
        cli.ok(
            "training",
            "record",
            "--topic",
            "HIPAA basics 2026",
            "--date",
            "2026-03-01",
            "--attendee",
            "bob",
            "--attendee",
            "ada",
            "--doctype",
            "hipaa-training",
        ).stdout
    )
    after = _json(cli, "status", "bob")
    hipaa = next(r for r in after["requirements"] if r["doctype"] == "hipaa-training")
    assert hipaa["status"] == "green" and hipaa["expires"] == "2027-03-01"
    sessions = _json(cli, "training", "list", "--person", "bob")
    assert sessions == [
        {
            "entry": entry,
            "date": "2026-03-01",
            "topic": "HIPAA basics 2026",
            "attendees": ["ada", "bob"],
            "by": None,
        }
    ]
    assert _json(cli, "training", "list", "--person", "cy") == []
    matrix = {row["person"]: row["training"] for row in _json(cli, "training", "matrix")}
    assert matrix["bob"]["hipaa-training"] == {"last": "2026-03-01", "status": "green"}
    log = _json(cli, "log", "list", "--kind", "training-session")
    assert log[0]["fields"]["topic"] == "HIPAA basics 2026"
    r = cli("training", "record", "--topic", "x", "--attendee", "ghost")
    assert r.exit_code == 1 and "ghost" in r.stderr


def test_awareness_goes_once_a_month_to_everyone_and_marks_the_calendar(
    demo_cli: Cli, smtp: Any
) -> None:
    from tests.conftest import configure_mail

    cli = demo_cli
    configure_mail(cli, smtp)
    cli.ok("practice", "set", "--security-officer", "ada")
    cli.ok("calendar", "set", "security-reminder", "--start", "2026-03-01")
    plan = _json(cli, "awareness", "send")
    assert sorted(d["person"] for d in plan["due"]) == ["ada", "bob", "cy"]
    r = cli.ok("awareness", "send", "--send")
    assert r.stdout == "3 security reminder(s) delivered (smtp): ada, bob, cy.\n", r.stdout
    msgs = smtp.parsed()
    assert sorted(m["To"].addresses[0].addr_spec for m in msgs) == [
        "ada@example.org",
        "bob@example.org",
        "cy@example.org",
    ]
    body = msgs[0].get_body(("plain",)).get_content()
    title = str(msgs[0]["Subject"]).split(": ", 1)[1]
    assert "security reminder for March 2026" in msgs[0]["Subject"] and title in body
    assert "{{" not in body
    r = cli.ok("awareness", "send", "--send")
    assert r.stdout == r.stderr == ""  # all three had it: nothing to say under cron
    assert len(smtp.messages) == 3
    cal = _json(cli, "calendar", "--days", "10")
    march = [o for o in cal["occurrences"] if o["date"] == "2026-03-01"]
    assert not march  # done, and in the past: nothing to show
    log = _json(cli, "log", "list", "--kind", "security-reminder")
    assert len(log) == 1 and "3 people" in log[0]["note"]
    # next month, the next tip
    r = cli.ok("awareness", "send", "--send", env={"CTCM_TODAY": "2026-04-02"})
    assert r.stdout.startswith("3 security reminder(s) delivered")
    assert smtp.parsed()[-1]["Subject"] != msgs[0]["Subject"]
    # the tips name whom to tell: the practice's own security official
    cli.ok("awareness", "send", "--send", env={"CTCM_TODAY": "2027-01-05"})
    january = smtp.parsed()[-1].get_body(("plain",)).get_content()
    assert "Ada Lovelace, the security official" in january


def test_awareness_series_has_twelve_tips_that_render(cli: Cli) -> None:
    from ctcm.services.awareness import tip_names

    names = tip_names()
    assert len(names) >= 12
    r = cli.ok("mail", "templates", "check")
    assert r.exit_code == 0


def test_owners_are_reminded_of_their_activities_once_per_threshold(
    demo_cli: Cli, smtp: Any
) -> None:
    from tests.conftest import configure_mail

    cli = demo_cli
    configure_mail(cli, smtp)
    cli.ok("calendar", "set", "log-review", "--owner", "cy", "--start", "2026-02-01")

    def run(day: str) -> list[str]:
        before = len(smtp.messages)
        cli.ok("remind", "--send", env={"CTCM_TODAY": day})
        return [
            m.get_body(("plain",)).get_content()
            for m in smtp.parsed()[before:]
            if m["To"].addresses[0].addr_spec == "cy@example.org"
        ]

    first = run("2026-03-02")  # 15 February overdue; 15 March not within a week yet
    assert len(first) == 1 and "you are responsible for" in first[0]
    assert "Audit / access log review: was due on 15 February" in first[0]
    assert "15 March" not in first[0]
    assert run("2026-03-03") == []  # never twice
    due = run("2026-03-08")
    assert len(due) == 1 and "Audit / access log review: due on 15 March." in due[0]
    assert run("2026-03-09") == []
    late = run("2026-03-16")
    assert len(late) == 1 and "was due on 15 March" in late[0]
    cli.ok(
        "log",
        "add",
        "log-review",
        "--date",
        "2026-03-16",
        "--field",
        "systems=EHR",
        "--field",
        "findings=none",
        env={"CTCM_TODAY": "2026-03-16"},
    )
    assert run("2026-03-17") == []
    log = _json(cli, "mail", "log", "--kind", "activity")
    assert [(e["about"], e["threshold"]) for e in log] == [
        ("occurrence:2026-02-15", "overdue"),
        ("occurrence:2026-03-15", "due"),
        ("occurrence:2026-03-15", "overdue"),
    ]


def test_a_renewal_moves_its_event_instead_of_adding_one(demo_cli: Cli) -> None:
    """One series per obligation: the same UID before and after a renewal, SEQUENCE up; the
    expiry on its renew-by day with an alarm; overdue work dated today; read by two libraries."""
    import recurring_ical_events
    from icalendar import Calendar

    cli = demo_cli  # 2026-03-02; ada's license issued 2025-01-10 expires 2027-01-10
    cli.ok("calendar", "set", "log-review", "--first", "2026-02-01",
           "--rrule", "FREQ=MONTHLY;BYMONTHDAY=1")  # fmt: skip
    cli.ok("calendar", "set", "risk-analysis", "--first", "2026-06-01")
    before, after = cli.tmp / "before.ics", cli.tmp / "after.ics"
    cli.ok("calendar", "ics", "--out", str(before), "--days", "400")

    def license_events(path):  # type: ignore[no-untyped-def]
        cal = Calendar.from_ical(path.read_bytes())
        return cal, [e for e in cal.walk("VEVENT") if "State professional license" in e["summary"]]

    cal, [old] = license_events(before)
    assert old.decoded("dtstart") < date(2027, 1, 10)  # renew-by, before the expiry
    assert "Expires 2027-01-10" in str(old["description"]) and "ctcm doc add" in str(
        old["description"]
    )
    alarm = old.walk("VALARM")[0]
    assert alarm["action"] == "DISPLAY" and str(alarm["trigger"].to_ical()) != ""
    cli.ok("doc", "add", "ada", "state-license", "--issued", "2026-03-01")
    cli.ok("calendar", "ics", "--out", str(after), "--days", "800")
    cal2, [new] = license_events(after)
    assert str(new["uid"]) == str(old["uid"]) and int(new["sequence"]) > int(old["sequence"])
    assert new.decoded("dtstart") > old.decoded("dtstart")
    # the risk review is defined once (the calendar's activity, not also the program's)
    reviews = [e for e in cal2.walk("VEVENT") if "isk analysis review" in str(e["summary"])]
    assert len(reviews) == 1
    # March's log review is not done: an overdue item dated today, not one in the past
    # (February's is missed: history, not something to do)
    late = [e for e in cal2.walk("VEVENT") if str(e["summary"]).startswith("OVERDUE")]
    assert all(e.decoded("dtstart") == date(2026, 3, 2) for e in late)
    [review] = [e for e in late if "log review" in str(e["summary"])]
    assert "Overdue since 2026-03-01" in str(review["description"])
    assert "--for 2026-03-01" in str(review["description"])
    # a second library expands the recurring series the way calendar programs do
    days = [
        e.decoded("dtstart")
        for e in recurring_ical_events.of(cal2).between(date(2026, 3, 1), date(2026, 6, 2))
        if str(e["summary"]) == "Audit / access log review"
    ]
    assert days == [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    uids = [str(e["uid"]) for e in cal2.walk("VEVENT")]
    assert len(uids) == len(set(uids))


def test_a_log_entry_without_by_names_the_person_who_recorded_it(cli: Cli) -> None:
    from tests.cli.test_users import admin, as_user

    cli.ok("person", "add", "fn", "--name", "Frank Nguyen", "--email", "f@example.org")
    admin(cli, "user", "add", "frank", "--role", "manager", "--person", "fn",
          env={"CTCM_NEW_PASSPHRASE": "frank's own passphrase"})  # fmt: skip
    frank = as_user("frank", "frank's own passphrase")
    cli.ok("log", "add", "log-review", "--field", "systems=EHR", "--field", "findings=none",
           env=frank, identity=False)  # fmt: skip
    entries = json.loads(cli.ok("log", "list", "--format", "json").stdout)
    assert entries[-1]["by"] == "fn"
