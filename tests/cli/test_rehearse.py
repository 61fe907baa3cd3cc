"""Rehearsals never touch real people or real state: a 90-day rehearsal on a copy sends no SMTP
message anywhere and leaves the real vault's next cron run working; CTCM_TODAY on the real
vault refuses --send with one line."""

from __future__ import annotations

import email
import email.policy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import PASSPHRASE, Cli, configure_mail, run_ctcm


def _env(cli: Cli, vault: Path, **extra: str) -> dict[str, str]:
    return {
        "CTCM_VAULT": str(vault),
        "CTCM_IDENTITY_FILE": str(cli.identity),
        "CTCM_STATE_DIR": str(cli.tmp / "state"),  # the same machine for both
        "CTCM_RUNTIME_DIR": str(cli.tmp / "run"),
        "CTCM_NO_KEYRING": "1",
        **extra,
    }


def test_a_90_day_rehearsal_on_a_copy_sends_nothing_and_leaves_the_real_vault_working(
    demo_cli: Cli, smtp: Any, tmp_path: Path
) -> None:
    cli = demo_cli
    configure_mail(cli, smtp)
    real = cli.vault
    # the real vault has been opened on this machine (its generation is on record)
    r = run_ctcm("status", env=_env(cli, real))
    assert r.returncode == 0, r.stderr
    copy = tmp_path / "rehearsal"
    r = run_ctcm("rehearse", str(copy), env=_env(cli, real))
    assert r.returncode == 0, r.stderr
    assert "never to a server" in r.stderr
    start = date.today()
    for days in range(0, 91, 15):  # a cron run every 15 days over 90 (each one records)
        day = (start + timedelta(days=days)).isoformat()
        r = run_ctcm("remind", "--send", env=_env(cli, copy, CTCM_TODAY=day))
        assert r.returncode == 0, r.stderr
        assert "REHEARSAL" in r.stderr
    r = run_ctcm("person", "edit", "cy", "--title", "Day 90", env=_env(cli, copy, CTCM_TODAY=day))
    assert r.returncode == 0, r.stderr
    assert smtp.messages == []  # no SMTP message anywhere
    mails = sorted((copy / "rehearsal-mail").glob("*.eml"))
    assert mails, "the rehearsal's mail is in files"
    msg = email.message_from_bytes(mails[0].read_bytes(), policy=email.policy.default)
    assert msg["Subject"].startswith("[REHEARSAL] ")
    # the real vault's next cron run works, and it really sends
    r = run_ctcm("remind", "--send", env=_env(cli, real))
    assert r.returncode == 0, r.stderr
    assert "REHEARSAL" not in r.stderr and "older than" not in r.stderr
    assert smtp.messages, "the real run sent its reminders"
    r = run_ctcm("person", "edit", "cy", "--title", "Real", env=_env(cli, real))
    assert r.returncode == 0, r.stderr
    # a rehearsal copy is not copied again
    r = run_ctcm("rehearse", str(tmp_path / "again"), env=_env(cli, copy))
    assert r.returncode == 1 and "rehearsal copy already" in r.stderr


def test_ctcm_today_on_the_real_vault_never_sends(demo_cli: Cli, smtp: Any) -> None:
    cli = demo_cli
    configure_mail(cli, smtp)
    r = run_ctcm("remind", "--send", env=_env(cli, cli.vault, CTCM_TODAY="2026-06-01"))
    assert r.returncode == 1 and smtp.messages == []
    assert r.stderr.strip().splitlines() == [
        "ctcm: CTCM_TODAY is set: a rehearsal never sends real mail; rehearse on a copy "
        "(ctcm rehearse DIR), or write the messages to files with --out DIR"
    ]
    out = cli.tmp / "out"
    r = run_ctcm("remind", "--out", str(out), env=_env(cli, cli.vault, CTCM_TODAY="2026-06-01"))
    assert r.returncode == 0, r.stderr
    subjects = [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"]
        for f in out.glob("*.eml")
    ]
    assert subjects and all(s.startswith("[REHEARSAL] ") for s in subjects)


def test_the_cron_identity_recipe_works_verbatim_in_a_new_home(cli: Cli, tmp_path: Path) -> None:
    """`ctcm user add-service cron --out ~/.config/ctcm/cron.identity` in a home where
    ~/.config/ctcm does not exist yet: the folder is made (0700), the identity is 0600."""
    import stat

    home = tmp_path / "home"
    home.mkdir()
    out = home / ".config" / "ctcm" / "cron.identity"
    admin = {"CTCM_VAULT": str(cli.vault), "CTCM_USER": "alice", "CTCM_PASSPHRASE": PASSPHRASE,
             "CTCM_STATE_DIR": str(cli.tmp / "state"), "HOME": str(home)}  # fmt: skip
    r = run_ctcm("user", "add-service", "cron", "--out", str(out), env=admin)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    r = run_ctcm("status", env={"CTCM_VAULT": str(cli.vault), "CTCM_IDENTITY_FILE": str(out),
                                "CTCM_STATE_DIR": str(cli.tmp / "state")})  # fmt: skip
    assert r.returncode == 0, r.stderr


def test_an_import_dry_run_saves_no_generation(cli: Cli) -> None:
    csv_file = cli.tmp / "staff.csv"
    csv_file.write_text("id,name,email\nzed,Zed Zee,zed@example.org\n")
    before = cli.ok("backup", "list", "--format", "json").stdout
    r = cli.ok("person", "import", str(csv_file), "--dry-run")
    assert "would add 1" in r.stderr and "dry run" in r.stderr
    docs = cli.tmp / "docs.csv"
    docs.write_text("person,doctype,issued\nalice,confidentiality,2026-01-02\n")
    cli("doc", "import", str(docs), "--dry-run")
    assert cli.ok("backup", "list", "--format", "json").stdout == before  # no new generation
    assert "zed" not in cli.ok("person", "list").stdout


def test_import_errors_suggest_the_date_format_and_the_nearest_name(cli: Cli) -> None:
    bad = cli.tmp / "staff.csv"
    bad.write_text("id,name,emial\nzed,Zed Zee,zed@example.org\n")
    r = cli("person", "import", str(bad))
    assert r.exit_code == 1 and "unknown column 'emial' (did you mean 'email'?)" in r.stderr
    us = cli.tmp / "us.csv"
    us.write_text("id,name,email,start\nzed,Zed Zee,zed@example.org,03/15/2026\n")
    r = cli("person", "import", str(us))
    assert r.exit_code == 1 and "--date-format %m/%d/%Y" in r.stderr
    cli.ok("person", "import", str(us), "--date-format", "%m/%d/%Y")
    docs = cli.tmp / "docs.csv"
    docs.write_text("person,doctype,issued\nzed,confidentialty,2026-01-02\n")
    r = cli("doc", "import", str(docs))
    assert r.exit_code == 1 and "(did you mean 'confidentiality'?)" in r.stderr
    r = cli("person", "add", "amy", "--name", "Amy", "--email", "a@example.org",
            "--policy", "clinican")  # fmt: skip
    assert r.exit_code == 1 and "did you mean 'clinician'?" in r.stderr


def test_rehearse_days_runs_the_cron_recipe_and_counts_each_persons_mail(
    demo_cli: Cli, smtp: Any, tmp_path: Path
) -> None:
    """The office manager's question before turning cron on: how much mail will each person
    get? ``rehearse --days 90`` answers it on a marked copy, with a real SMTP server
    configured that never hears a thing, and the real vault's next run still works."""
    import json

    cli = demo_cli
    configure_mail(cli, smtp, "--admins", "owner@example.org")
    real = cli.vault
    copy = tmp_path / "r90"
    r = run_ctcm("rehearse", str(copy), "--days", "90", "--format", "json", env=_env(cli, real))
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert smtp.messages == []  # nothing reached a server
    assert report["mails"] == sum(report["per_job"].values()) > 0
    assert report["per_job"]["digest"] == 3  # 1 January, February, March: the one admin
    per = report["per_address"]
    assert per["owner@example.org"] <= 90  # at most one escalation message a day, and digests
    staff = {a: n for a, n in per.items() if a != "owner@example.org"}
    assert staff and max(staff.values()) <= 45  # never two days running about one item
    mails = list((copy / "rehearsal-mail").glob("*.eml"))
    bad = run_ctcm("rehearse", str(tmp_path / "r0"), "--days", "0", env=_env(cli, real))
    assert bad.returncode == 1 and not (tmp_path / "r0").exists()  # refused before any copy
    assert len(mails) == report["mails"]
    msg = email.message_from_bytes(mails[0].read_bytes(), policy=email.policy.default)
    assert str(msg["Subject"]).startswith("[REHEARSAL]") and not msg["Cc"]
    assert "REHEARSAL: " in r.stderr and "the real vault was not touched" in r.stderr
    # the real vault is where it was, and its next cron run works and sends for real
    r = run_ctcm("remind", "--send", env=_env(cli, real))
    assert r.returncode == 0, r.stderr
    assert smtp.messages and "REHEARSAL" not in str(smtp.parsed()[0]["Subject"])
