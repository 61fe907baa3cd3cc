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


def _manual(cli: Cli) -> dict[str, str]:
    from tests.conftest import ROOT

    cli.ok("manual", "import", str(ROOT / "tests" / "fixtures" / "manual" / "clinic.toml"))
    out = cli.tmp / "manual-all"
    cli.ok("manual", "render", "--format", "md", "--out", str(out))
    return {f.name[:2]: " ".join(f.read_text().split()) for f in out.glob("[0-9]*.md")}


def test_the_manual_covers_patient_rights_disclosures_authorizations_and_the_notice(
    cli: Cli,
) -> None:
    pages = _manual(cli)
    rights = pages["20"]
    for needle in ("164.524(a)(2)", "164.524(a)(3)", "licensed health care professional",
                   "who took no part in the denial", "164.524(d)(2)", "164.524(c)(3)(ii)",
                   "designated record sets", "first accounting in any 12 months is free",
                   "164.528(b)(2)", "164.528(c)(1)(ii)", "164.528(a)(2)",
                   "164.526(b)(2)", "statement of disagreement"):  # fmt: skip
        assert needle in rights, needle
    uses = pages["22"]
    for needle in ("164.512(b)(1)(ii)", "164.512(c)", "told promptly unless", "164.512(d)",
                   "licensing board", "164.512(f)", "164.502(f)", "164.512(g)",
                   "164.512(k)(7)", "164.512(l)", "164.512(i)", "164.502(j)",
                   "health care power of attorney", "executor", "Marketing",
                   "sells patient information", "18 identifiers", "data use agreement",
                   "opt out", "164.508(c)(1)", "164.508(b)(4)", "164.508(b)(2)",
                   "(c)(4)"):  # fmt: skip
        assert needle in uses, needle
    notes = pages["23"]
    assert "may be combined only with another authorization for psychotherapy notes" in notes
    assert "cannot be combined with other authorizations" not in notes
    assert "42 CFR 2.31(b)" in notes
    notice = pages["19"]
    for needle in ("164.520(b)(1)", "164.520(c)(3)", "model notices", "16 February 2026",
                   "42 CFR 2.22"):  # fmt: skip
        assert needle in notice, needle
    contingency = pages["11"]
    for needle in ("tabletop", "keys and passwords that open the backups", "vendor restores",
                   "the practice's own order"):  # fmt: skip
        assert needle in contingency, needle
    assert "164.308(a)(8)" in pages["02"] and "whenever the environment" in pages["02"]
    form = pages["27"]
    for element in ("Information to be disclosed", "Who may disclose", "To whom", "Purpose",
                    "ends on", "revoke", "not condition my treatment", "redisclosed",
                    "copy of this signed form", "Signature"):  # fmt: skip
        assert element in form, element


def test_the_privacy_checklist_has_marketing_deidentification_and_fundraising(cli: Cli) -> None:
    items = {i["citation"]: i for i in _json(cli, "risk", "checklist", "--privacy")}
    assert {"164.502(a)", "164.508(a)(3)", "164.514(b)", "164.514(f)"} <= set(items)
    assert "164.508(b)(3)(ii)" in items["164.508"]["guidance"]
