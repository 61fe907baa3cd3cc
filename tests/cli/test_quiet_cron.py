"""The office manager's cron: quiet when nothing needs attention, one line otherwise, one
backup per reminder run, and backup retention set by count and age (six years kept)."""

from __future__ import annotations

import json
from typing import Any

from tests.cli.test_outbox import _env, _staff
from tests.conftest import Cli, configure_mail, run_ctcm


def _generation(cli: Cli) -> int:
    return int(json.loads(cli.ok("audit", "head", "--format", "json").stdout)["generation"])


def _backups(cli: Cli) -> int:
    return len(json.loads(cli.ok("backup", "list", "--format", "json").stdout))


def test_cron_runs_say_nothing_when_nothing_is_due_and_one_line_otherwise(
    cli: Cli, smtp: Any
) -> None:
    configure_mail(cli, smtp)
    _staff(cli, 3)  # office staff: HIPAA training missing, so each is due a reminder
    first = run_ctcm("remind", "--send", env=_env(cli))
    assert first.returncode == 0 and first.stderr == "", first.stderr
    assert first.stdout == "3 reminder(s) delivered (smtp): p00, p01, p02.\n"
    generation, backups = _generation(cli), _backups(cli)
    for args in (
        ("remind", "--send"),
        ("notify", "status", "--all", "--send"),
        ("digest", "--send"),
        ("awareness", "send", "--send"),
    ):
        r = run_ctcm(*args, env=_env(cli))
        assert r.returncode == 0, (args, r.stderr)
        if args[0] in ("remind",):
            assert r.stdout == r.stderr == "", (args, r.stdout, r.stderr)  # nothing due
        else:
            assert len(r.stdout.splitlines()) == 1 and r.stderr == "", (args, r.stdout, r.stderr)
            again = run_ctcm(*args, env=_env(cli))  # once a month: now nothing to say
            assert again.returncode == 0 and again.stdout == again.stderr == "", args
    # a run with nothing to send saves no generation; its audit entry is still kept
    assert run_ctcm("remind", "--send", env=_env(cli)).stdout == ""
    assert _generation(cli) > generation  # the notify/digest/awareness runs saved
    before = _generation(cli)
    run_ctcm("remind", "--send", env=_env(cli))
    assert _generation(cli) == before
    audit = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    assert sum(1 for e in audit if e["command"] == "remind") >= 3
    assert _backups(cli) >= backups


def test_a_reminder_run_keeps_one_backup_however_many_it_sends(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    _staff(cli, 6)
    before = _backups(cli)
    r = run_ctcm("remind", "--send", env=_env(cli))
    assert r.returncode == 0 and len(smtp.messages) == 6, r.stderr
    assert _backups(cli) == before + 1  # the state before the run, not one per message


def test_backup_retention_by_count_and_age_never_under_six_years(cli: Cli) -> None:
    shown = json.loads(cli.ok("backup", "retention", "--format", "json").stdout)
    assert shown == {"last": 10, "days": 14, "weeks": 8, "months": 72}
    r = cli("backup", "retention", "--months", "12")
    assert r.exit_code == 1 and "at least 72" in r.stderr and "164.316" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = cli("backup", "retention", "--last", "0")
    assert r.exit_code == 1 and "--last must be between 1 and 1000" in r.stderr
    cli.ok("backup", "retention", "--last", "2", "--days", "0", "--weeks", "0")
    for i in range(5):
        cli.ok("practice", "set", "--warn-days", str(30 + i))
    kept = json.loads(cli.ok("backup", "list", "--format", "json").stdout)
    months = [b["saved_at"][:7] for b in kept]
    # the newest two (March), and January's newest: one a month is kept six years
    assert months == ["2026-03", "2026-03", "2026-01"], kept
    shown = json.loads(cli.ok("backup", "retention", "--format", "json").stdout)
    assert shown == {"last": 2, "days": 0, "weeks": 0, "months": 72}
