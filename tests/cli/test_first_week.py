"""The first week with ctcm, as the trials ran it: global options where people type them,
--as-of that previews and never records, CTCM_TODAY rehearsals that say so."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Cli, configure_mail, run_ctcm


def _env(cli: Cli) -> dict[str, str]:
    return {
        "CTCM_VAULT": str(cli.vault),
        "CTCM_IDENTITY_FILE": str(cli.identity),
        "CTCM_STATE_DIR": str(cli.tmp / "state"),
        "CTCM_RUNTIME_DIR": str(cli.tmp / "run"),
    }


def test_global_options_after_the_command(cli: Cli) -> None:
    # the trial's exact command: "No such option: --as-of"
    r = run_ctcm("status", "--as-of", "2026-12-31", "--format", "json", env=_env(cli))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["as_of"] == "2026-12-31"
    r = run_ctcm("status", "--as-of=2026-12-30", "--format", "json", env=_env(cli))
    assert json.loads(r.stdout)["as_of"] == "2026-12-30"
    env = {k: v for k, v in _env(cli).items() if k not in ("CTCM_VAULT", "CTCM_IDENTITY_FILE")}
    r = run_ctcm(
        "person", "list", "--vault", str(cli.vault), "--identity", str(cli.identity), env=env
    )
    assert r.returncode == 0, r.stderr
    r = run_ctcm("status", "--user", "nobody", env=_env(cli) | {"CTCM_IDENTITY_FILE": ""})
    assert r.returncode == 1 and "no user 'nobody'" in r.stderr


def test_as_of_previews_and_never_records(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    cli.ok("person", "add", "ann", "--name", "Ann Able", "--email", "ann@example.org")
    cli.ok("person", "require", "ann", "hipaa-training")
    r = cli("--as-of", "2026-12-24", "remind", "--send")
    assert r.exit_code == 2 and "--as-of only previews and cannot send" in r.stderr
    assert smtp.messages == []
    out = cli.tmp / "preview"
    r = cli.ok("remind", "--out", str(out), "--as-of", "2026-12-24")
    assert "written as a preview of 2026-12-24" in r.stderr and "nothing recorded" in r.stderr
    assert len(list(out.iterdir())) == 1
    log = json.loads(cli.ok("mail", "log", "--format", "json").stdout)
    assert log == []  # the real reminders of that day are still due
    plan = json.loads(cli.ok("remind", "--format", "json").stdout)
    assert [d["person"] for d in plan["due"]] == ["ann"]
    # commands that record refuse --as-of, with a usage exit code
    r = cli(
        "person", "add", "bo", "--name", "Bo", "--email", "bo@example.org", "--as-of", "2026-12-24"
    )
    assert r.exit_code == 2 and "--as-of only previews" in r.stderr and "CTCM_TODAY" in r.stderr
    r = cli("--as-of", "2026-12-24", "digest", "--send")
    assert r.exit_code == 2


def test_a_ctcm_today_rehearsal_records_and_says_so(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    cli.ok("person", "add", "ann", "--name", "Ann Able", "--email", "ann@example.org")
    cli.ok("person", "require", "ann", "hipaa-training")
    # on a real vault a CTCM_TODAY rehearsal never sends: one line, nothing recorded
    r = cli("remind", "--send", env={"CTCM_TODAY": "2026-12-24"}, rehearse=True)
    assert r.exit_code == 1 and "a rehearsal never sends real mail" in r.stderr
    assert smtp.messages == []
    out = cli.tmp / "out"
    r = cli.ok("remind", "--out", str(out), env={"CTCM_TODAY": "2026-12-24"}, rehearse=True)
    assert r.stdout.startswith("1 reminder(s) delivered")
    log = json.loads(cli.ok("mail", "log", "--format", "json").stdout)
    assert log and all(e["note"] == "rehearsal: CTCM_TODAY=2026-12-24" for e in log)
    assert all(e["at"].startswith("2026-12-24") for e in log)
    audit = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    remind = [e for e in audit if e["command"].startswith("remind")]
    assert remind and all("rehearsal: CTCM_TODAY=2026-12-24" in e["targets"] for e in remind)
    r = cli("status", env={"CTCM_TODAY": "24/12/2026"}, rehearse=True)
    assert r.exit_code == 2 and "CTCM_TODAY='24/12/2026' is not a date" in r.stderr


def test_due_lists_what_is_due_by_date_without_mail_settings(demo_cli: Cli) -> None:
    cli = demo_cli
    data = json.loads(
        cli.ok("--as-of", "2026-03-02", "due", "--days", "60", "--format", "json").stdout
    )
    assert data["until"] == "2026-05-01"
    dates = [i["date"] for i in data["items"]]
    assert dates == sorted(dates)
    whats = {(i["person"], i["what"].split(":")[0]) for i in data["items"]}
    # bob has a missing I-9 and cy has nothing required: one item each as due today
    assert ("bob", "Form I-9 (employment eligibility)") in whats
    assert all(i["person"] != "cy" for i in data["items"] if i["area"] == "credentials")
    assert any(
        i["area"] == "risk" and "No finalized risk analysis" in i["what"] for i in data["items"]
    )
    one = json.loads(
        cli.ok(
            "due", "--person", "ada", "--days", "400", "--as-of", "2026-03-02", "--format", "json"
        ).stdout
    )
    assert one["items"] and {i["person"] for i in one["items"]} == {"ada"}
    r = cli("due", "--person", "ghost")
    assert r.exit_code == 1 and "ghost" in r.stderr
    table = cli.ok("--as-of", "2026-03-02", "due").stdout
    assert "Due by 2026-04-01" in table and "item(s) for" in table


def test_status_yellow_selects_people_with_any_yellow_requirement(demo_cli: Cli) -> None:
    cli = demo_cli
    board = json.loads(cli.ok("--as-of", "2026-03-02", "status", "--format", "json").stdout)
    has_yellow = {
        p["id"] for p in board["people"] if any(r["status"] == "yellow" for r in p["requirements"])
    }
    shown = json.loads(
        cli.ok("--as-of", "2026-03-02", "status", "--yellow", "--format", "json").stdout
    )
    assert {p["id"] for p in shown["people"]} == has_yellow
    assert has_yellow, "the fixture should have someone with a yellow requirement"


def test_digest_and_status_files_need_no_sender(demo_cli: Cli) -> None:
    cli = demo_cli
    out = cli.tmp / "mail"
    r = cli.ok("notify", "status", "ada", "--out", str(out))
    assert r.stdout.startswith("1 status message(s) delivered (file)")
    cli.ok("mail", "configure", "--admins", "boss@example.org")
    cli.ok("digest", "--out", str(out))
    assert len(list(out.iterdir())) == 2
    r = cli("digest", "--send")
    assert r.exit_code == 1 and "no mail server" in r.stderr


def test_forgiving_csv_semicolons_bom_crlf_trailing_columns_and_date_format(cli: Cli) -> None:
    people = cli.tmp / "staff.csv"
    people.write_bytes(
        "\ufeffid;name;email;policies;title;start;;\r\n"
        "mlopez;Maria Lopez;maria@example.org;clinician;Therapist;03/15/2026;;\r\n"
        "tkim;Tom Kim;tom@example.org;;;;;\r\n".encode()
    )
    r = cli("person", "import", str(people))
    assert r.exit_code == 1 and "expected YYYY-MM-DD" in r.stderr  # US dates need the format
    cli.ok("person", "import", str(people), "--date-format", "%m/%d/%Y")
    shown = json.loads(cli.ok("person", "show", "mlopez", "--format", "json").stdout)
    assert shown["start"] == "2026-03-15" and shown["policies"] == ["clinician"]
    docs = cli.tmp / "docs.tsv"
    docs.write_text("person\tdoctype\tissued\texpires\nmlopez\tnpi\t2026-01-02\t\n")
    cli.ok("doc", "import", str(docs))
    r = cli("doc", "add", "mlopez", "state-license", "--issued", "2026-13-01")
    assert r.exit_code == 1 and "no month 13" in r.stderr
    r = cli("person", "import", str(people), "--date-format", "%Y")
    assert r.exit_code == 1 and "bad --date-format" in r.stderr


def test_doc_add_says_what_it_recorded_refuses_the_future_and_void(cli: Cli) -> None:
    cli.ok(
        "person",
        "add",
        "mlopez",
        "--name",
        "Maria Lopez",
        "--email",
        "m@example.org",
        "--policy",
        "clinician",
    )
    r = cli.ok("doc", "add", "mlopez", "state-license", "--issued", "2025-06-30")
    first = int(r.stdout)
    assert f"Recorded state-license for Maria Lopez, #{first}: expires 30 June 2027, GREEN." in (
        r.stderr
    )
    r = cli("doc", "add", "mlopez", "state-license", "--issued", "2026-06-30")
    assert r.exit_code == 1 and "in the future" in r.stderr and "--future" in r.stderr
    wrong = int(
        cli.ok(
            "doc",
            "add",
            "mlopez",
            "state-license",
            "--issued",
            "2026-03-01",
            "--expires",
            "2026-03-10",
        ).stdout
    )
    status = json.loads(cli.ok("status", "mlopez", "--format", "json").stdout)
    lic = next(r for r in status["requirements"] if r["doctype"] == "state-license")
    assert lic["document_id"] == wrong and lic["status"] == "yellow"
    r = cli("doc", "void", str(wrong))
    assert r.exit_code == 2  # --reason is required
    r = cli.ok("doc", "void", str(wrong), "--reason", "entered for the wrong person")
    assert "now GREEN" in r.stderr
    status = json.loads(cli.ok("status", "mlopez", "--format", "json").stdout)
    lic = next(r for r in status["requirements"] if r["doctype"] == "state-license")
    assert lic["document_id"] == first
    history = json.loads(cli.ok("doc", "list", "mlopez", "--all", "--format", "json").stdout)
    voided = next(d for d in history if d["id"] == wrong)
    assert voided["voided"] == "entered for the wrong person" and voided["in_force"] is False
    audit = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    assert any(e["command"] == "doc void" and f"document:{wrong}" in e["targets"] for e in audit)
    r = cli("doc", "void", str(wrong), "--reason", "again")
    assert r.exit_code == 1 and "voided already" in r.stderr


def test_an_unquoted_name_gets_a_hint(cli: Cli) -> None:
    r = run_ctcm(
        "person", "add", "maria", "--name", "Maria", "Ruiz", "--email", "m@x.org", env=_env(cli)
    )
    assert r.returncode == 2 and "put a value with spaces in quotes" in r.stderr


def test_sessions_of_two_vaults_side_by_side(cli: Cli, tmp_path: Any) -> None:
    from datetime import UTC, datetime

    from ctcm.clock import FixedClock
    from ctcm.environment import Environment
    from ctcm.services.creation import create_vault
    from tests.conftest import PASSPHRASE

    other = tmp_path / "client-b"
    create_vault(
        Environment(
            env={"CTCM_STATE_DIR": str(cli.tmp / "state")},
            clock=FixedClock(datetime(2026, 3, 1, tzinfo=UTC)),
            vault_path=other,
        ),
        "Client B",
        "bea",
        PASSPHRASE,
        "UTC",
        False,
    )
    a = cli.ok("unlock", env={"CTCM_PASSPHRASE": PASSPHRASE}, identity=False)
    token_a = a.stdout.strip().removeprefix("export CTCM_SESSION=")
    b = cli.ok(
        "--vault",
        str(other),
        "unlock",
        env={"CTCM_PASSPHRASE": PASSPHRASE, "CTCM_SESSION": token_a},
        identity=False,
    )
    both = b.stdout.strip().removeprefix("export CTCM_SESSION=")
    assert "," in both and both.endswith(token_a)  # unlocking B kept A's session
    for vault in (cli.vault, other):
        r = cli("--vault", str(vault), "status", env={"CTCM_SESSION": both}, identity=False)
        assert r.exit_code == 0, r.stderr
    # only B's token: A says why it is locked, and how else to open it
    only_b = both.split(",")[0]
    r = cli("status", env={"CTCM_SESSION": only_b}, identity=False)
    assert r.exit_code == 5
    assert "belongs to another vault" in r.stderr and "CTCM_IDENTITY_FILE" in r.stderr
    r = cli("status", identity=False)
    assert r.exit_code == 5 and "CTCM_PASSPHRASE_FILE" in r.stderr


def test_mail_log_reads_compactly_in_the_practice_zone(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    cli.ok("person", "add", "ann", "--name", "Ann Able", "--email", "ann@example.org")
    cli.ok("person", "require", "ann", "hipaa-training")
    cli.ok("doc", "add", "ann", "hipaa-training", "--expires", "2025-06-01")
    cli.ok("remind", "--send")  # 2026-03-02 15:00 UTC, long after expiry: many passed over
    table = cli.ok("mail", "log").stdout
    assert "2026-03-02 09:00" in table  # America/Chicago, like audit list
    assert "4 earlier (-60 to -7)" in table and "-30,-14" not in table
    data = json.loads(cli.ok("mail", "log", "--format", "json").stdout)
    assert data[0]["passed"].startswith("-60,") and data[0]["at"] == "2026-03-02T15:00:00Z"


def test_the_digest_has_column_headers_and_no_commands(demo_cli: Cli) -> None:
    cli = demo_cli
    cli.ok("mail", "configure", "--admins", "boss@example.org")
    out = cli.tmp / "digest"
    cli.ok("digest", "--out", str(out))
    import email
    import email.policy

    msg = email.message_from_bytes(next(out.iterdir()).read_bytes(), policy=email.policy.default)
    body = msg.get_body(("plain",)).get_content()
    assert "Person | Status | Why" in body and "Kind | Detail" in body
    assert "ctcm " not in body
