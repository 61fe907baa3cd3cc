"""The Breach Notification Rule as ctcm enforces it (45 CFR 164.400-414), through the real CLI:
a breach cannot be closed with a required notice missing, "not a breach" needs its facts, the
clock starts at discovery by anyone (an agent vendor included), law-enforcement delays, substitute
notice, a practice that is a business associate, the manner of notice, the letter's telephone
label and the HHS notice at the same time as the individuals'. Today is 2026-03-02."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Cli


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


def _breach(cli: Cli, discovered: str = "2026-02-20", *add: str) -> str:
    return str(
        cli.ok(
            "incident", "add", "--discovered", discovered, "--summary", "records mailed to the "
            "wrong address", *add,
        ).stdout.strip()
    )  # fmt: skip


def _due(cli: Cli, n: str) -> dict[str, str]:
    return {d["to"]: d["due"] for d in _json(cli, "incident", "show", n)["deadlines"]}


def _notify_all(cli: Cli, n: str, day: str = "2026-03-01") -> None:
    for to, extra in (("individuals", ()), ("hhs", ())):
        cli.ok("incident", "notify", n, "--to", to, "--date", day, *extra)


def test_more_than_500_affected_needs_every_state_or_a_media_decision(cli: Cli) -> None:
    n = _breach(cli)
    r = cli("incident", "assess", n, "--affected", "600")
    assert r.exit_code == 1 and "--state-counts adding up to 600 (now 0)" in r.stderr
    r = cli("incident", "assess", n, "--affected", "900", "--state-counts", "NY=400")
    assert r.exit_code == 1 and "--residence-unknown 500" in r.stderr
    assert _json(cli, "incident", "show", n)["breach"] is None  # nothing recorded
    cli.ok("incident", "assess", n, "--affected", "900", "--state-counts", "NY=400",
           "--residence-unknown", "500")  # fmt: skip
    assert "media-decision" in _due(cli, n)
    _notify_all(cli, n)
    r = cli("incident", "close", n)
    assert r.exit_code == 1 and "media-decision" in r.stderr
    r = cli("incident", "media-decision", n, "--reason", "none")
    assert r.exit_code == 1 and "why no state" in r.stderr
    cli.ok("incident", "media-decision", n, "--reason",
           "Addresses traced from the billing system: 460 in NJ, 40 in PA; no state over 500")  # fmt: skip
    cli.ok("incident", "close", n)
    # a media notice in a state settles the decision too
    m = _breach(cli)
    cli.ok("incident", "assess", m, "--affected", "700", "--residence-unknown", "700")
    _notify_all(cli, m)
    cli.ok("incident", "notify", m, "--to", "media", "--state", "NY", "--date", "2026-03-01")
    cli.ok("incident", "close", m)


def test_not_a_breach_needs_the_facts_that_make_it_so(cli: Cli) -> None:
    n = _breach(cli)
    r = cli("incident", "assess", n, "--exception", "good-faith-workforce")
    assert r.exit_code == 1 and "--who" in r.stderr and "--good-faith" in r.stderr
    r = cli("incident", "assess", n, "--exception", "good-faith-workforce", "--who", "n/a",
            "--good-faith", "see above", "--further-use", "none")  # fmt: skip
    assert r.exit_code == 1 and "says nothing about this incident" in r.stderr
    r = cli.ok("incident", "assess", n, "--exception", "good-faith-workforce",
               "--who", "Jo Park, front desk", "--good-faith",
               "opened the wrong chart while scheduling, within her duties",
               "--further-use", "closed it at once; audit log shows no other access")  # fmt: skip
    assert "not a breach" in r.stderr and "Jo Park" in r.stderr
    assert "Jo Park" in _json(cli, "incident", "show", n)["reasoning"]


def test_the_clock_starts_when_an_agent_vendor_knew(cli: Cli) -> None:
    cli.ok("vendor", "add", "billco", "--name", "BillCo", "--service", "billing", "--phi", "yes")
    r = cli("incident", "add", "--discovered", "2026-02-20", "--summary", "x y", "--vendor",
            "billco")  # fmt: skip
    assert r.exit_code == 1 and "--vendor-knew" in r.stderr and "--agent" in r.stderr
    agent = _breach(cli, "2026-02-20", "--vendor", "billco", "--vendor-knew", "2026-01-10",
                    "--agent", "yes", "--known-by", "Ana Ruiz, office manager")  # fmt: skip
    cli.ok("incident", "assess", agent, "--affected", "3")
    assert _due(cli, agent)["individuals"] == "2026-03-11"  # 60 days from the vendor's day
    shown = _json(cli, "incident", "show", agent)
    assert shown["known_by"] == "Ana Ruiz, office manager" and shown["vendor_agent"] is True
    independent = _breach(cli, "2026-02-20", "--vendor", "billco", "--vendor-knew",
                          "2026-01-10", "--agent", "no")  # fmt: skip
    cli.ok("incident", "assess", independent, "--affected", "3")
    assert _due(cli, independent)["individuals"] == "2026-04-21"
    help_text = cli.ok("incident", "add", "--help").stdout
    assert "other than the person who did it" in " ".join(help_text.split())


def test_a_law_enforcement_delay_moves_the_deadlines_and_says_why(cli: Cli) -> None:
    n = _breach(cli)
    cli.ok("incident", "assess", n, "--affected", "3")
    assert _due(cli, n)["individuals"] == "2026-04-21"
    r = cli("incident", "delay", n, "--oral", "--official", "Ruiz", "--date", "2026-02-25")
    assert r.exit_code == 1 and "agency" in r.stderr
    cli.ok("incident", "delay", n, "--oral", "--official", "Det. A. Ruiz, County Sheriff",
           "--date", "2026-02-25")  # fmt: skip
    assert _due(cli, n)["individuals"] == "2026-05-21"  # 30 days at most for an oral one
    shown = _json(cli, "incident", "show", n)
    assert "oral statement of 2026-02-25" in shown["delay"] and "164.412" in shown["delay"]
    # a written statement within the 30 days names a longer period
    cli.ok("incident", "delay", n, "--written", "--official", "Det. A. Ruiz, County Sheriff",
           "--date", "2026-03-01", "--until", "2026-05-01")  # fmt: skip
    assert _due(cli, n)["individuals"] == "2026-06-25"  # 60 days + the 65 days of delay
    why = _json(cli, "incident", "show", n)["deadlines"][0]["why"]
    assert "confirmed in writing on 2026-03-01" in why


def test_substitute_notice_for_people_who_cannot_be_reached(cli: Cli) -> None:
    few = _breach(cli)
    cli.ok("incident", "assess", few, "--affected", "40", "--unreachable", "4")
    due = _due(cli, few)
    assert "substitute" in due and "toll-free" not in due
    many = _breach(cli)
    cli.ok("incident", "assess", many, "--affected", "40", "--unreachable", "12")
    shown = _json(cli, "incident", "show", many)
    whys = {d["to"]: d["why"] for d in shown["deadlines"]}
    assert "90 days" in whys["substitute"] and "toll-free" in whys
    _notify_all(cli, many)
    for to in ("substitute", "toll-free"):
        cli.ok("incident", "notify", many, "--to", to, "--date", "2026-03-01")
    r = cli("incident", "close", many)
    assert r.exit_code == 1 and "runs 90 days, until 2026-05-30" in r.stderr
    cli.ok("incident", "close", many, env={"CTCM_TODAY": "2026-05-30"})


def test_a_practice_that_is_a_business_associate_tells_the_covered_entity(cli: Cli) -> None:
    n = _breach(cli, "2026-02-20", "--covered-entity", "Lakeside Hospital")
    cli.ok("incident", "assess", n, "--affected", "900", "--state-counts", "NY=900")
    due = _json(cli, "incident", "show", n)["deadlines"]
    assert [d["to"] for d in due] == ["covered-entity"] and due[0]["due"] == "2026-04-21"
    assert "identifying each individual" in due[0]["why"]
    cli.ok("incident", "notify", n, "--to", "covered-entity", "--date", "2026-03-01")
    cli.ok("incident", "close", n)


def test_the_manner_of_notice_to_individuals(cli: Cli) -> None:
    n = _breach(cli)
    cli.ok("incident", "assess", n, "--affected", "3")
    r = cli("incident", "notify", n, "--to", "individuals", "--date", "2026-03-01",
            "--manner", "email")  # fmt: skip
    assert r.exit_code == 1 and "agreed to electronic notice" in r.stderr
    cli.ok("incident", "notify", n, "--to", "individuals", "--date", "2026-03-01", "--manner",
           "email", "--email-agreed", "--next-of-kin", "1", "--telephone")  # fmt: skip
    notice = _json(cli, "incident", "show", n)["notices"]["individuals"]
    assert notice == {"manner": "email (agreed)", "next_of_kin": 1, "telephone": True}
    cli.ok("incident", "notify", n, "--to", "individuals", "--date", "2026-03-01")
    notice = _json(cli, "incident", "show", n)["notices"]["individuals"]
    assert notice["manner"] == "not stated"  # never a default taken for a fact


def test_the_letter_labels_an_ordinary_number_as_telephone(cli: Cli) -> None:
    n = _breach(cli)
    cli.ok("incident", "assess", n, "--affected", "3", "--nature",
           "names, dates of birth and diagnosis codes")  # fmt: skip
    cli.ok("practice", "set", "--contact-phone", "555-0100")
    letter = cli.ok("incident", "letter", n).stdout
    assert "Telephone: 555-0100" in letter and "Toll-free" not in letter
    assert "names, dates of birth and diagnosis codes" in letter  # what was involved
    cli.ok("practice", "set", "--contact-toll-free", "1-800-555-0199")
    letter = cli.ok("incident", "letter", n).stdout
    assert "Toll-free telephone: 1-800-555-0199" in letter and "Telephone: 555-0100" in letter


def test_hhs_is_told_at_the_same_time_as_the_individuals_for_500_or_more(cli: Cli) -> None:
    n = _breach(cli)
    cli.ok("incident", "assess", n, "--affected", "500", "--state-counts", "NY=500")
    assert _due(cli, n)["hhs"] == "2026-04-21"
    cli.ok("incident", "notify", n, "--to", "individuals", "--date", "2026-03-02")
    assert _due(cli, n)["hhs"] == "2026-03-02"  # contemporaneous, not the outer limit
    assert "media:NY" not in _due(cli, n)  # 500 exactly: no media notice
