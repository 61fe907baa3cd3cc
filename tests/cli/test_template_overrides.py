"""Template overrides are read safely (issue 28): a symlinked override (which would mail out
any file the running user can read), one open to others' writes, or an oversized one is
refused with one line; a runaway template is cut off by the sandbox."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import Cli


def _override(cli: Cli, name: str) -> Path:
    path = cli.vault / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _digest(cli: Cli, tmp_path: Path) -> object:
    cli.ok("mail", "configure", "--admins", "boss@example.org")
    return cli("digest", "--out", str(tmp_path / "out"), "--force")


def test_a_symlinked_override_is_refused_and_mails_nothing(cli: Cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    os.symlink(secret, _override(cli, "email/digest.txt.j2"))
    r = _digest(cli, tmp_path)
    assert r.exit_code == 1 and "is a symlink: refused" in r.stderr  # type: ignore[attr-defined]
    out = tmp_path / "out"
    assert not out.exists() or "TOP-SECRET" not in "".join(
        p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()
    )


@pytest.mark.parametrize("problem", ["group-writable", "oversized", "runaway", "flood"])
def test_unsafe_overrides_are_refused_with_one_line(cli: Cli, tmp_path: Path, problem: str) -> None:
    path = _override(cli, "email/digest.txt.j2")
    if problem == "group-writable":
        path.write_text("hello {{ practice }}")
        path.chmod(0o664)
        words = "can be changed by others"
    elif problem == "oversized":
        path.write_text("x" * (300 << 10))
        words = "larger than 256 KiB"
    elif problem == "runaway":
        path.write_text("{% for i in range(10**9) %}x{% endfor %}")
        words = "Range too big"
    else:  # within the sandbox's ranges, but a flood of output
        loop = "{% for j in range(99999) %}xx{% endfor %}"
        path.write_text("{% for i in range(99999) %}" + loop + "{% endfor %}")
        words = "more than 8 MiB"
    r = _digest(cli, tmp_path)
    assert r.exit_code == 1, r.stderr  # type: ignore[attr-defined]
    assert words in r.stderr and "Traceback" not in r.stderr  # type: ignore[attr-defined]
    assert len(r.stderr.strip().splitlines()) == 1  # type: ignore[attr-defined]


def test_mails_and_the_adopted_manual_say_which_templates_made_them(
    cli: Cli, tmp_path: Path
) -> None:
    """Each mail carries the digest of the email templates in effect and names the practice's
    overrides with their hashes; adopting the manual records the same in the audit trail."""
    import email
    import hashlib
    import json

    from tests.cli.test_manual import FIXTURES

    r = _digest(cli, tmp_path)
    plain = email.message_from_bytes(next((tmp_path / "out").iterdir()).read_bytes())
    shipped = plain["X-Ctcm-Templates"]
    assert shipped.startswith("templates ") and "overridden" not in shipped
    body = "Digest of {{ practice }}, with a note from the office.\n"
    path = _override(cli, "email/digest.txt.j2")
    path.write_text(body)
    path.chmod(0o600)
    r = cli("digest", "--out", str(tmp_path / "out2"), "--force")
    assert r.exit_code == 0, r.stderr
    mail = email.message_from_bytes(next((tmp_path / "out2").iterdir()).read_bytes())
    sha = hashlib.sha256(body.encode()).hexdigest()[:12]
    header = " ".join(mail["X-Ctcm-Templates"].split())
    assert f"overridden: email/digest.txt.j2 {sha}" in header
    assert header.split()[1] != shipped.split()[1]  # another set, another digest
    # the manual: adopted from an overridden policy, the trail says so
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    policy = _override(cli, "manual/08-passwords-mfa.md.j2")
    policy.write_text("# Passwords\n\n**Rule:** 45 CFR 164.308(a)(5)(ii)(D)\n\nOurs.\n")
    policy.chmod(0o600)
    cli.ok("manual", "adopt", "--effective", "2026-03-02")
    trail = json.dumps(json.loads(cli.ok("audit", "list", "--format", "json").stdout))
    assert "overridden: manual/08-passwords-mfa.md.j2" in trail
