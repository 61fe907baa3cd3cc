"""The rendered manual in a real headless browser (the system's chromium: scripts/test-deps.sh
installs Debian's)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import ROOT, Cli, system_chromium


def dom(page: Path, profile: Path) -> str:
    """The page as the browser built it, with the network closed (a self-contained page needs
    none)."""
    result = subprocess.run(
        [
            system_chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_the_manual_opens_in_a_browser(cli: Cli, tmp_path: Path) -> None:
    cli.ok("manual", "import", str(ROOT / "tests" / "fixtures" / "manual" / "clinic.toml"))
    out = tmp_path / "manual"
    cli.ok("manual", "render", "--out", str(out))
    index = dom(out / "index.html", tmp_path / "profile")
    assert "Maple Street Behavioral Health: policies and procedures manual" in index
    assert 'class="draft"' in index and "DRAFT" in index  # not adopted: said on the page
    assert index.count('<a href="') >= 26
    cli.ok("manual", "adopt")
    cli.ok("manual", "render", "--out", str(out))
    page = dom(out / "20-patient-rights.html", tmp_path / "profile")
    assert "<h1>Patients' rights" in page
    assert "Version 1, in force since 2 March 2026" in page and 'class="draft"' not in page
    assert "<strong>within 30 days</strong>" in page
    assert '<a href="index.html">Contents</a>' in page


def test_one_printable_manual_with_its_adoption_page(cli: Cli, tmp_path: Path) -> None:
    """``manual adopt --by PERSON``: the adoption page names the adopter and their actual
    role, the version, the effective date and the SHA-256, with a signature block; ``manual
    render --single`` is one document with a table of contents, every policy on its own
    printed page (print CSS), in a real browser."""
    cli.ok("manual", "import", str(ROOT / "tests" / "fixtures" / "manual" / "clinic.toml"))
    cli.ok("person", "add", "ann", "--name", "Ann Able", "--email", "a@example.org",
           "--title", "Office Manager")  # fmt: skip
    r = cli("manual", "adopt", "--by", "nobody")
    assert r.exit_code == 1 and "nobody" in r.stderr
    r = cli.ok("manual", "adopt", "--by", "ann", "--effective", "2026-03-02")
    assert "by Ann Able (Office Manager, not the designated" in r.stderr
    assert "warning: Ann Able is not the practice's designated" in r.stderr
    out = tmp_path / "print"
    cli.ok("manual", "render", "--single", "--version", "1", "--out", str(out))
    assert [f.name for f in out.iterdir()] == ["manual.html"]
    page = dom(out / "manual.html", tmp_path / "profile")
    assert page.count("<h1>") == 1  # the document's title; each policy's heading demoted
    assert page.count('<section class="policy"') == 27
    assert page.count('<li><a href="#') == 27
    assert "adopted on 2 March 2026 by Ann Able, Office Manager, not the designated" in page
    assert 'class="sign">Signature<span>' in page and "break-before: page" in page
    sha = json.loads(cli.ok("manual", "versions", "--format", "json").stdout)[0]
    assert sha["sha256"] in page and sha["adopted_by"] == "ann"
    md = tmp_path / "md"
    cli.ok("manual", "render", "--single", "--format", "md", "--out", str(md))
    text = (md / "manual.md").read_text()
    assert text.count("\n# ") == 0 and text.startswith("# ")  # one title
    assert "Not adopted" not in text  # the current answers are exactly version 1
    # the calendar's policy review names the adopter
    log = json.loads(cli.ok("log", "list", "--format", "json").stdout)
    assert any(e["kind"] == "policy-review" and e["by"] == "ann" for e in log)
