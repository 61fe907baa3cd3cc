"""Exclusion screening through the real CLI: LEIE full file and supplements in the real
layout, SAM, matching by NPI and by name with date of birth (accents and hyphens too), never a
name with a different date of birth, triage, the obligation, and NPI / DEA check digits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, Cli

FILES = ROOT / "tests" / "fixtures" / "screening"


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


def _light(cli: Cli, person: str) -> tuple[str, str | None]:
    """The person's own light, and what screening says of them (None: nothing)."""
    row = next(x for x in _json(cli, "status")["people"] if x["id"] == person)
    held = [r for r in row["requirements"] if r["doctype"] == "@screening"]
    table = cli.ok("status").stdout
    line = next(x for x in table.splitlines() if x.startswith(person + " "))
    why = line.split("screening: ")[1].split(" (")[0].split(":")[0] if held else None
    assert (why is not None) == ("screening: " in line)
    return row["status"], why


def _people(cli: Cli) -> None:
    for pid, name in [("dev", "Dev Patel"), ("elena", "Elena Ramírez"), ("frank", "Frank Ng"),
                      ("sinead", "Sinead OConnor West"), ("marcus", "Marcus Abbott"),
                      ("grace", "Grace Williams")]:  # fmt: skip
        cli.ok("person", "add", pid, "--name", name, "--email", f"{pid}@example.org")


def test_import_run_triage_and_the_obligation(cli: Cli, tmp_path: Path) -> None:
    _people(cli)
    r = cli.ok("screen", "import", "leie", str(FILES / "UPDATED.csv"), "--published", "2026-02")
    assert "6 rows" in r.stderr and "SHA-256" in r.stderr
    r = cli("screen", "import", "leie", str(FILES / "UPDATED.csv"))
    assert r.exit_code == 1 and "imported already" in r.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("NAME,DOB\nX,1\n")
    r = cli("screen", "import", "leie", str(bad))
    assert r.exit_code == 1 and "not an LEIE file" in r.stderr
    # Dev's DOB differs from his namesake's: no candidate; Frank matches the NPI on the list
    cli.ok("screen", "person", "dev", "--dob", "1979-04-12")
    cli.ok("doc", "add", "frank", "npi", "--number", "1234567893")
    cli.ok("screen", "person", "sinead", "--dob", "1975-07-20")
    status = _json(cli, "status")["program"]["screening"]
    # people at work and never screened once the practice screens: RED until the run
    assert status["status"] == "red" and len(status["never_screened"]) == 6
    assert _light(cli, "grace") == ("red", "not screened at hire")
    assert status["lists_stale"] == ["no SAM list imported"]  # never "fine" on half the lists
    run = _json(cli, "screen", "run")
    found = {c["person"]: c for c in run["candidates"]}
    assert "dev" not in found  # a name with a different date of birth
    assert found["frank"]["basis"] == "npi"
    assert found["sinead"]["basis"] == "name and date of birth"  # O'CONNOR-WEST, SINEAD
    assert found["elena"]["basis"].startswith("name only")  # RAMIREZ, accent dropped
    assert found["marcus"]["basis"].startswith("name only")
    assert "grace" not in found  # not on the full file
    assert all(x["sha256"] for x in run["lists"])
    # supplements: Grace excluded, Marcus reinstated
    cli.ok("screen", "import", "leie", str(FILES / "2611EXCL.csv"))
    cli.ok("screen", "import", "leie", str(FILES / "2611REIN.csv"))
    cli.ok("screen", "import", "sam", str(FILES / "SAM_Exclusions_Public_Extract.csv"))
    second = {c["person"] for c in _json(cli, "screen", "run")["candidates"]}
    assert "grace" in second and "marcus" not in second
    status = _json(cli, "status")["program"]["screening"]
    assert status["status"] == "red" and status["open_candidates"]
    # a candidate not yet verified makes that person RED; a clear run clears the others
    assert _light(cli, "frank") == ("red", "possible match on an exclusion list")
    assert _light(cli, "dev")[1] is None
    due = [i for i in _json(cli, "due")["items"] if i["area"] == "screening"]
    assert any(i["person"] == "frank" and i["status"] == "red" for i in due)
    # triage: a note that says how, or nothing
    listed = _json(cli, "screen", "list")["candidates"]
    frank = next(c for c in listed if c["person"] == "frank" and c["resolution"] is None)
    r = cli("screen", "resolve", str(frank["id"]), "--cleared", "--note", "ok")
    assert r.exit_code == 1 and "how it was verified" in r.stderr
    cli.ok("screen", "resolve", str(frank["id"]), "--confirmed", "--note",
           "OIG online verification by SSN on 2026-03-02: same person")  # fmt: skip
    for c in _json(cli, "screen", "list")["candidates"]:
        if c["resolution"] is None:
            cli.ok("screen", "resolve", str(c["id"]), "--cleared", "--note",
                   "OIG online verification by SSN: not the same person")  # fmt: skip
    status = _json(cli, "status")["program"]["screening"]
    assert status["status"] == "red" and status["confirmed"] == ["frank"]
    assert _light(cli, "frank") == ("red", "on a federal exclusion list")
    assert _light(cli, "elena")[1] is None  # cleared
    out = tmp_path / "packet"
    cli.ok("packet", "build", "--out", str(out))
    candidates = (out / "screening" / "candidates.csv").read_text()
    assert "confirmed" in candidates and "UNRESOLVED" not in candidates
    assert "sha256" in (out / "screening" / "lists.csv").read_text()


def test_npi_and_dea_numbers_check_themselves(cli: Cli) -> None:
    cli.ok("person", "add", "ann", "--name", "Ann Able", "--email", "ann@example.org")
    cli.ok("doc", "add", "ann", "npi", "--number", "1234567893")
    for number in ("1234567890", "123456789", "NPI-40013"):
        r = cli("doc", "add", "ann", "npi", "--number", number)
        assert r.exit_code == 1 and "fails its check" in r.stderr, number
    r = cli.ok("doc", "add", "ann", "npi", "--number", "1234567890", "--force")
    docs = _json(cli, "doc", "list", "ann")
    assert any("recorded with --force" in (d.get("note") or "") for d in docs)
    cli.ok("doc", "add", "ann", "dea", "--number", "AB1234563", "--issued", "2026-01-01")
    r = cli("doc", "add", "ann", "dea", "--number", "AB1234567", "--issued", "2026-01-01")
    assert r.exit_code == 1 and "DEA number" in r.stderr


def test_a_list_older_than_last_months_is_stale(cli: Cli) -> None:
    cli.ok("person", "add", "ann", "--name", "Ann Able", "--email", "ann@example.org")
    cli.ok("screen", "import", "leie", str(FILES / "UPDATED.csv"), "--published", "2025-11")
    cli.ok("screen", "import", "sam", str(FILES / "SAM_Exclusions_Public_Extract.csv"),
           "--published", "2026-02")  # fmt: skip
    cli.ok("screen", "run")
    status = _json(cli, "status")["program"]["screening"]
    assert status["status"] == "yellow"
    assert status["lists_stale"] == ["the OIG LEIE list is of 2025-11: import this month's"]


def test_screening_at_hire_before_the_first_day(cli: Cli) -> None:
    """Once the practice screens, a new hire is screened before the start: YELLOW (due on the
    start date) until then, RED from it; a run of that person clears it. Never in the person's
    own reminder."""
    cli.ok("person", "add", "ann", "--name", "Ann Able", "--email", "ann@example.org")
    cli.ok("screen", "import", "leie", str(FILES / "UPDATED.csv"), "--published", "2026-02")
    cli.ok("screen", "import", "sam", str(FILES / "SAM_Exclusions_Public_Extract.csv"),
           "--published", "2026-02")  # fmt: skip
    cli.ok("screen", "run")
    assert _light(cli, "ann")[1] is None
    cli.ok("person", "add", "nora", "--name", "Nora New", "--email", "nora@example.org",
           "--start", "2026-03-09")  # fmt: skip
    assert _light(cli, "nora") == ("yellow", "to screen before the start on 2026-03-09")
    due = [i for i in _json(cli, "due")["items"] if i["area"] == "screening"]
    hire = next(i for i in due if i["person"] == "nora")
    assert hire["date"] == "2026-03-09" and hire["status"] == "yellow"
    cli.ok("mail", "configure", "--admins", "boss@example.org")
    plan = cli.ok("remind", "--format", "json").stdout
    assert "screening" not in plan.lower()
    cli.ok("person", "add", "olly", "--name", "Olly Old", "--email", "olly@example.org",
           "--start", "2026-02-23")  # fmt: skip
    assert _light(cli, "olly") == ("red", "not screened at hire")
    cli.ok("screen", "run", "olly")
    assert _light(cli, "olly")[1] is None


def test_vendors_screened_by_business_name(cli: Cli) -> None:
    """``screen run --vendors``: a vendor whose business name (without its legal form) is a
    listed business's is a candidate, shown by vendor; resolving it clears it."""
    cli.ok("screen", "import", "leie", str(FILES / "UPDATED.csv"), "--published", "2026-02")
    cli.ok("screen", "import", "sam", str(FILES / "SAM_Exclusions_Public_Extract.csv"),
           "--published", "2026-02")  # fmt: skip
    for key, name in [("acme", "Acme Home Care, L.L.C."), ("shady", "The Shady Billing Inc."),
                      ("acmedental", "Acme Dental")]:  # fmt: skip
        cli.ok("vendor", "add", key, "--name", name, "--service", "x", "--phi", "yes",
               "--baa-signed", "2026-01-10")  # fmt: skip
    plain = _json(cli, "screen", "run")
    assert plain["candidates"] == [] and plain["vendors"] == 0
    run = _json(cli, "screen", "run", "--vendors")
    assert run["vendors"] == 3
    found = {c["person"]: c for c in run["candidates"]}
    assert set(found) == {"vendor:acme", "vendor:shady"}
    assert all(c["basis"] == "business name: verify" for c in found.values())
    section = _json(cli, "status")["program"]["screening"]
    assert section["status"] == "red"
    assert {c["person"] for c in section["open_candidates"]} == {"vendor:acme", "vendor:shady"}
    due = [i for i in _json(cli, "due")["items"] if i["area"] == "screening"]
    assert any("(vendor acme)" in i["what"] and i["person"] is None for i in due)
    lines = cli.ok("status").stdout
    assert "candidate" in lines and "for vendor shady" in lines
    for c in found.values():
        cli.ok("screen", "resolve", str(c["id"]), "--cleared", "--note",
               "SAM entity lookup by UEI: a different business")  # fmt: skip
    assert _json(cli, "status")["program"]["screening"]["open_candidates"] == []
