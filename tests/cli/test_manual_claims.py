"""A manual that says what the practice does (issue 30): where the vault shows a safeguard is
not in place (the risk analysis answers it as a gap, a PHI vendor has no BAA), the policy states
the plan instead of claiming it and `manual render` lists each contradiction; every policy
reads as sentences whatever the answers (no doubled punctuation, no lower-case sentence start,
no unfilled slot), with the fixtures' answers and with awkward ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctcm.areas.manual.facts import sentence_problems
from ctcm.areas.manual.service import questions
from tests.cli.test_manual import FIXTURES, rendered
from tests.conftest import Cli


def _problems(out: Path) -> list[str]:
    return [f"{f.name}: {p}" for f in sorted(out.iterdir()) if f.name != "index.md"
            for p in sentence_problems(f.read_text())]  # fmt: skip


@pytest.mark.parametrize("practice", ["solo.yaml", "clinic.toml"])
def test_every_policy_reads_as_sentences(cli: Cli, tmp_path: Path, practice: str) -> None:
    cli.ok("manual", "import", str(FIXTURES / practice))
    out = tmp_path / "md"
    cli.ok("manual", "render", "--format", "md", "--out", str(out))
    assert _problems(out) == []


def test_awkward_answers_still_read_as_sentences(cli: Cli, tmp_path: Path) -> None:
    """Answers pasted with a closing full stop, spaces, a lower-case start: the sentences
    around them stay whole."""
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    awkward = tmp_path / "awkward.toml"
    lines = []
    for q in questions().values():
        if q.type == "text":
            lines.append(f'{q.key} = "  doors lock and the alarm is set each night.  "')
    awkward.write_text("\n".join(lines) + "\n")
    cli.ok("manual", "import", str(awkward))
    out = tmp_path / "md"
    cli.ok("manual", "render", "--format", "md", "--out", str(out))
    assert _problems(out) == []
    text = rendered(out)
    assert "- Doors lock and the alarm is set each night." in text  # a sentence's start
    assert "night.." not in text and "night. ." not in text


def test_the_check_finds_what_reads_wrong() -> None:
    assert sentence_problems("Fine. Also fine, e.g. this.") == []
    assert sentence_problems("It is done.. Twice") and sentence_problems("Call ((303) 555-0142)")
    assert sentence_problems("Done. then more") and sentence_problems("Ask {{ who }}")
    assert sentence_problems("Reviewed by None.")


def test_the_manual_never_claims_what_the_vault_shows_is_not_in_place(
    cli: Cli, tmp_path: Path
) -> None:
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    out = tmp_path / "before"
    r = cli.ok("manual", "render", "--format", "md", "--out", str(out))
    claims = rendered(out)
    assert "at least one copy is kept away\n  from the office" in claims
    assert "Repairs to doors, locks and alarms are recorded." in claims
    assert "are not in place" not in r.stderr
    # the vault: no off-site backup, no visitor or repair records, a PHI vendor without a BAA
    cli.ok("risk", "new")
    for citation in ("164.308(a)(7)(ii)(A)", "164.310(a)(2)(iii)", "164.310(a)(2)(iv)"):
        cli.ok("risk", "answer", "1", citation, "--status", "partial", "--note", "not yet")
    cli.ok("vendor", "add", "fax", "--name", "FaxCo", "--service", "fax", "--phi", "yes")
    out = tmp_path / "after"
    r = cli.ok("manual", "render", "--format", "md", "--out", str(out))
    text = rendered(out)
    assert "kept away\n  from the office" not in text and "No copy is kept away from the" in text
    assert "Repairs to doors, locks and alarms are recorded." not in text
    assert "their visits to areas with records or equipment are recorded" not in text
    assert "Today FaxCo sees patient information without a signed BAA" in text
    assert _problems(out) == []
    said = " ".join(r.stderr.split())
    for what in ("a backup copy kept away from the office", "visitors' access recorded",
                 "repairs to doors, locks and alarms recorded", "FaxCo see(s) PHI"):  # fmt: skip
        assert what in said, what
    # the practice catches up: the claims come back
    cli.ok("vendor", "baa", "fax", "--signed", "2026-03-01")
    for citation in ("164.308(a)(7)(ii)(A)", "164.310(a)(2)(iii)", "164.310(a)(2)(iv)"):
        cli.ok("risk", "answer", "1", citation, "--status", "implemented", "--evidence", "log")
    out = tmp_path / "fixed"
    r = cli.ok("manual", "render", "--format", "md", "--out", str(out))
    fixed = rendered(out)
    assert "at least one copy is kept away\n  from the office" in fixed
    assert "Repairs to doors, locks and alarms are recorded." in fixed
    assert "without a signed BAA" not in fixed
    assert "not in place" not in r.stderr
