"""A consultant's portfolio: registered practices, --practice, one row each, locked ones shown
as locked without a prompt."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ctcm.clock import FixedClock
from ctcm.environment import Environment
from ctcm.services.creation import create_vault
from tests.conftest import PASSPHRASE, Cli


def _second_vault(tmp_path: Path) -> Path:
    root = tmp_path / "second"
    env = Environment(
        env={"CTCM_STATE_DIR": str(tmp_path / "state2")},
        clock=FixedClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        vault_path=root,
    )
    create_vault(env, "Second Practice", "carol", PASSPHRASE + " two", "UTC", False)
    return root


def test_portfolio_of_two_practices_one_locked(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    config = {"CTCM_CONFIG_DIR": str(tmp_path / "config")}
    second = _second_vault(tmp_path)
    cli.ok("practice", "register", "lakeside", str(cli.vault), env=config)
    cli.ok("practice", "register", "second", str(second), env=config)
    r = cli("practice", "register", "second", str(second), env=config)
    assert r.exit_code == 1 and "registered already" in r.stderr
    r = cli("practice", "register", "ghost", str(tmp_path / "none"), env=config)
    assert r.exit_code == 1 and "no vault at" in r.stderr
    listed = json.loads(cli.ok("practice", "list", "-f", "json", env=config).stdout)
    assert [p["name"] for p in listed] == ["lakeside", "second"]
    # the tests' identity opens lakeside; second has no key at hand: locked, no prompt
    rows = json.loads(cli.ok("portfolio", "--format", "json", env=config).stdout)
    by = {r["name"]: r for r in rows}
    assert by["lakeside"]["state"] == "open"
    assert by["lakeside"]["people"] == {"red": 1, "yellow": 2, "green": 0}
    assert by["lakeside"]["program"] == "red" and by["lakeside"]["last_risk_analysis"] is None
    assert by["second"]["state"] == "locked" and by["second"]["people"]["red"] == 0
    page = cli.ok("portfolio", "--format", "html", env=config).stdout
    assert "LOCKED" in page and "state is unknown, not fine" in page
    # --practice NAME is --vault for a registered practice, anywhere on the line
    out = cli.ok("status", "--practice", "lakeside", "-f", "json", env=config).stdout
    assert json.loads(out)["summary"] == {"green": 0, "yellow": 2, "red": 1}
    r = cli("--practice", "nope", "status", env=config)
    assert r.exit_code == 1 and "no practice named 'nope'" in r.stderr
