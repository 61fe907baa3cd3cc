"""Primary-source verification of credentials (issue 29): doc verify, a document type that
requires it, stale and bad results, bulk import, the packet."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


def _due(cli: Cli) -> list[dict[str, Any]]:
    items = _json(cli, "due", "--days", "400")["items"]
    return [i for i in items if "Primary-source verification" in i["what"]]


@pytest.fixture
def licensed(cli: Cli) -> int:
    cli.ok("person", "add", "ann", "--name", "Ann Lee", "--email", "a@example.org")
    cli.ok("doctype", "add", "lic", "--name", "State license", "--validity-months", "24",
           "--category", "license")  # fmt: skip
    cli.ok("doc", "add", "ann", "lic", "--issued", "2025-06-01", "--number", "LIC-1")
    return int(_json(cli, "doc", "list", "ann")[0]["id"])


def test_a_type_that_needs_verification_is_yellow_until_verified(
    cli: Cli, licensed: int, tmp_path: Path
) -> None:
    assert _due(cli) == []  # no rule, nothing asked
    cli.ok("doctype", "verification", "lic", "--every-days", "365")
    [item] = _due(cli)
    assert item["status"].upper() == "YELLOW" and item["person"] == "ann"
    assert "not verified at its source" in item["what"]
    page = tmp_path / "lookup.pdf"
    page.write_bytes(b"%PDF board lookup page")
    v = _json(cli, "doc", "verify", str(licensed), "--source", "https://board.example/lookup",
              "--result", "active", "--date", "2026-02-20", "--file", str(page))  # fmt: skip
    assert v["sha256"] and v["by"] == "svc:tests"
    assert _due(cli) == []
    # a year later the verification is stale
    later = cli.ok("due", "--days", "30", "--format", "json", env={"CTCM_TODAY": "2027-03-01"})
    assert any("older than 365 days" in i["what"] for i in json.loads(later.stdout)["items"])
    # a source that says disciplined is red
    cli.ok("doc", "verify", str(licensed), "--source", "board", "--result", "disciplined",
           "--date", "2026-03-01")  # fmt: skip
    [item] = _due(cli)
    assert item["status"].upper() == "RED" and "disciplined" in item["what"]
    listed = _json(cli, "doc", "verifications")
    assert [v["result"] for v in listed["verifications"]] == ["active", "disciplined"]
    out = tmp_path / "packet"
    cli.ok("packet", "build", "--out", str(out))
    rows = list(csv.DictReader(io.StringIO((out / "screening" / "verifications.csv").read_text())))
    assert [r["result"] for r in rows] == ["active", "disciplined"] and rows[0]["person"] == "ann"
    cli.ok("doctype", "verification", "lic", "--off")
    assert _due(cli) == []


def test_bulk_import_of_verification_results(cli: Cli, licensed: int, tmp_path: Path) -> None:
    cli.ok("doctype", "verification", "lic", "--every-days", "365")
    f = tmp_path / "v.csv"
    f.write_text(
        "person,doctype,source,result,date\nann,lic,https://board.example,active,02/20/2026\n"
    )
    r = cli("doc", "verify-import", str(f))
    assert r.exit_code == 1 and "nothing was imported" in r.stderr
    cli.ok("doc", "verify-import", str(f), "--date-format", "%m/%d/%Y")
    assert _due(cli) == []
    again = cli.ok("doc", "verify-import", str(f), "--date-format", "%m/%d/%Y")
    assert "1 unchanged" in again.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("doc", "verify", "999", "--source", "x", "--result", "active", "--date", "2026-03-01"),
        ("doc", "verify", "1", "--source", "x", "--result", "ok", "--date", "2026-03-01"),
        ("doc", "verify", "1", "--source", "x", "--result", "active", "--date", "2027-01-01"),
        ("doc", "verify", "1", "--source", "", "--result", "active", "--date", "2026-03-01"),
        ("doctype", "verification", "nope", "--every-days", "30"),
        ("doctype", "verification", "lic", "--every-days", "0"),
        ("doctype", "verification", "lic"),
    ],
)
def test_bad_input_one_line_nothing_recorded(
    cli: Cli, licensed: int, args: tuple[str, ...]
) -> None:
    r = cli(*args)
    assert r.exit_code in (1, 2) and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert _json(cli, "doc", "verifications")["verifications"] == []


def test_caqh_and_payer_cycles_are_reminded_and_shown(cli: Cli) -> None:
    """The starter's CAQH re-attestation (120 days) and payer recredentialing (36 months)."""
    types = {t["key"]: json.dumps(t) for t in _json(cli, "doctype", "list")}
    assert "120" in types["caqh-attestation"] and "36" in types["payer-recredentialing"]
    cli.ok("person", "add", "cy", "--name", "Cy Ray", "--email", "c@example.org")
    cli.ok("person", "require", "cy", "caqh-attestation")
    cli.ok("person", "require", "cy", "payer-recredentialing")
    cli.ok("doc", "add", "cy", "caqh-attestation", "--issued", "2025-11-15")  # due 2026-03-15
    cli.ok("doc", "add", "cy", "payer-recredentialing", "--issued", "2023-03-20")
    shown = _json(cli, "status", "cy")
    lights = {r["doctype"]: r["status"] for r in shown["requirements"]}
    assert lights["caqh-attestation"].upper() == "YELLOW"
    assert lights["payer-recredentialing"].upper() == "YELLOW"  # due 2026-03-20, within 90 days
    plan = cli.ok("remind").stdout
    assert "caqh-attestation" in plan and "payer-recredentialing" in plan
