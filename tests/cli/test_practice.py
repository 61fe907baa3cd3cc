"""Practice settings, and that they drive the lights and sessions."""

import json

from tests.conftest import PASSPHRASE, Cli


def test_practice_show_and_set(demo_cli: Cli) -> None:
    cli = demo_cli
    shown = json.loads(cli.ok("practice", "show", "--format", "json").stdout)
    assert shown == {
        "name": "Test Practice",
        "timezone": "America/Chicago",
        "warn_days": 30,
        "idle_minutes": 30,
        "max_hours": 8,
        "security_officer": None,
        "privacy_officer": None,
        "risk_scale": "three",
        "risk_review_months": 12,
        "contact": {},
    }

    # bob's confidentiality form expires 2026-06-01: green at 30 days, yellow at 100
    def light(doctype: str) -> str:
        data = json.loads(
            cli.ok("--as-of", "2026-03-02", "status", "bob", "--format", "json").stdout
        )
        return next(r["status"] for r in data["requirements"] if r["doctype"] == doctype)

    assert light("confidentiality") == "green"
    cli.ok("practice", "set", "--warn-days", "100", "--name", "Lakeside", "--timezone", "UTC")
    assert light("confidentiality") == "yellow"
    shown = json.loads(cli.ok("practice", "show", "--format", "json").stdout)
    assert (shown["name"], shown["timezone"], shown["warn_days"]) == ("Lakeside", "UTC", 100)


def test_practice_set_errors(cli: Cli) -> None:
    for args, message in [
        ((), "nothing to change"),
        (("--warn-days", "-1"), "between 0 and 3650"),
        (("--timezone", "Nowhere/City"), "unknown time zone"),
        (("--idle-minutes", "0"), "between 1 and 1440"),
    ]:
        r = cli("practice", "set", *args)
        assert r.exit_code == 1 and message in r.stderr, (args, r.stderr)


def test_idle_minutes_setting_drives_unlock(cli: Cli) -> None:
    cli.ok("practice", "set", "--idle-minutes", "5")
    token = (
        cli.ok("unlock", identity=False, env={"CTCM_PASSPHRASE": PASSPHRASE})
        .stdout.split("=", 1)[1]
        .strip()
    )
    cli.clock.advance(minutes=4)
    cli.ok("status", identity=False, env={"CTCM_SESSION": token})
    cli.clock.advance(minutes=6)
    assert cli("status", identity=False, env={"CTCM_SESSION": token}).exit_code == 5


def test_deleted_rows_do_not_survive_in_the_saved_image(cli: Cli) -> None:
    """secure_delete: a removed waiver's text is zeroed, not left in a free page."""
    from ctcm.services.practice import open_practice
    from ctcm.storage.db import Database
    from ctcm.vault import format as fmt

    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    cli.ok("person", "waive", "a", "npi", "--reason", "MARKER-WAIVER-REASON-XYZZY")
    cli.ok("person", "unwaive", "a", "npi")
    with open_practice(cli.environment(), "inspect", write=False) as p:
        parsed = p.vault.read_parsed()
        image = bytes(fmt.decrypt(parsed, p.unlocked.dek))
    assert b"XYZZY" not in image
    assert Database.from_image(image).integrity_errors() == []
