"""The outbox: long mail runs hold the writer lock only briefly (real ctcm, real SMTP server)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import CTCM_BIN, Cli, configure_mail, real_now, rehearsal_now, run_ctcm


def _staff(cli: Cli, n: int) -> None:
    rows = "\n".join(f"p{i:02d},Person {i},p{i:02d}@example.org,office-staff,," for i in range(n))
    path = cli.tmp / "staff.csv"
    path.write_text("id,name,email,policies,title,start\n" + rows + "\n")
    cli.ok("person", "import", str(path))


def _env(cli: Cli) -> dict[str, str]:
    return {
        "CTCM_VAULT": str(cli.vault),
        "CTCM_IDENTITY_FILE": str(cli.identity),
        "CTCM_RUNTIME_DIR": str(cli.tmp / "run"),
        "CTCM_STATE_DIR": str(cli.tmp / "state"),
        "CTCM_LOCK_TIMEOUT": "3",
    }  # no CTCM_TODAY: a real vault sends mail only on its real date


def _remind(cli: Cli) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTCM_")} | _env(cli)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return subprocess.Popen(
        [str(CTCM_BIN), "remind", "--send"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def _wait_for_claims(cli: Cli, proc: subprocess.Popen[str]) -> None:
    """Until the run has claimed its messages (its first save) and released the lock."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        log = run_ctcm("mail", "log", "--format", "json", env=_env(cli))
        if '"claimed"' in log.stdout:
            return
        time.sleep(0.1)
    out, err = proc.communicate(timeout=60) if proc.poll() is not None else ("", "")
    raise AssertionError(f"the run never claimed its messages: {err} {log.stdout[:300]}")


@pytest.mark.slow
def test_reads_and_writes_go_on_while_remind_talks_to_a_slow_server(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    _staff(cli, 6)
    smtp.delay = 1.0
    proc = _remind(cli)
    _wait_for_claims(cli, proc)
    started = time.monotonic()
    r = run_ctcm("status", env=_env(cli))
    assert r.returncode == 0, r.stderr
    r = run_ctcm(
        "person", "add", "late", "--name", "Late Hire", "--email", "l@example.org", env=_env(cli)
    )
    assert r.returncode == 0, r.stderr  # the writer lock was free: no 30 s wait, no exit 75
    assert time.monotonic() - started < 4
    assert proc.poll() is None, "the slow run should still be sending"
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.startswith("6 reminder(s) delivered (smtp): p00, p01")
    assert len(smtp.messages) == 6


@pytest.mark.slow
def test_overlapping_runs_send_each_reminder_once_and_do_not_wait_for_each_other(
    cli: Cli, smtp: Any
) -> None:
    configure_mail(cli, smtp)
    _staff(cli, 8)
    smtp.delay = 0.5
    first = _remind(cli)
    _wait_for_claims(cli, first)
    started = time.monotonic()
    second = _remind(cli)
    out2, err2 = second.communicate(timeout=60)
    second_took = time.monotonic() - started
    assert second.returncode == 0, err2
    assert out2 == ""  # everything was claimed by the first run: nothing to say
    assert first.poll() is None and second_took < 3
    _, err1 = first.communicate(timeout=60)
    assert first.returncode == 0, err1
    per_rcpt = sorted(r for rcpts, _ in smtp.messages for r in rcpts)
    assert per_rcpt == sorted(f"p{i:02d}@example.org" for i in range(8))


@pytest.mark.slow
def test_a_claim_left_by_a_killed_run_is_sent_after_the_timeout(cli: Cli, smtp: Any) -> None:
    configure_mail(cli, smtp)
    _staff(cli, 3)
    smtp.delay = 30.0  # the server never gets to accept before the kill
    proc = _remind(cli)
    _wait_for_claims(cli, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    smtp.delay = 0.0
    # at once: the claims are fresh, so nothing goes twice
    cli.clock = real_now()
    r = cli("remind", "--send")
    assert r.exit_code == 0 and r.stdout == ""
    # after the timeout the items are due again and go exactly once
    cli.clock = real_now(timedelta(minutes=16))
    r = cli("remind", "--send")
    assert r.exit_code == 0 and r.stdout.startswith("3 reminder(s) delivered"), r.stderr
    assert sorted(r for rcpts, _ in smtp.messages for r in rcpts) == [
        f"p{i:02d}@example.org" for i in range(3)
    ]
    r = cli("remind", "--send")
    assert r.stdout == ""


@pytest.mark.slow
def test_a_second_host_whose_clock_runs_16_minutes_ahead_sends_nothing_twice(
    cli: Cli, smtp: Any
) -> None:
    """Found by the reliability run: overlapping cron runs on two hosts whose clocks differ by
    16 minutes delivered messages twice (the claim's stamp, from one clock, was judged by the
    other). The lease is measured by the observer's own clock from its first sighting."""
    configure_mail(cli, smtp)
    _staff(cli, 3)
    smtp.delay = 30.0
    proc = _remind(cli)
    _wait_for_claims(cli, proc)
    proc.send_signal(signal.SIGKILL)  # as good as a run still talking to a slow server
    proc.wait(timeout=10)
    smtp.delay = 0.0
    other_host = {"CTCM_STATE_DIR": str(cli.tmp / "other-host-state")}
    cli.clock = real_now(timedelta(minutes=16))  # the other host's clock runs ahead
    r = cli("remind", "--send", env=other_host)
    assert r.exit_code == 0 and r.stdout == "", (r.stdout, r.stderr)
    assert smtp.messages == []
    # 16 minutes later by that host's own clock, the claims are stale: sent once each
    cli.clock = real_now(timedelta(minutes=32))
    r = cli("remind", "--send", env=other_host)
    assert r.stdout.startswith("3 reminder(s) delivered"), (r.stdout, r.stderr)
    assert len(smtp.messages) == 3
    assert cli("remind", "--send", env=other_host).stdout == ""


def test_the_later_clock_of_these_tests_never_goes_back_at_midnight() -> None:
    """What a CTCM_TODAY process saw at 23:55 UTC, plus 16 minutes, is after it: wrapping
    "now + 16 minutes" in CTCM_TODAY again put it a day before (a claim never went stale)."""
    from datetime import UTC, datetime

    from ctcm.clock import FixedClock
    from ctcm.environment import RehearsalClock

    real = FixedClock(datetime(2026, 12, 1, 23, 55, tzinfo=UTC))
    seen = RehearsalClock(real, "2026-03-02").now()
    later = rehearsal_now("2026-03-02", timedelta(minutes=16), base=real).now()
    assert later - seen == timedelta(minutes=16)
    wrapped = RehearsalClock(FixedClock(real.now() + timedelta(minutes=16)), "2026-03-02").now()
    assert wrapped < seen  # the old way
