"""Reminders, status mails and the digest against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta
from email.headerregistry import Address
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_users import admin
from tests.conftest import Cli, configure_mail


def _person(
    cli: Cli, pid: str, name: str, expires: str | None, doctype: str = "hipaa-training"
) -> None:
    cli.ok("person", "add", pid, "--name", name, "--email", f"{pid}@example.org")
    cli.ok("person", "require", pid, doctype)
    if expires:
        cli.ok("doc", "add", pid, doctype, "--expires", expires)


def _remind(cli: Cli, day: date, *extra: str) -> Any:
    """A real run on ``day``: the rehearsal clock (``--as-of`` only previews)."""
    return cli("remind", "--send", *extra, env={"CTCM_TODAY": day.isoformat()})


def _on(day: str) -> dict[str, str]:
    return {"CTCM_TODAY": day}


def test_mail_test_delivers_a_multipart_message(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp, "--reply-to", "Front Desk <desk@example.org>")
    cli.ok("mail", "test", "someone@example.org")
    [msg] = smtp.parsed()
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["To"] == "someone@example.org" and msg["Reply-To"] == "Front Desk <desk@example.org>"
    assert msg["From"] == "Test Practice <office@example.org>"
    assert msg["Date"] and msg["Message-ID"].startswith("<") and "Test Practice" in msg["Subject"]


def test_smtp_login_password_never_shown(cli: Cli, smtp: Any) -> None:
    r = configure_mail(
        cli, smtp, "--username", "office", "--password", env={"CTCM_SMTP_PASSWORD": "smtp-secret"}
    )
    assert "smtp-secret" not in r.stdout + r.stderr
    shown = json.loads(cli.ok("mail", "show", "--format", "json").stdout)
    assert shown["password_set"] is True and "smtp-secret" not in json.dumps(shown)
    # sealed to the admins and the sending services: the officer who typed it cannot use it
    r = cli("mail", "test", "x@example.org")
    assert r.exit_code == 1 and "sealed to the admins" in r.stderr and smtp.logins == []
    admin(cli, "mail", "test", "x@example.org")
    assert smtp.logins == [("office", "smtp-secret")]
    cron = cli.tmp / "cron.identity"
    admin(cli, "user", "add-service", "cron", "--out", str(cron))  # sealed to it at that save
    cli.ok("mail", "test", "x@example.org", identity=False, env={"CTCM_IDENTITY_FILE": str(cron)})
    assert smtp.logins[-1] == ("office", "smtp-secret")
    # nor can anyone read it out of the settings: no clear copy is kept
    from ctcm.services.practice import open_practice

    with open_practice(cli.environment(), "inspect", write=False) as p:
        assert not p.settings.get("mail.password")
        assert "smtp-secret" not in json.dumps(p.settings)
        assert set(json.loads(p.settings["sealed.mail.password"])) >= {"user:alice", "svc:cron"}
        assert "svc:tests" not in json.loads(p.settings["sealed.mail.password"])
    assert "smtp-secret" not in cli.ok("audit", "list", "--format", "json").stdout


def test_mail_configure_errors(cli: Cli) -> None:
    for args, message in [
        (
            ("--host", "smtp.example.org", "--security", "none"),
            "only allowed for a mail server on this machine",
        ),
        (("--security", "telnet"), "--security must be one of"),
        (("--from", "not an address"), "bad --from address"),
        (("--admins", "a@example.org,nope"), "bad email address"),
        (("--password",), "set CTCM_SMTP_PASSWORD"),
        ((), "nothing to change"),
    ]:
        r = cli("mail", "configure", *args)
        assert r.exit_code == 1 and message in r.stderr, (args, r.stderr)
    r = cli("remind", "--send")
    assert r.exit_code == 1


def test_a_simulated_season_of_daily_runs(cli: Cli, smtp: Any) -> None:
    """Exact reminder dates for one expiry through three months of daily cron runs."""
    configure_mail(cli, smtp)
    _person(cli, "ann", "Ann Able", "2026-04-30")
    sent_on: dict[str, list[str]] = {}
    day = date(2026, 2, 20)
    while day <= date(2026, 5, 22):
        before = len(smtp.messages)
        r = _remind(cli, day)
        assert r.exit_code == 0, r.stderr
        for rcpts, _ in smtp.messages[before:]:
            sent_on.setdefault(day.isoformat(), []).extend(rcpts)
        day += timedelta(days=1)
    assert list(sent_on) == [
        "2026-03-01",
        "2026-03-31",
        "2026-04-16",
        "2026-04-23",
        "2026-04-30",
        "2026-05-07",
        "2026-05-14",
        "2026-05-21",
    ]
    # never two messages about the item on consecutive days (the default has no "1")
    days_sent = [date.fromisoformat(d) for d in sent_on]
    assert all((b - a).days > 1 for a, b in zip(days_sent, days_sent[1:], strict=False))
    assert all(r == ["ann@example.org"] for d, r in sent_on.items() if d != "2026-05-14")
    # expired 2026-04-30: the first escalation is at +14 (05-14), the day of a scheduled
    # reminder: ann gets hers, each admin one message of their own listing it; the +21 one
    # goes to ann alone
    assert sorted(sent_on["2026-05-14"]) == [
        "ann@example.org",
        "boss@example.org",
        "manager@example.org",
    ]
    assert not any(m["Cc"] for m in smtp.parsed())  # nobody is copied on ann's reminder
    told = [m for m in smtp.parsed() if "ann@" not in str(m["To"])]
    assert sorted(str(m["To"]) for m in told) == ["boss@example.org", "manager@example.org"]
    body = " ".join(told[0].get_body(("plain",)).get_content().split())
    assert "Ann Able:" in body and "expired on" in body and "overdue for 14 days" in body
    ledger = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    assert sum(1 for e in ledger if e["command"] == "remind") == 92


def test_catch_up_after_a_gap_sends_one_reminder(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    _person(cli, "ann", "Ann Able", "2026-04-30")
    assert _remind(cli, date(2026, 4, 10)).exit_code == 0  # -30 (since 03-31) was due
    assert len(smtp.messages) == 1
    # cron was down from 04-11 to 04-25: the -14 (04-16) and -7 (04-23) were missed
    assert _remind(cli, date(2026, 4, 26)).exit_code == 0
    assert len(smtp.messages) == 2
    assert "expires in 4 days" in smtp.parsed()[-1]["Subject"]
    assert _remind(cli, date(2026, 4, 27)).exit_code == 0
    assert len(smtp.messages) == 2
    log = json.loads(cli.ok("mail", "log", "--person", "ann", "--format", "json").stdout)
    assert [(e["threshold"], e["passed"]) for e in log] == [("-30", "-60"), ("-7", "-14")]
    assert all(e["about"] == "expiry:2026-04-30" and e["message_id"] for e in log)
    assert cli("mail", "log", "--kind", "fax").exit_code == 1


def test_a_new_document_resets_the_item(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    _person(cli, "ann", "Ann Able", "2026-04-30")
    _remind(cli, date(2026, 4, 1))
    assert len(smtp.messages) == 1
    cli.ok("doc", "add", "ann", "hipaa-training", "--expires", "2027-04-30")
    _remind(cli, date(2026, 4, 20))
    assert len(smtp.messages) == 1
    _remind(cli, date(2027, 3, 2))  # 60 days before the new expiry
    assert len(smtp.messages) == 2


def test_missing_documents_remind_on_appearance_then_weekly(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    cli.ok("mail", "schedule", "--missing-every", "7", "--escalate-after", "100")
    _person(cli, "bob", "Bob Blank", None)
    days = [date(2026, 3, 1) + timedelta(days=i) for i in range(22)]
    counts = []
    for d in days:
        before = len(smtp.messages)
        _remind(cli, d)
        counts.append(len(smtp.messages) - before)
    assert [d.isoformat() for d, c in zip(days, counts, strict=True) if c] == [
        "2026-03-01",
        "2026-03-08",
        "2026-03-15",
        "2026-03-22",
    ]


def test_waived_and_inactive_get_nothing(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    _person(cli, "ann", "Ann Able", None)
    _person(cli, "bob", "Bob Blank", None)
    cli.ok("person", "waive", "ann", "hipaa-training", "--reason", "on leave")
    cli.ok("person", "deactivate", "bob")
    assert _remind(cli, date(2026, 3, 3)).exit_code == 0
    assert smtp.messages == []


def test_one_message_per_person_and_plan_records_nothing(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    _person(cli, "ann", "Ann Able", "2026-03-10")
    cli.ok("person", "require", "ann", "cpr-bls")
    plan = json.loads(cli.ok("--as-of", "2026-03-02", "remind", "--format", "json").stdout)
    assert plan["sent"] == 0 and plan["channel"] is None
    assert [i["doctype"] for i in plan["due"][0]["items"]] == ["cpr-bls", "hipaa-training"]
    assert smtp.messages == []
    r = cli.ok("remind", "--send", "--format", "json", env=_on("2026-03-02"))
    assert json.loads(r.stdout)["sent"] == 1 and len(smtp.messages) == 1
    body = smtp.parsed()[0].get_body(("plain",)).get_content()
    assert "CPR / BLS certification" in body and "HIPAA privacy and security training" in body


def test_refused_recipient_exit_4_then_retried_never_twice(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    for pid in ("ann", "bob", "cy"):
        _person(cli, pid, pid.title(), "2026-04-30")
    smtp.refuse = {"bob@example.org"}
    r = cli("remind", "--send", "--format", "json", env=_on("2026-04-01"))
    assert r.exit_code == 4
    report = json.loads(r.stdout)
    assert report["sent_to"] == ["ann", "cy"] and report["failed"][0]["id"] == "bob"
    assert "450" in r.stderr and "retried" in r.stderr
    smtp.refuse = set()
    r = cli("remind", "--send", "--format", "json", env=_on("2026-04-02"))
    assert r.exit_code == 0 and json.loads(r.stdout)["sent_to"] == ["bob"]
    cli.ok("remind", "--send", env=_on("2026-04-03"))
    per_rcpt = [r for rcpts, _ in smtp.messages for r in rcpts]
    assert sorted(per_rcpt) == ["ann@example.org", "bob@example.org", "cy@example.org"]


def test_unreachable_server_fails_everything_cleanly(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    _person(cli, "ann", "Ann Able", "2026-04-30")
    cli.ok("mail", "configure", "--port", "1")
    r = cli("remind", "--send", env=_on("2026-04-01"))
    assert r.exit_code == 4 and "cannot reach the mail server" in r.stderr
    assert "next run retries" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    plan = json.loads(cli.ok("--as-of", "2026-04-01", "remind", "--format", "json").stdout)
    assert len(plan["due"]) == 1  # nothing was recorded


def test_nothing_due_never_contacts_the_server(cli: Cli, smtp: Any) -> None:
    """A daily cron run with nothing to send succeeds even while the server is down."""
    configure_mail(cli, smtp)
    _person(cli, "ann", "Ann Able", "2027-04-30")
    cli.ok("mail", "configure", "--port", "1")
    r = cli("remind", "--send", env=_on("2026-04-01"))
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == ""


@pytest.mark.slow
def test_two_concurrent_runs_deliver_each_reminder_exactly_once(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    rows = "\n".join(f"p{i:02d},Person {i},p{i:02d}@example.org,office-staff,," for i in range(25))
    staff = cli.tmp / "staff.csv"
    staff.write_text("id,name,email,policies,title,start\n" + rows + "\n")
    cli.ok("person", "import", str(staff))
    from tests.conftest import CTCM_BIN

    env = {
        "CTCM_VAULT": str(cli.vault),
        "CTCM_IDENTITY_FILE": str(cli.identity),
        "CTCM_RUNTIME_DIR": str(cli.tmp / "run"),
        "CTCM_STATE_DIR": str(cli.tmp / "state"),
        "CTCM_LOCK_TIMEOUT": "120",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "PATH": "/usr/bin:/bin",
    }
    procs = [
        subprocess.Popen(
            [str(CTCM_BIN), "remind", "--send"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    per_rcpt = sorted(r for rcpts, _ in smtp.messages for r in rcpts)
    assert per_rcpt == sorted(f"p{i:02d}@example.org" for i in range(25))


def test_status_notice_shows_only_own_lights(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp, "--instructions", "Upload it at the front desk.")
    _person(cli, "ann", "Ann Able", "2026-03-20")
    _person(cli, "bob", "Bob Blank", None, doctype="cpr-bls")
    cli.ok("notify", "status", "--all", "--send", env=_on("2026-03-02"))
    msgs = {m["To"].addresses[0].addr_spec: m for m in smtp.parsed()}
    assert set(msgs) == {"ann@example.org", "bob@example.org"}
    ann = msgs["ann@example.org"].get_body(("plain",)).get_content()
    assert (
        "Ann Able" in ann
        and "expires on 20 March, in 18 days" in ann
        and "Coming up for renewal:" in ann
        and "send it" not in ann
        and "Upload it at the front desk." in ann
    )
    assert "Bob" not in ann and "CPR" not in ann
    bob = msgs["bob@example.org"].as_string()
    assert "Ann" not in bob and "HIPAA" not in bob
    # once per person per month: a second run skips ann (it sent twice before), --again sends
    r = cli.ok("notify", "status", "--all", "--send", env=_on("2026-03-20"))
    assert len(smtp.messages) == 2 and r.stdout == ""  # both had theirs: quiet
    out = cli.tmp / "out"
    cli.ok("--as-of", "2026-03-02", "notify", "status", "ann", "--out", str(out), "--again")
    assert len(list(out.glob("*.eml"))) == 1
    cli.ok("notify", "status", "--all", "--send", env=_on("2026-04-01"))  # a new month
    assert len(smtp.messages) == 4
    assert cli("notify", "status", "--send").exit_code == 1


def test_digest_once_per_month_per_admin(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    _person(cli, "ann", "Ann Able", "2026-03-20")
    _person(cli, "bob", "Bob Blank", None)
    cli.ok("digest", "--send", env=_on("2026-03-02"))
    assert sorted(r for rcpts, _ in smtp.messages for r in rcpts) == [
        "boss@example.org",
        "manager@example.org",
    ]
    r = cli.ok("digest", "--send", env=_on("2026-03-28"))
    assert r.stdout == "" and len(smtp.messages) == 2
    cli.ok("digest", "--send", "--force", env=_on("2026-03-28"))
    assert len(smtp.messages) == 4
    cli.ok("digest", "--send", env=_on("2026-04-01"))
    assert len(smtp.messages) == 6
    body = smtp.parsed()[0].get_body(("plain",)).get_content()
    assert "People needing attention" in body and "Bob Blank | RED" in body
    assert "Expiring in the next 60 days" in body and "2026-03-20 | Ann Able" in body


def test_no_phi_or_identifiers_in_any_message(cli: Cli, smtp: Any, tmp_path: Path) -> None:
    configure_mail(cli, smtp)
    _person(cli, "ann", "Ann Able", None)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF ATTACHMENT-CONTENT-QQQ")
    cli.ok(
        "doc",
        "add",
        "ann",
        "hipaa-training",
        "--expires",
        "2026-03-20",
        "--number",
        "LIC-SECRET-9F3K",
        "--note",
        "NOTE-PRIVATE-7Z",
        "--file",
        str(scan),
    )
    _person(cli, "bob", "Bob Blank", "2026-03-25")
    cli.ok(
        "doc", "add", "bob", "hipaa-training", "--expires", "2026-03-25", "--number", "BOB-NUM-55"
    )
    cli.ok("remind", "--send", env=_on("2026-03-02"))
    cli.ok("notify", "status", "--all", "--send", env=_on("2026-03-02"))
    cli.ok("digest", "--send", env=_on("2026-03-02"))
    assert len(smtp.messages) >= 5
    for rcpts, raw in smtp.messages:
        msg = smtp.parsed()[smtp.messages.index((rcpts, raw))]
        text = raw.decode(errors="replace") + "".join(
            part.get_content() for part in msg.walk() if part.get_content_maintype() == "text"
        )
        for secret in (
            "LIC-SECRET-9F3K",
            "NOTE-PRIVATE-7Z",
            "ATTACHMENT-CONTENT",
            "BOB-NUM-55",
            "scan.pdf",
        ):
            assert secret not in text
        if rcpts == ["ann@example.org"]:
            assert "Bob" not in text


def test_header_injection_is_impossible() -> None:
    from datetime import UTC, datetime

    from ctcm.errors import InvalidInput
    from ctcm.mail.message import build_message, parse_address

    with pytest.raises(InvalidInput):
        parse_address("Eve <eve@example.org>\r\nBcc: victim@example.org")
    with pytest.raises(ValueError):  # the header API refuses line breaks in address parts
        Address("Eve\nBcc: victim@example.org", "eve", "example.org")
    try:
        msg = build_message(
            Address("Office", "office", "example.org"),
            [Address("Eve", "eve", "example.org")],
            "Hi\r\nBcc: x@example.org",
            "t",
            "<p>h</p>",
            datetime(2026, 1, 1, tzinfo=UTC),
        )
    except ValueError:
        return
    raw = msg.as_bytes()
    assert b"\nBcc:" not in raw


def test_template_override_and_broken_template(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    _person(cli, "ann", "Ann Able", "2026-03-20")
    override = cli.vault / "templates" / "email"
    override.mkdir(parents=True)
    (override / "reminder.subject.j2").write_text("Renewal needed: {{ person.name }}\n")
    cli.ok("remind", "--send", env=_on("2026-03-02"))
    assert smtp.parsed()[0]["Subject"] == "Renewal needed: Ann Able"
    assert "All message templates render" in cli.ok("mail", "templates", "check").stderr
    (override / "status.txt.j2").write_text(
        "Hello {{ person.name }}\n{{ person.license_number }}\n"
    )
    (override / "digest.txt.j2").write_text("{% for x in %}\n")
    r = cli("mail", "templates", "check")
    assert r.exit_code == 1
    assert "status.txt.j2:2" in r.stderr and "license_number" in r.stderr
    assert "digest.txt.j2:1" in r.stderr
    r = cli("notify", "status", "ann", "--send", env=_on("2026-03-02"))
    assert r.exit_code == 1 and "status.txt.j2:2" in r.stderr and "Traceback" not in r.stderr
    (override / "status.txt.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    r = cli("notify", "status", "ann", "--send", env=_on("2026-03-02"))
    assert r.exit_code == 1 and "unsafe" in r.stderr  # the sandbox refuses


def test_doctype_reminder_schedule_override(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    cli.ok("doctype", "edit", "hipaa-training", "--remind", "3,0")
    _person(cli, "ann", "Ann Able", "2026-04-30")
    for d in range(1, 31):
        _remind(cli, date(2026, 4, d))
    assert len(smtp.messages) == 2
    r = cli("doctype", "edit", "hipaa-training", "--remind", "soon")
    assert r.exit_code == 1 and "bad reminder offset" in r.stderr
    cli.ok("doctype", "edit", "hipaa-training", "--remind", "default")


def test_rendered_emails_golden(cli: Cli, tmp_path: Path, golden) -> None:  # type: ignore[no-untyped-def]
    import email
    import email.policy

    cli.ok(
        "mail",
        "configure",
        "--from",
        "Test Practice <office@example.org>",
        "--admins",
        "boss@example.org,manager@example.org",
    )
    _person(cli, "ann", "Ann Able", "2026-03-20")
    cli.ok("person", "require", "ann", "cpr-bls")
    _person(cli, "bob", "Bob Blank", "2026-06-01")
    out = tmp_path / "out"
    cli.ok("--as-of", "2026-03-02", "remind", "--out", str(out))
    cli.ok("--as-of", "2026-03-02", "notify", "status", "ann", "--out", str(out))
    cli.ok("--as-of", "2026-03-02", "digest", "--out", str(out))
    files = sorted(out.glob("*.eml"))
    assert [f.name for f in files] == [
        "2026-03-02-reminder-ann.eml",
        "2026-03-02-status-ann.eml",
        "2026-03-digest-boss_example.org.eml",
        "2026-03-digest-manager_example.org.eml",
    ]
    for f in files[:3]:
        msg = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        kind = f.name.split("-")[3] if f.name.startswith("2026-03-02") else "digest"
        golden(
            f"email-{kind}.txt",
            f"Subject: {msg['Subject']}\n\n" + msg.get_body(("plain",)).get_content(),
        )
        golden(f"email-{kind}.html", msg.get_body(("html",)).get_content())
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"


def test_reminder_wording_golden(cli: Cli, tmp_path: Path, golden) -> None:  # type: ignore[no-untyped-def]
    """Early (60 days), due today and expired items, each worded for its state; a green item
    is never said to need attention."""
    cli.ok("mail", "configure", "--from", "Test Practice <office@example.org>")
    _person(cli, "ann", "Ann Able", "2027-03-01")  # 60 days after 2026-12-31
    cli.ok("person", "add", "cal", "--name", "Cal Cole", "--email", "cal@example.org")
    cli.ok("person", "require", "cal", "hipaa-training")
    cli.ok("person", "require", "cal", "cpr-bls")
    cli.ok("doc", "add", "cal", "hipaa-training", "--expires", "2026-12-31")
    cli.ok("doc", "add", "cal", "cpr-bls", "--expires", "2026-12-21")
    out = tmp_path / "mail"
    cli.ok("remind", "--out", str(out), env={"CTCM_TODAY": "2026-12-31"})
    texts = {}
    import email
    import email.policy

    for path in sorted(out.iterdir()):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        texts[msg["To"].addresses[0].addr_spec] = (
            f"Subject: {msg['Subject']}\n\n" + msg.get_body(("plain",)).get_content()
        )
    ann, cal = texts["ann@example.org"], texts["cal@example.org"]
    assert "coming up for renewal" in ann and "need" not in ann
    assert "expires on 1 March 2027, in 60 days." in ann and "GREEN" not in ann
    assert "expires today, 31 December. Please renew it today." in cal
    assert "expired on 21 December, 10 days ago. Renew it as soon as possible." in cal
    golden("email-reminder-early.txt", ann.replace("\r\n", "\n"))
    golden("email-reminder-today-and-expired.txt", cal.replace("\r\n", "\n"))


def test_repeats_count_from_the_last_reminder_sent(cli: Cli, smtp: Any) -> None:
    """An item first seen long after expiry gets one reminder, then the next only 7 days
    later (not at the next +7 grid day)."""
    configure_mail(cli, smtp)
    _person(cli, "ann", "Ann Able", "2025-01-01")
    sent = []
    day = date(2025, 11, 8)  # day 311 after expiry: the grid would say +308, then +315
    for _ in range(16):
        before = len(smtp.messages)
        assert _remind(cli, day).exit_code == 0
        if len(smtp.messages) > before:
            sent.append(day)
        day += timedelta(days=1)
    assert sent == [date(2025, 11, 8), date(2025, 11, 15), date(2025, 11, 22)]


def test_recipients_new_hires_and_no_admins(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp, "--admins", "Boss@example.org,boss@example.org,ann@example.org")
    # ann is staff and an admin; long expired, so escalated
    _person(cli, "ann", "Ann Able", "2026-01-01")
    # a new hire: started 10 days ago, with a missing document: no escalation for 30 days
    cli.ok(
        "person",
        "add",
        "neo",
        "--name",
        "Neo New",
        "--email",
        "neo@example.org",
        "--start",
        "2026-02-20",
    )
    cli.ok("person", "require", "neo", "hipaa-training")
    assert _remind(cli, date(2026, 3, 2)).exit_code == 0
    to = sorted(m["To"].addresses[0].addr_spec for m in smtp.parsed())
    # ann's reminder, neo's, and one escalation to Boss (once, whatever the case); none to
    # ann about herself, and nobody copied
    assert to == ["Boss@example.org", "ann@example.org", "neo@example.org"]
    assert not any(m["Cc"] for m in smtp.parsed())
    boss = next(m for m in smtp.parsed() if str(m["To"]) == "Boss@example.org")
    assert "Ann Able:" in boss.get_body(("plain",)).get_content()
    # with no admins at all, the plan says escalations have nowhere to go
    cli.ok("mail", "configure", "--admins", "")
    plan = cli.ok("remind", "--format", "json", env={"CTCM_TODAY": "2026-03-20"})
    data = json.loads(plan.stdout)
    assert all(d["escalated"] is False for d in data["due"])
    assert any("nowhere to go" in n for n in data["notes"])


def test_a_person_with_no_policy_is_a_doubt_not_fine(demo_cli: Cli, tmp_path: Path) -> None:
    import email.policy

    cli = demo_cli  # cy has no compliance policy: nothing is tracked for them
    people = json.loads(cli.ok("status", "--format", "json").stdout)["people"]
    cy = next(p for p in people if p["id"] == "cy")
    assert cy["status"] == "yellow" and cy["requirements"] == []
    assert "Nothing tracked" in cli.ok("status", "cy").stdout
    cli.ok("mail", "configure", "--admins", "boss@example.org")
    out = tmp_path / "out"
    cli.ok("notify", "status", "cy", "--out", str(out))
    cli.ok("digest", "--out", str(out))
    mails = {
        ("status" if "-status-" in f.name else "digest"): email.message_from_bytes(
            f.read_bytes(), policy=email.policy.default
        )
        for f in out.glob("*.eml")
    }
    status_body = mails["status"].get_body(("plain",)).get_content()
    assert "none are tracked for you" in status_body and "Overall: YELLOW" in status_body
    digest_body = mails["digest"].get_body(("plain",)).get_content()
    assert "Cy Young | YELLOW | nothing tracked: no compliance policy assigned" in digest_body


def test_a_schedule_with_consecutive_days_still_never_mails_two_days_running(
    cli: Cli, smtp: Any
) -> None:
    configure_mail(cli, smtp)
    cli.ok("mail", "schedule", "7,2,1,0,+7")
    _person(cli, "ann", "Ann Able", "2026-04-30")
    sent: list[date] = []
    day = date(2026, 4, 20)
    while day <= date(2026, 5, 10):
        before = len(smtp.messages)
        assert _remind(cli, day).exit_code == 0
        sent += [day] * (len(smtp.messages) - before)
        day += timedelta(days=1)
    assert sent == [date(2026, 4, 23), date(2026, 4, 28), date(2026, 4, 30), date(2026, 5, 7)]


def test_the_smtp_password_never_goes_to_another_host(cli: Cli, smtp: Any) -> None:
    """A manager pointed --host at a server of theirs and sent a test: the password went
    with it. Now a new host drops the stored password, and it is never sent elsewhere."""
    configure_mail(cli, smtp)
    cli.ok("mail", "configure", "--username", "office", "--password",
           env={"CTCM_SMTP_PASSWORD": "smtp-secret-XYZ"})  # fmt: skip
    assert json.loads(cli.ok("mail", "show", "--format", "json").stdout)["password_set"]
    r = cli.ok("mail", "configure", "--host", "localhost")
    assert "password was dropped" in r.stderr
    assert not json.loads(cli.ok("mail", "show", "--format", "json").stdout)["password_set"]
    cli.ok("mail", "configure", "--host", "127.0.0.1")  # back: still no password
    assert not json.loads(cli.ok("mail", "show", "--format", "json").stdout)["password_set"]
