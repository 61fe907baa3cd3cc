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
    assert status["status"] == "yellow" and len(status["never_screened"]) == 6
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
