"""What the catalogs, the checklist and the manual say, against the regulation (issue 26):
intervals the rule does not set are labelled as the practice's choice, credential changes follow
events, VoIP calls are electronic transmissions, level definitions anchored on NIST SP 800-30,
the scenario citations, and the breach policy's presumption and clock."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Cli


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


def test_intervals_the_rule_does_not_set_are_the_practices_choice(cli: Cli) -> None:
    kinds = {k["key"]: k for k in _json(cli, "log", "kinds")}
    for key in ("log-review", "device-audit", "backup-restore-test", "baa-review",
                "facility-walkthrough"):  # fmt: skip
        assert "the rule sets no interval" in kinds[key]["why"], key
        assert kinds[key]["when"].startswith("suggested: FREQ="), key
    change = kinds["credential-change"]
    assert change["event"] and change["when"].startswith("after a compromise")
    assert "NIST SP 800-63B" in change["why"]
    assert "455.436" in kinds["exclusion-screening"]["why"]
    assert "after a compromise" in cli.ok("log", "kinds").stdout
    r = cli("calendar", "set", "credential-change")
    assert r.exit_code == 1 and "ctcm log add credential-change" in r.stderr
    cli.ok("calendar", "set", "credential-change", "--rrule", "FREQ=YEARLY")  # on purpose
    items = {i["citation"]: i for i in _json(cli, "risk", "checklist")}
    assert "the practice sets how soon" in items["164.308(a)(3)(ii)(C)"]["questions"][0]
    assert "in the last year" not in " ".join(items["164.308(a)(7)(ii)(D)"]["questions"])


def test_the_checklist_completes_two_specifications_and_calls_voip_electronic(cli: Cli) -> None:
    items = {i["citation"]: i for i in _json(cli, "risk", "checklist")}
    assert "testing and revision" in " ".join(items["164.310(a)(2)(iii)"]["questions"])
    assert "harmful effects" in " ".join(items["164.308(a)(6)(ii)"]["questions"])
    transmission = items["164.312(e)(1)"]["guidance"]
    assert "VoIP" in transmission and "traditional landline" in transmission
    assert "a voice call are not" not in transmission
    privacy = {i["citation"]: i for i in _json(cli, "risk", "checklist", "--privacy")}
    assert "mere conduit" in privacy["164.502(e)"]["guidance"]
    assert "164.502(e)(1)(ii)(A)" in privacy["164.502(e)"]["guidance"]


def test_level_definitions_on_both_scales_anchored_on_nist(cli: Cli) -> None:
    three = cli.ok("risk", "checklist").stdout
    assert "What the levels mean" in three and "NIST SP 800-30 Rev. 1" in three
    assert "| very high |" not in three and "includes NIST's very high" in three
    five = cli.ok("risk", "checklist", "--scale", "five").stdout
    assert "| very high |" in five and "| very low |" in five and "Table" in five
    assert cli("risk", "checklist", "--scale", "seven").exit_code == 1
    assert "What the levels mean" not in cli.ok("risk", "checklist", "--privacy").stdout


def test_scenario_citations(cli: Cli) -> None:
    scenarios = {s["id"]: s for s in _json(cli, "risk", "scenarios")}
    assert "164.502(a)" in scenarios["S41"]["citations"]
    assert "164.502(b)" not in scenarios["S41"]["citations"]
    assert {"164.404", "164.408", "164.414"} <= set(scenarios["S32"]["citations"])
    from ctcm.areas.risk.catalog import load_scenarios

    s36 = next(s for s in load_scenarios() if s.id == "S36")
    assert "agent" in " ".join(s36.mitigations)


def test_the_breach_policy_states_the_presumption_and_the_clock(cli: Cli) -> None:
    from tests.conftest import ROOT

    cli.ok("manual", "import", str(ROOT / "tests" / "fixtures" / "manual" / "clinic.toml"))
    out = cli.tmp / "manual"
    cli.ok("manual", "render", "--format", "md", "--out", str(out))
    text = " ".join(next(out.glob("25-*")).read_text().split())
    assert "that the Privacy Rule does not permit is presumed to be a breach" in text
    assert "Every incident involving patient information is presumed" not in text
    assert "other than the person who caused it" in text and "164.412" in text
    assert "State law" in text and "attorney general" in text
    assert "next of kin" in text and "90 days" in text
