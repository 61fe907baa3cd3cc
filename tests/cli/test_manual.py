"""The policies and procedures manual through the real CLI: answers, render, adopt, versions,
diff, acknowledgments in the lights, reminders."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, Cli

FIXTURES = ROOT / "tests" / "fixtures" / "manual"


def rendered(out: Path) -> str:
    """Every file of a rendered manual, in name order, as one text."""
    return "".join(f"==> {f.name} <==\n{f.read_text()}" for f in sorted(out.iterdir()))


@pytest.mark.parametrize("practice", ["solo.yaml", "clinic.toml"])
def test_every_template_renders_for_two_contrasting_practices(
    cli: Cli, golden, tmp_path: Path, practice: str
) -> None:  # type: ignore[no-untyped-def]
    cli.ok("manual", "import", str(FIXTURES / practice))
    assert "Every answer the manual needs is given" in cli.ok("manual", "answers").stdout
    out = tmp_path / "md"
    cli.ok("manual", "render", "--format", "md", "--out", str(out))
    files = sorted(out.iterdir())
    policies = [f for f in files if f.name != "index.md"]
    assert len(policies) >= 25
    for f in policies:
        text = f.read_text()
        assert re.search(r"^\*\*Rule:\*\* 45 CFR 164\.", text, re.M), f.name
        assert "not legal advice" in text, f.name
        assert "DRAFT" in text  # not adopted yet: every page says so
        assert "None" not in text and "[]" not in text and "True" not in text, f.name
        assert (f.stat().st_mode & 0o777) == 0o600
    golden(f"manual-{practice.split('.')[0]}.md", rendered(out))


def test_the_two_practices_read_differently(cli: Cli, tmp_path: Path) -> None:
    cli.ok("manual", "import", str(FIXTURES / "solo.yaml"))
    cli.ok("manual", "render", "--format", "md", "--out", str(tmp_path / "solo"))
    solo = (tmp_path / "solo" / "17-remote-mobile.md").read_text()
    assert "Remote work is allowed" in solo and "Personal devices are allowed" in solo
    assert "only with the practice's VPN" in solo
    assert "does not fax" in (tmp_path / "solo" / "16-encryption-transmission.md").read_text()
    assert (
        "do not keep psychotherapy notes"
        in (tmp_path / "solo" / "23-psychotherapy-notes.md").read_text()
    )
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    cli.ok("manual", "render", "--format", "md", "--out", str(tmp_path / "clinic"))
    clinic = (tmp_path / "clinic" / "16-encryption-transmission.md").read_text()
    assert "CareChart portal or Spruce" in clinic and "SRFax" in clinic
    assert (
        "coaching, written warning, suspension and termination"
        in (tmp_path / "clinic" / "03-sanctions.md").read_text()
    )


def test_a_missing_answer_is_reported_by_name_and_nothing_is_written(
    cli: Cli, tmp_path: Path
) -> None:
    answers = (FIXTURES / "clinic.toml").read_text()
    partial = tmp_path / "partial.toml"
    partial.write_text(
        "\n".join(
            line
            for line in answers.splitlines()
            if not line.startswith(("screen_lock_minutes", "telehealth_tools"))
        )
    )
    cli.ok("manual", "import", str(partial))
    out = tmp_path / "out"
    r = cli("manual", "render", "--out", str(out))
    assert r.exit_code == 1
    assert "screen_lock_minutes (Minutes of inactivity after which screens lock)" in r.stderr
    assert "telehealth_tools" in r.stderr and "2 more answer(s)" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not out.exists()
    r = cli("manual", "adopt")
    assert r.exit_code == 1 and "screen_lock_minutes" in r.stderr
    assert "No version adopted" in cli.ok("manual", "versions").stdout
    missing = json.loads(cli.ok("manual", "answers", "--missing", "--format", "json").stdout)
    assert sorted(m["key"] for m in missing) == ["screen_lock_minutes", "telehealth_tools"]


def test_bad_answers_are_refused_whole(cli: Cli, tmp_path: Path) -> None:
    for args, needle in [
        (("screen_lock_minutes", "ten"), "must be a whole number"),
        (("remote_work", "maybe"), "must be yes or no"),
        (("public_wifi", "sometimes"), "must be one of never, vpn"),
        (("no_such_question", "x"), "no manual question 'no_such_question'"),
    ]:
        r = cli("manual", "set", *args)
        assert r.exit_code == 1 and needle in r.stderr, r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('practice_name = "X"\nscreen_lock_minutes = "soon"\n')
    r = cli("manual", "import", str(bad))
    assert r.exit_code == 1 and "screen_lock_minutes" in r.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("practice_name = \n")
    r = cli("manual", "import", str(broken))
    assert r.exit_code == 1 and "not valid TOML" in r.stderr and "Traceback" not in r.stderr
    data = json.loads(cli.ok("manual", "answers", "--format", "json").stdout)
    assert all(d["answer"] is None for d in data)  # nothing half-written


def test_adopt_versions_diff_and_retention(cli: Cli) -> None:
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    out = cli.ok("manual", "adopt", "--note", "first manual").stderr
    assert "Adopted manual version 1" in out and "effective 2026-03-02" in out
    r = cli("manual", "adopt")
    assert r.exit_code == 1 and "nothing changed since version 1" in r.stderr
    cli.ok("manual", "set", "screen_lock_minutes", "5")
    r = cli("manual", "adopt", "--effective", "2026-02-01")
    assert r.exit_code == 1 and "before version 1 took effect" in r.stderr
    cli.ok("manual", "adopt", "--effective", "2026-04-01", "--note", "shorter screen lock")
    rows = json.loads(cli.ok("manual", "versions", "--format", "json").stdout)
    assert [(r["version"], r["state"]) for r in rows] == [(1, "in force"), (2, "scheduled")]
    assert rows[0]["retired_on"] == "2026-04-01" and rows[0]["keep_until"] == "2032-04-01"
    assert len(rows[0]["sha256"]) == 64 and rows[0]["sha256"] != rows[1]["sha256"]
    diff = cli.ok("manual", "diff", "1", "2").stdout
    assert "== Access control and unique user identification (06-access-control): changed" in diff
    assert "-- Screens lock after 10 minutes" in diff and "+- Screens lock after 5 minutes" in diff
    assert "25 of 27 policies unchanged." in diff
    # the draft (current answers) is version 2 exactly: no change from it
    assert "27 of 27 policies unchanged." in cli.ok("manual", "diff", "2").stdout
    # after version 2 takes effect, version 1 is retired and still listed and readable
    later = ("--as-of", "2026-05-01")
    rows = json.loads(cli.ok(*later, "manual", "versions", "--format", "json").stdout)
    assert [(r["version"], r["state"]) for r in rows] == [(1, "retired"), (2, "in force")]
    shown = cli.ok(*later, "manual", "show", "1", "--policy", "14-workstations").stdout
    assert "RETIRED on 1 April 2026" in shown and "after 10 minutes" in shown
    r = cli("manual", "show", "9")
    assert r.exit_code == 1 and "no manual version 9" in r.stderr


def test_render_labels_draft_and_adopted_and_html_is_self_contained(
    cli: Cli, tmp_path: Path
) -> None:
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    cli.ok("manual", "render", "--out", str(tmp_path / "draft"))
    assert "DRAFT, not adopted" in (tmp_path / "draft" / "index.html").read_text()
    cli.ok("manual", "adopt")
    cli.ok("manual", "render", "--out", str(tmp_path / "v1"))
    index = (tmp_path / "v1" / "index.html").read_text()
    assert "Version 1, in force since 2 March 2026" in index and "DRAFT" not in index
    for f in (tmp_path / "v1").iterdir():
        html = f.read_text()
        assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html)
    page = (tmp_path / "v1" / "08-passwords-mfa.html").read_text()
    assert "<h1>Passwords and multi-factor authentication</h1>" in page
    assert "<strong>Rule:</strong> 45 CFR 164.308(a)(5)(ii)(D)" in page
    # a changed answer makes the render a draft again
    cli.ok("manual", "set", "patch_days", "7")
    cli.ok("manual", "render", "--out", str(tmp_path / "d2"), "--format", "md")
    assert "DRAFT" in (tmp_path / "d2" / "index.md").read_text()
    cli.ok("manual", "render", "--out", str(tmp_path / "old"), "--version", "1")
    assert "Version 1, in force" in (tmp_path / "old" / "index.html").read_text()


def test_an_answer_value_cannot_inject_html(cli: Cli, tmp_path: Path) -> None:
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    cli.ok("manual", "set", "ehr_system", "<script>alert(1)</script>")
    cli.ok("manual", "render", "--out", str(tmp_path / "h"))
    html = (tmp_path / "h" / "06-access-control.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html


def _status(cli: Cli, person: str, *extra: str) -> dict:  # type: ignore[type-arg]
    return json.loads(cli.ok(*extra, "status", person, "--format", "json").stdout)


def _manual_req(doc: dict) -> dict:  # type: ignore[type-arg]
    return next(r for r in doc["requirements"] if r["doctype"] == "@manual")


def test_acknowledgment_turns_green_and_a_new_version_turns_it_yellow(demo_cli: Cli) -> None:
    cli = demo_cli
    # no manual in force: nobody owes an acknowledgment, and the program area is RED
    assert all(r["doctype"] != "@manual" for r in _status(cli, "ada")["requirements"])
    program = json.loads(cli.ok("status", "--format", "json").stdout)["program"]
    assert program["manual"]["status"] == "red"
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    cli.ok("manual", "adopt")
    req = _manual_req(_status(cli, "ada"))
    assert (req["status"], req["expires"]) == ("yellow", "2026-04-01")  # 30 days
    assert _manual_req(_status(cli, "ada", "--as-of", "2026-04-02"))["status"] == "red"
    due = json.loads(cli.ok("due", "--days", "40", "--format", "json").stdout)["items"]
    ada = [i for i in due if i["area"] == "manual" and i["person"] == "ada"]
    assert [(i["date"], i["status"]) for i in ada] == [("2026-04-01", "yellow")]
    assert "read and acknowledge by 1 April 2026" in ada[0]["what"]
    ics = cli.tmp / "cal.ics"
    cli.ok("calendar", "ics", "--out", str(ics), "--days", "60")
    assert "acknowledgment due" in ics.read_text()
    cli.ok("manual", "ack", "ada")
    req = _manual_req(_status(cli, "ada"))
    assert (req["status"], req["manual_version"], req["acknowledged"]) == ("green", 1, "2026-03-02")
    r = cli("manual", "ack", "ada")
    assert r.exit_code == 1 and "acknowledged manual version 1 on 2026-03-02" in r.stderr
    r = cli("manual", "ack", "bob", "--date", "2026-03-09")
    assert r.exit_code == 1 and "in the future" in r.stderr
    cli.ok("manual", "set", "patch_days", "7")
    cli.ok("manual", "adopt", "--note", "faster patching")
    req = _manual_req(_status(cli, "ada"))
    assert req["status"] == "yellow" and "version 2" in req["name"]
    acks = json.loads(cli.ok("manual", "acks", "--format", "json").stdout)
    assert {a["person"]: a["status"] for a in acks} == {
        "ada": "yellow",
        "bob": "yellow",
        "cy": "yellow",
    }
    # an acknowledgment of the old version stays on record
    assert (
        json.loads(cli.ok("manual", "versions", "--format", "json").stdout)[0]["acknowledgments"]
        == 1
    )


def test_who_must_acknowledge_and_by_when(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    cli.ok("manual", "adopt")
    r = cli("manual", "settings", "--who", "no-such-policy")
    assert r.exit_code == 1
    assert "clinician" in cli.ok("manual", "settings", "--who", "clinician", "--days", "10").stderr
    people = {a["person"]: a for a in json.loads(cli.ok("manual", "acks", "-f", "json").stdout)}
    assert set(people) == {"ada"} and people["ada"]["due"] == "2026-03-12"
    assert all(r["doctype"] != "@manual" for r in _status(cli, "bob")["requirements"])
    # a person who starts later has their days from their start date
    cli.ok("manual", "settings", "--who", "all")
    cli.ok(
        "person", "add", "dee", "--name", "Dee Park", "--email", "dee@example.org",
        "--start", "2026-05-01",
    )  # fmt: skip
    assert _manual_req(_status(cli, "dee"))["expires"] == "2026-05-11"


def test_acknowledgments_import_from_csv(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    cli.ok("manual", "adopt")
    sheet = tmp_path / "signoffs.csv"
    sheet.write_text("person,date\nada,2026-03-02\nbob,2026-03-02\n")
    assert "Recorded 2" in cli.ok("manual", "ack-import", str(sheet)).stderr
    assert (
        "Recorded 0 acknowledgment(s); 2 already"
        in cli.ok("manual", "ack-import", str(sheet)).stderr
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("person,date\ncy,2026-03-02\nzed,2026-03-02\n")
    r = cli("manual", "ack-import", str(bad))
    assert r.exit_code == 1 and "line 3" in r.stderr and "zed" in r.stderr
    assert _manual_req(_status(cli, "cy"))["status"] == "yellow"  # nothing half-imported


def test_no_version_in_force_means_nothing_to_acknowledge(demo_cli: Cli) -> None:
    r = demo_cli("manual", "ack", "ada")
    assert r.exit_code == 1 and "no manual version is adopted" in r.stderr
    out = demo_cli.ok("status").stdout
    assert "No policies and procedures manual in force" in out


def test_reminder_asks_to_read_the_manual_never_for_a_scan(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    cli.ok("mail", "configure", "--from", "Office <office@example.org>")
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    cli.ok("manual", "adopt")
    out = tmp_path / "mail"
    cli.ok("remind", "--out", str(out))
    import email
    import email.policy

    msg = email.message_from_bytes(
        next(out.glob("*-reminder-cy.eml")).read_bytes(), policy=email.policy.default
    )
    assert msg["Subject"].strip() == (
        "Test Practice: please read and acknowledge the policies and procedures manual"
    )
    cy = msg.get_body(("plain",)).get_content()
    assert "please read it and sign its acknowledgment by 1 April" in cy
    assert "in the shared Compliance folder" in cy and "Jordan Blake" in cy
    assert "photo or scan" not in cy and "renewed document" not in cy
    # once sent, not again the same day (the delivery ledger)
    cli.ok("remind", "--out", str(tmp_path / "mail2"))
    assert not list((tmp_path / "mail2").glob("*-reminder-cy.eml"))
    # the admins' digest names who has not acknowledged it, and the manual area
    cli.ok("mail", "configure", "--admins", "boss@example.org")
    cli.ok("digest", "--out", str(tmp_path / "digest"))
    raw = next((tmp_path / "digest").iterdir()).read_bytes()
    digest = email.message_from_bytes(raw, policy=email.policy.default)
    text = " ".join(str(digest.get_body(("plain",)).get_content()).split())
    assert (
        "Policies and procedures manual, version 1: not acknowledged yet, due by 2026-04-01" in text
    )
    assert "Manual version 1 in force since 2 March 2026: 0 of 3 acknowledged" in text


def test_configure_at_the_terminal_is_resumable(cli: Cli) -> None:
    # three answers, then the input ends (as Ctrl-D would): what was answered is kept
    r = cli("manual", "configure", interactive=True, input="\nOregon\nyes\n")
    assert r.exit_code == 0, r.stderr
    answers = {
        d["key"]: d["answer"] for d in json.loads(cli.ok("manual", "answers", "-f", "json").stdout)
    }
    assert answers["practice_name"] == "Test Practice"  # offered from the practice settings
    assert answers["state"] == "Oregon" and answers["solo"] is True
    r = cli("manual", "configure", interactive=True, input="Dr. Q, owner\n")
    assert "[1/" in r.stderr and "security official" in r.stderr
    answers = {
        d["key"]: d["answer"] for d in json.loads(cli.ok("manual", "answers", "-f", "json").stdout)
    }
    assert answers["security_official"] == "Dr. Q, owner"
    r = cli("manual", "configure")
    assert r.exit_code == 1 and "needs a terminal" in r.stderr


def test_a_practice_can_add_and_override_policies(cli: Cli, tmp_path: Path) -> None:
    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    own = cli.vault.parent / "vault" / "templates" / "manual"
    own.mkdir(parents=True, exist_ok=True)
    (own / "27-pets.md.j2").write_text(
        "# Animals in the office\n\n**Rule:** our own rule\n\n{{ practice_name }} allows "
        "service animals only.\n{% include 'manual/_footer.md.j2' %}"
    )
    (own / "03-sanctions.md.j2").write_text(
        "# Sanctions\n\n**Rule:** 45 CFR 164.308(a)(1)(ii)(C)\n\n{{ sanctions_by_board }}\n"
    )
    r = cli("manual", "render", "--out", str(tmp_path / "x"))
    assert r.exit_code == 1 and "sanctions_by_board" in r.stderr  # an unknown name is missing
    (own / "03-sanctions.md.j2").write_text(
        "# Sanctions\n\n**Rule:** 45 CFR 164.308(a)(1)(ii)(C)\n\n"
        "{{ ''.__class__.__mro__[1].__subclasses__() }}\n"
    )
    r = cli("manual", "render", "--out", str(tmp_path / "y"))
    assert r.exit_code == 1 and "Traceback" not in r.stderr  # the sandbox refuses
    (own / "03-sanctions.md.j2").unlink()
    cli.ok("manual", "render", "--out", str(tmp_path / "z"), "--format", "md")
    assert "service animals only" in (tmp_path / "z" / "27-pets.md").read_text()
    assert "Animals in the office" in (tmp_path / "z" / "index.md").read_text()


def test_the_monthly_security_tip_cites_the_practices_own_manual(
    demo_cli: Cli, tmp_path: Path
) -> None:
    import email
    import email.policy

    from ctcm.services.awareness import TIP_POLICY, tip_names

    cli = demo_cli
    assert {n.removesuffix(".txt.j2") for n in tip_names()} == set(TIP_POLICY)
    cli.ok("mail", "configure", "--from", "Office <office@example.org>")

    def body(out: Path) -> str:
        raw = next(f for f in sorted(out.iterdir()) if "ada" in f.name).read_bytes()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        return str(msg.get_body(("plain",)).get_content())

    cli.ok("manual", "import", str(FIXTURES / "clinic.toml"))
    cli.ok("manual", "adopt")
    cli.ok("awareness", "send", "--out", str(tmp_path / "after"))
    text = " ".join(body(tmp_path / "after").split())
    assert "policies and procedures manual (version 1), in the shared Compliance folder" in text
