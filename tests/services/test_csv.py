"""CSV import/export: all or nothing, row numbers, idempotent, formula-safe round trip."""

from __future__ import annotations

import json
from pathlib import Path

from ctcm.render.formats import neutralise
from tests.conftest import Cli

PEOPLE = """id,name,email,policies,title,start
ada,Ada Lovelace,ada@example.org,clinician;prescriber,Psychiatrist,2024-01-02
bob,Bob Stone,bob@example.org,office-staff,,
"""


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def _people(cli: Cli) -> dict[str, dict[str, object]]:
    return {
        p["id"]: p
        for p in json.loads(cli.ok("person", "list", "--inactive", "--format", "json").stdout)
    }


def test_people_import_is_idempotent_and_updates(cli: Cli, tmp_path: Path) -> None:
    f = _write(tmp_path, "staff.csv", PEOPLE)
    r = cli.ok("person", "import", str(f))
    assert "added 2 people, updated 0, 0 unchanged" in r.stderr
    assert _people(cli)["ada"]["policies"] == ["clinician", "prescriber"]
    generation_before = cli.ok("audit", "verify").stderr
    r = cli.ok("person", "import", str(f))
    assert "added 0 people, updated 0, 2 unchanged" in r.stderr
    assert generation_before
    f2 = _write(tmp_path, "staff2.csv", PEOPLE.replace("Bob Stone", "Robert Stone"))
    r = cli.ok("person", "import", str(f2), "--dry-run")
    assert "would update 1" in r.stderr and _people(cli)["bob"]["name"] == "Bob Stone"
    cli.ok("person", "import", str(f2))
    assert _people(cli)["bob"]["name"] == "Robert Stone"


def test_people_import_all_or_nothing_with_row_numbers(cli: Cli, tmp_path: Path) -> None:
    bad = PEOPLE + (
        "cy,Cy,not-an-email,,,\n"
        "dee,Dee,dee@example.org,nope,,\n"
        "eve,Eve,eve@example.org,,,2026-02-30\n"
        "ada,Ada again,ada2@example.org,,,\n"
    )
    r = cli("person", "import", str(_write(tmp_path, "bad.csv", bad)))
    assert r.exit_code == 1
    lines = r.stderr.rstrip().splitlines()
    assert lines[:4] == [
        "  row 4: bad email address 'not-an-email'",
        "  row 5: unknown policy 'nope' (see 'ctcm policy list')",
        "  row 6: bad start date '2026-02-30': no such day (February 2026 has 28 days)",
        "  row 7: id 'ada' appears twice in the file",
    ]
    assert lines[-1] == "ctcm: bad.csv: 4 bad row(s); nothing was imported"
    assert _people(cli) == {}


def test_csv_file_errors(cli: Cli, tmp_path: Path) -> None:
    cases = {
        "latin1.csv": ("id,name,email\nx,Jos\xe9,j@example.org\n".encode("latin-1"), "not UTF-8"),
        "extra.csv": (
            "id,name,email,shoe_size\nx,X,x@example.org,9\n",
            "unknown column 'shoe_size'",
        ),
        "missing.csv": ("id,name\nx,X\n", "missing column 'email'"),
        "empty.csv": ("", "is empty"),
        "ragged.csv": ("id,name,email\nx,X\n", "row 2: has 2 cells"),
    }
    for name, (content, expected) in cases.items():
        r = cli("person", "import", str(_write(tmp_path, name, content)))
        assert r.exit_code == 1, name
        assert expected in r.stderr, (name, r.stderr)
        assert "Traceback" not in r.stderr
    r = cli("person", "import", str(tmp_path / "nope.csv"))
    assert r.exit_code == 1 and "does not exist" in r.stderr
    assert _people(cli) == {}


def test_formula_cells_are_neutralised_and_round_trip(cli: Cli, tmp_path: Path) -> None:
    assert neutralise('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert neutralise("+1") == "'+1" and neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-2") == "'-2" and neutralise("plain") == "plain"
    cli.ok(
        "person",
        "add",
        "mal",
        "--name",
        "=cmd|' /C calc'!A0",
        "--email",
        "m@example.org",
        "--title",
        "@boss",
    )
    out = cli.ok("person", "export").stdout
    assert "'=cmd" in out and ",'@boss," in out
    # the export imports back to the same data: unchanged
    path = _write(tmp_path, "export.csv", out)
    assert "0 people, updated 0, 1 unchanged" in cli.ok("person", "import", str(path)).stderr
    assert _people(cli)["mal"]["name"] == "=cmd|' /C calc'!A0"


def test_document_import_export_round_trip(cli: Cli, tmp_path: Path) -> None:
    cli.ok("person", "import", str(_write(tmp_path, "p.csv", PEOPLE)))
    docs = (
        "person,doctype,issued,expires,number,note\n"
        "ada,state-license,2025-01-10,,LIC-1,\n"
        "ada,dea,2024-05-01,2027-05-01,AB1234563,renewed online\n"
        "bob,i9,2024-01-02,,,\n"
    )
    f = _write(tmp_path, "d.csv", docs)
    assert "added 3 documents" in cli.ok("doc", "import", str(f)).stderr
    assert "added 0 documents, updated 0, 3 unchanged" in cli.ok("doc", "import", str(f)).stderr
    exported = cli.ok("doc", "export-csv").stdout
    assert exported.splitlines()[1] == "ada,state-license,2025-01-10,2027-01-10,LIC-1,"
    assert "3 unchanged" in cli.ok("doc", "import", str(_write(tmp_path, "e.csv", exported))).stderr
    out = tmp_path / "o.csv"
    cli.ok("doc", "export-csv", "--out", str(out))
    assert out.read_text() == exported and oct(out.stat().st_mode & 0o777) == "0o600"


def test_document_import_bad_rows(cli: Cli, tmp_path: Path) -> None:
    cli.ok("person", "import", str(_write(tmp_path, "p.csv", PEOPLE)))
    docs = (
        "person,doctype,issued,expires,number,note\n"
        "ada,npi,,,,\n"
        "zed,npi,,,,\n"
        "ada,warp-drive,,,,\n"
        "ada,dea,2026-05-01,2026-01-01,,\n"
        "ada,state-license,,,,\n"
    )
    r = cli("doc", "import", str(_write(tmp_path, "d.csv", docs)))
    assert r.exit_code == 1
    assert "row 3: unknown person 'zed'" in r.stderr
    assert "row 4: unknown document type 'warp-drive'" in r.stderr
    assert "row 5: expiry 2026-01-01 is before issue 2026-05-01" in r.stderr
    assert "row 6: state-license expires: give --expires or --issued" in r.stderr
    assert json.loads(cli.ok("doc", "list", "ada", "--format", "json").stdout) == []
