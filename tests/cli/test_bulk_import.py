"""CSV imports where people work in bulk (issue 31): vendors, devices, patients' requests, risk
ratings with their tasks; all or nothing, --dry-run, the same file twice changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Cli

EXAMPLES = ROOT / "examples" / "import"


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


@pytest.mark.parametrize(
    ("command", "example", "listing", "count"),
    [
        (("vendor", "import"), "vendors.csv", ("vendor", "list"), 3),
        (("device", "import"), "devices.csv", ("device", "list"), 2),
        (("request", "import"), "requests.csv", ("request", "list"), 3),
    ],
)
def test_each_template_imports_once(
    cli: Cli, command: tuple[str, ...], example: str, listing: tuple[str, ...], count: int
) -> None:
    def n() -> int:
        data = _json(cli, *listing)
        return len(data if isinstance(data, list) else data.get("vendors", data.get("devices", [])))

    before = n()
    r = cli.ok(*command, str(EXAMPLES / example), "--dry-run")
    assert f"would add {count}" in r.stderr and n() == before
    r = cli.ok(*command, str(EXAMPLES / example))
    assert f"added {count}" in r.stderr and n() == before + count
    r = cli.ok(*command, str(EXAMPLES / example))
    assert "added 0" in r.stderr and f"{count} unchanged" in r.stderr and n() == before + count


def test_imported_requests_keep_their_outcomes(cli: Cli) -> None:
    cli.ok("request", "import", str(EXAMPLES / "requests.csv"))
    by_ref = {d["patient_ref"]: d for d in _json(cli, "request", "list")}
    assert by_ref["MRN-0388"]["outcome"] == "denied"
    assert by_ref["MRN-0388"]["denial_basis"] == "the record is accurate and complete"
    assert by_ref["MRN-0412"]["closed"] == "2026-01-20"


def test_a_bad_row_imports_nothing(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "requests.csv"
    bad.write_text(
        "kind,received,patient_ref,restriction_kind,closed,outcome\n"
        "access,2026-01-05,MRN-1,,,\n"
        "restriction,2026-01-06,MRN-2,out-of-pocket,2026-01-07,denied\n"
        "access,01/07/2026,MRN-3,,,\n"
    )
    r = cli("request", "import", str(bad))
    assert r.exit_code == 1 and "nothing was imported" in r.stderr and "Traceback" not in r.stderr
    assert "row 3" in r.stderr + r.stdout and "row 4" in r.stderr + r.stdout
    assert _json(cli, "request", "list") == []
    us = tmp_path / "us.csv"
    us.write_text("kind,received,patient_ref\naccess,01/07/2026,MRN-3\n")
    cli.ok("request", "import", str(us), "--date-format", "%m/%d/%Y")
    assert _json(cli, "request", "list")[0]["received"] == "2026-01-07"


def test_risk_ratings_and_tasks_import_into_a_draft(cli: Cli) -> None:
    cli.ok("person", "add", "fnguyen", "--name", "Frank Nguyen", "--email", "f@example.org")
    cli.ok("risk", "new")
    r = cli.ok("risk", "import-ratings", "1", str(EXAMPLES / "risk-ratings.csv"))
    assert "added 2" in r.stderr
    tasks = _json(cli, "risk", "tasks")
    assert any("MFA" in json.dumps(t) for t in (tasks if isinstance(tasks, list) else [tasks]))
    again = cli.ok("risk", "import-ratings", "1", str(EXAMPLES / "risk-ratings.csv"))
    assert "added 0" in again.stderr


def test_imports_report_in_json(cli: Cli) -> None:
    data = _json(cli, "request", "import", str(EXAMPLES / "requests.csv"), "--dry-run")
    assert data == {
        "dry_run": True,
        "added": ["access MRN-0412", "amendment MRN-0388", "restriction MRN-0571"],
        "updated": [],
        "unchanged": 0,
    }
    assert _json(cli, "request", "list") == []


@pytest.mark.parametrize(
    ("command", "text", "listing"),
    [
        (("vendor", "import"), "key,name,service,phi,baa_signed\nfax,Fax,fax,yes,2026-01-01\n"
         "bad key!,X,y,maybe,yesterday\n", ("vendor", "list")),
        (("device", "import"), "key,type,encrypted\nlaptop-1,laptop,yes\nphone,toaster,sure\n",
         ("device", "list")),
        (("request", "import"), "kind,received,patient_ref\naccess,2026-01-05,MRN-1\n"
         "access,9999-99-99,MRN-2\n", ("request", "list")),
        (("request", "import"), "kind,received,patient_ref\naccess,2026-01-05,MRN\x00-1\n",
         ("request", "list")),
        (("vendor", "import"), "\ufeffkey,name\n\udcff,x\n", ("vendor", "list")),
        (("request", "import"), "", ("request", "list")),
        (("device", "import"), "nothing,known\n1,2\n", ("device", "list")),
    ],
)  # fmt: skip
def test_bad_import_files_say_one_line_and_import_nothing(
    cli: Cli, tmp_path: Path, command: tuple[str, ...], text: str, listing: tuple[str, ...]
) -> None:
    before = _json(cli, *listing)
    path = tmp_path / "bad.csv"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    r = cli(*command, str(path))
    assert r.exit_code in (1, 2), (r.stdout, r.stderr)
    # one line; an all-or-nothing file lists its bad rows above it, one per row
    *rows, last = r.stderr.rstrip().splitlines()
    assert last.startswith("ctcm: ") and "Traceback" not in r.stderr, r.stderr
    assert all(x.startswith("  row ") for x in rows), r.stderr
    assert _json(cli, *listing) == before


def test_bad_risk_ratings_import_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("risk", "new")
    bad = tmp_path / "ratings.csv"
    bad.write_text("scenario,likelihood,impact\nS04,high,high\nS99,extreme,high\n")
    before = cli.ok("risk", "show", "1", "--format", "json").stdout
    r = cli("risk", "import-ratings", "1", str(bad))
    assert r.exit_code == 1 and "nothing was imported" in r.stderr and "Traceback" not in r.stderr
    assert cli.ok("risk", "show", "1", "--format", "json").stdout == before
    r = cli("risk", "import-ratings", "7", str(EXAMPLES / "risk-ratings.csv"))
    assert r.exit_code == 1 and r.stderr == "ctcm: unknown assessment 7 (see 'ctcm risk list')\n"


def test_the_trail_names_each_import_file_by_its_hash(cli: Cli, tmp_path: Path) -> None:
    """Exactly once: the file's SHA-256 is in the same commit as what it added; the same file
    again adds nothing and says so in one line."""
    import hashlib

    path = EXAMPLES / "vendors.csv"
    digest = hashlib.sha256(path.read_text(encoding="utf-8-sig").encode()).hexdigest()[:16]
    cli.ok("vendor", "import", str(path))
    trail = json.dumps(json.loads(cli.ok("audit", "list", "--format", "json").stdout))
    assert f"sha256:{digest}" in trail
    again = cli.ok("vendor", "import", str(path))
    assert "added 0" in again.stderr and len(_json(cli, "vendor", "list")) == 3
    people = tmp_path / "people.csv"
    people.write_text("id,name,email\nzed,Zed Z,z@example.org\n")
    cli.ok("person", "import", str(people))
    cli.ok("person", "import", str(people))
    digest = hashlib.sha256(people.read_bytes()).hexdigest()[:16]
    trail = json.dumps(json.loads(cli.ok("audit", "list", "--format", "json").stdout))
    assert f"sha256:{digest}" in trail
    assert [p["id"] for p in _json(cli, "person", "list")].count("zed") == 1
