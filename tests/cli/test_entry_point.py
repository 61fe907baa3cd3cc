"""The installed ``ctcm`` entry point in real subprocesses (no terminal, CI-like)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ctcm import __version__
from tests.conftest import CTCM_BIN, PASSPHRASE, ROOT, Cli, run_ctcm


def test_version_and_help() -> None:
    r = run_ctcm("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"ctcm {__version__}"
    r = run_ctcm("--help")
    assert r.returncode == 0 and "status" in r.stdout
    assert CTCM_BIN.exists()


def test_python_dash_m() -> None:
    import subprocess

    r = subprocess.run([sys.executable, "-m", "ctcm", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and __version__ in r.stdout


def test_usage_error_exit_2() -> None:
    r = run_ctcm("status", "--no-such-option")
    assert r.returncode == 2


def test_real_entry_point_against_a_vault(cli: Cli) -> None:
    env = {
        "CTCM_VAULT": str(cli.vault),
        "CTCM_IDENTITY_FILE": str(cli.identity),
        "CTCM_RUNTIME_DIR": str(cli.tmp / "run"),
    }
    r = run_ctcm(
        "person",
        "add",
        "ann",
        "--name",
        "Ann",
        "--email",
        "ann@example.org",
        "--policy",
        "office-staff",
        "--start",
        "2026-01-05",  # in effect since: as of any later date she is on the roster
        env=env,
    )
    assert r.returncode == 0, r.stderr
    r = run_ctcm("--as-of", "2026-03-02", "status", "--format", "json", env=env)
    assert json.loads(r.stdout)["summary"] == {"green": 0, "yellow": 0, "red": 1}
    r = run_ctcm("status", "--fail-on", "red", env=env)
    assert r.returncode == 3 and "ann" in r.stderr
    r = run_ctcm("status", "ghost", env=env)
    assert (
        r.returncode == 1
        and r.stderr.startswith("ctcm: unknown person")
        and "Traceback" not in r.stderr
    )


def test_locked_vault_without_terminal_exits_5_without_waiting(cli: Cli) -> None:
    r = run_ctcm("status", env={"CTCM_VAULT": str(cli.vault)}, timeout=20)
    assert r.returncode == 5 and "locked" in r.stderr


def test_wrong_passphrase_one_line_exit_1(cli: Cli) -> None:
    r = run_ctcm(
        "status", env={"CTCM_VAULT": str(cli.vault), "CTCM_PASSPHRASE": "wrong passphrase!!"}
    )
    assert r.returncode == 1
    assert r.stderr == "ctcm: wrong passphrase for user 'alice'\n"
    assert "wrong passphrase!!" not in r.stderr
    r = run_ctcm("status", env={"CTCM_VAULT": str(cli.vault), "CTCM_PASSPHRASE": PASSPHRASE})
    assert r.returncode == 0


def test_demo_builds_a_practice_with_every_light(tmp_path: Path) -> None:
    vault = tmp_path / "demo"
    r = run_ctcm("demo", "--vault", str(vault), cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    for word in ("GREEN", "YELLOW", "RED"):
        assert word in r.stdout
    r = run_ctcm(
        "--vault",
        str(vault),
        "status",
        "--format",
        "json",
        env={"CTCM_PASSPHRASE": "correct horse battery demo"},
    )
    summary = json.loads(r.stdout)["summary"]
    assert all(summary[k] > 0 for k in ("green", "yellow", "red"))
    assert sum(summary.values()) == 12
    program = json.loads(
        run_ctcm(
            "--vault",
            str(vault),
            "status",
            "--format",
            "json",
            env={"CTCM_PASSPHRASE": "correct horse battery demo"},
        ).stdout
    )["program"]
    assert program["security_officer"] == "fnguyen" and program["overdue_tasks"]
    assert {r["scenario"] for r in program["open_high_risks"]} >= {"S04", "S09"}
    # ctcm due on the demo: documents and security tasks of the month, by date, no mail needed
    r = run_ctcm(
        "due",
        "--days",
        "120",
        "--vault",
        str(vault),
        "--format",
        "json",
        env={"CTCM_PASSPHRASE": "correct horse battery demo"},
    )
    items = json.loads(r.stdout)["items"]
    assert {"credentials", "risk", "activities", "incidents", "vendors", "devices"} <= {
        i["area"] for i in items
    }
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)
    assert any("overdue" in i["what"] for i in items if i["area"] == "risk")
    r = run_ctcm("demo", "--vault", str(vault))
    assert r.returncode == 1 and "refusing to overwrite" in r.stderr
