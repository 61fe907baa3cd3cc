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
    r = cli("person", "add", "bo", "--name", "Bo", "--email", "bo@example.org",
            "--as-of", "2026-12-24")
    assert r.exit_code == 2 and "--as-of only previews" in r.stderr and "CTCM_TODAY" in r.stderr
    r = cli("--as-of", "2026-12-24", "digest", "--send")
    assert r.exit_code == 2


def test_a_ctcm_today_rehearsal_records_and_says_so(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    cli.ok("person", "add", "ann", "--name", "Ann Able", "--email", "ann@example.org")
    cli.ok("person", "require", "ann", "hipaa-training")
    r = cli.ok("remind", "--send", env={"CTCM_TODAY": "2026-12-24"})
    assert "1 reminder(s) delivered" in r.stderr
    log = json.loads(cli.ok("mail", "log", "--format", "json").stdout)
    assert log and all(e["note"] == "rehearsal: CTCM_TODAY=2026-12-24" for e in log)
    assert all(e["at"].startswith("2026-12-24") for e in log)
    audit = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    remind = [e for e in audit if e["command"].startswith("remind")]
    assert remind and all("rehearsal: CTCM_TODAY=2026-12-24" in e["targets"] for e in remind)
    r = cli("status", env={"CTCM_TODAY": "24/12/2026"})
    assert r.exit_code == 2 and "CTCM_TODAY='24/12/2026' is not a date" in r.stderr


def test_due_lists_what_is_due_by_date_without_mail_settings(demo_cli: Cli) -> None:
    cli = demo_cli
    data = json.loads(cli.ok("--as-of", "2026-03-02", "due", "--days", "60", "--format",
                             "json").stdout)
    assert data["until"] == "2026-05-01"
    dates = [i["date"] for i in data["items"]]
    assert dates == sorted(dates)
    whats = {(i["person"], i["what"].split(":")[0]) for i in data["items"]}
    # bob has a missing I-9 and cy has nothing required: one item each as due today
    assert ("bob", "Form I-9 (employment eligibility)") in whats
    assert all(i["person"] != "cy" for i in data["items"] if i["area"] == "credentials")
    assert any(i["area"] == "risk" and "No finalized risk analysis" in i["what"]
               for i in data["items"])
    one = json.loads(cli.ok("due", "--person", "ada", "--days", "400", "--as-of", "2026-03-02",
                            "--format", "json").stdout)
    assert one["items"] and {i["person"] for i in one["items"]} == {"ada"}
    r = cli("due", "--person", "ghost")
    assert r.exit_code == 1 and "ghost" in r.stderr
    table = cli.ok("--as-of", "2026-03-02", "due").stdout
    assert "Due by 2026-04-01" in table and "item(s) for" in table


def test_status_yellow_selects_people_with_any_yellow_requirement(demo_cli: Cli) -> None:
    cli = demo_cli
    board = json.loads(cli.ok("--as-of", "2026-03-02", "status", "--format", "json").stdout)
    has_yellow = {
        p["id"] for p in board["people"]
        if any(r["status"] == "yellow" for r in p["requirements"])
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
    assert "1 status message(s) delivered (file)" in r.stderr
    cli.ok("mail", "configure", "--admins", "boss@example.org")
    cli.ok("digest", "--out", str(out))
    assert len(list(out.iterdir())) == 2
    r = cli("digest", "--send")
    assert r.exit_code == 1 and "no mail server" in r.stderr
