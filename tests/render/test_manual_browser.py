"""The rendered manual in a real headless browser (the system's chromium: scripts/test-deps.sh
installs Debian's)."""

from __future__ import annotations

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
