"""A consultant's portfolio: registered practices, --practice, one row each, locked ones shown
as locked without a prompt."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ctcm.clock import FixedClock
from ctcm.environment import Environment
from ctcm.services.creation import create_vault
from tests.conftest import PASSPHRASE, Cli, run_ctcm


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


def test_the_portfolio_triages_most_urgent_first(tmp_path: Path) -> None:
    """Through the real ctcm: the demo practice (a breach, expired credentials, an overdue
    access request) and a new one, both opened with the passphrase at hand."""
    demo_pass = "correct horse battery demo"
    base = {"CTCM_STATE_DIR": str(tmp_path / "state"), "CTCM_CONFIG_DIR": str(tmp_path / "cfg")}
    assert run_ctcm("--vault", str(tmp_path / "riverbend"), "demo", env=base).returncode == 0
    env = Environment(
        env={"CTCM_STATE_DIR": str(tmp_path / "state")},
        clock=FixedClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        vault_path=tmp_path / "second",
    )
    create_vault(env, "Second Practice", "carol", demo_pass, "UTC", False)
    env_all = base | {"CTCM_PASSPHRASE": demo_pass}

    def ok(*args: str) -> str:
        r = run_ctcm(*args, env=env_all)
        assert r.returncode == 0, r.stderr
        return r.stdout

    ok("practice", "register", "second", str(tmp_path / "second"))
    ok("practice", "register", "riverbend", str(tmp_path / "riverbend"))
    rows = json.loads(ok("portfolio", "--format", "json"))
    assert [r["name"] for r in rows] == ["riverbend", "second"]  # most red first, not by name
    assert all(r["state"] == "open" for r in rows)
    top = rows[0]["top"]
    # the breach notice deadline (weeks away, yellow) and expired credentials come first
    assert "incidents: Incident 1: notice to individuals" in top[0]
    assert all(t.startswith("RED") and "credentials" in t and "expired" in t for t in top[1:])
    # "overdue" counts every area's overdue items, not only mitigation tasks
    assert rows[0]["overdue"] > rows[0]["overdue_tasks"] >= 1
    listed = json.loads(ok("portfolio", "due", "--format", "json"))
    assert {i["practice"] for i in listed["items"]} == {"riverbend", "second"}
    assert listed["items"][0]["area"] == "incidents"
    assert "MRN-" not in json.dumps(listed)
    # the page links each client to its own dashboard page
    page = tmp_path / "out" / "portfolio.html"
    page.parent.mkdir()
    ok("portfolio", "--format", "html", "--out", str(page))
    html = page.read_text()
    assert 'href="portfolio-riverbend.html"' in html and 'href="portfolio-second.html"' in html
    assert "Riverbend" in (page.parent / "portfolio-riverbend.html").read_text()
    assert (page.parent / "portfolio-riverbend.html").stat().st_mode & 0o077 == 0
    # renaming and unregistering touch the list only
    renamed = json.loads(ok("practice", "rename", "second", "northside", "--format", "json"))
    assert renamed == {"renamed": "second", "to": "northside"}
    r = run_ctcm("practice", "rename", "northside", "riverbend", env=env_all)
    assert r.returncode == 1 and "registered already" in r.stderr
    ok("practice", "unregister", "northside")
    names = [p["name"] for p in json.loads(ok("practice", "list", "-f", "json"))]
    assert names == ["riverbend"] and (tmp_path / "second" / "vault.ctcm").exists()
    r = run_ctcm("practice", "unregister", "northside", env=env_all)
    assert r.returncode == 1 and "no practice named" in r.stderr and "Traceback" not in r.stderr


def test_the_demo_portfolio_lists_the_breach_deadline_and_the_expired_license_first(
    tmp_path: Path,
) -> None:
    """``ctcm demo --portfolio DIR``: two demo practices with a list of their own (the user's
    list untouched); the breach notice deadline and the clinician working on an expired
    license come first; a second build over it is refused."""
    own = tmp_path / "own-config"
    base = {"CTCM_STATE_DIR": str(tmp_path / "state"), "CTCM_CONFIG_DIR": str(own)}
    folder = tmp_path / "demo-portfolio"
    r = run_ctcm("demo", "--portfolio", str(folder), env=base)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[1].startswith("riverbend") and "Incident 1: notice to individuals" in lines[1]
    assert "State professional license: expired" in lines[2] and "(jlee)" in lines[2]
    assert any(x.startswith("lakeside") for x in lines[3:])
    assert not own.exists()  # the user's own practice list is not touched
    env = base | {"CTCM_CONFIG_DIR": str(folder), "CTCM_PASSPHRASE": "correct horse battery demo"}
    rows = json.loads(run_ctcm("portfolio", "--format", "json", env=env).stdout)
    assert [x["name"] for x in rows] == ["riverbend", "lakeside"]
    assert rows[1]["practice"] == "Lakeside Psychiatry" and rows[1]["state"] == "open"
    for bad in (("portfolio", "due", "--days", "-5"), ("practice", "rename", "lakeside", "a b"),
                ("portfolio", "--days", "99999999999")):  # fmt: skip
        r = run_ctcm(*bad, env=env)
        assert r.returncode == 1 and len(r.stderr.splitlines()) == 1, r.stderr
    again = run_ctcm("demo", "--portfolio", str(folder), env=base)
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
