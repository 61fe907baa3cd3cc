"""Users, roles and service identities through the real CLI: enforced on every command,
denials audited, enrolment passphrases, removal with key rotation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctcm.errors import VaultError
from ctcm.vault import format as fmt
from ctcm.vault.store import VaultDir
from tests.conftest import PASSPHRASE, Cli

ALICE = {"CTCM_PASSPHRASE": PASSPHRASE, "CTCM_USER": "alice"}
FRANK_PASS = "frank's own long passphrase"


def as_user(name: str, passphrase: str) -> dict[str, str]:
    return {"CTCM_PASSPHRASE": passphrase, "CTCM_USER": name}


def admin(cli: Cli, *args: str, **kw: object):  # type: ignore[no-untyped-def]
    return cli.ok(*args, env={**ALICE, **kw.pop("env", {})}, identity=False, **kw)  # type: ignore[arg-type]


def test_users_with_roles_and_what_each_may_do(cli: Cli) -> None:
    cli.ok("person", "add", "fnguyen", "--name", "Frank Nguyen", "--email", "f@example.org")
    r = admin(
        cli, "user", "add", "frank", "--role", "manager", "--person", "fnguyen",
        env={"CTCM_NEW_PASSPHRASE": FRANK_PASS},
    )  # fmt: skip
    assert "Added user frank (role manager)" in r.stderr
    users = json.loads(admin(cli, "user", "list", "--format", "json").stdout)
    frank = next(u for u in users if u["name"] == "frank")
    assert (frank["role"], frank["person"], frank["kind"]) == ("manager", "fnguyen", "user")
    assert {u["slot"]: u["role"] for u in users}["recovery"] == "admin"
    frank_env = as_user("frank", FRANK_PASS)
    # a manager keeps personnel and documents, not the risk analysis or users
    cli.ok("person", "add", "zed", "--name", "Zed", "--email", "z@example.org", env=frank_env,
           identity=False)  # fmt: skip
    r = cli("risk", "new", env=frank_env, identity=False)
    assert r.exit_code == 1
    assert r.stderr.strip() == (
        "ctcm: 'risk new' needs the role officer or admin; user:frank has the role manager "
        "(an admin changes it with 'ctcm user role')"
    )
    r = cli("user", "add", "gina", "--role", "auditor", "--enrolment", env=frank_env,
            identity=False)  # fmt: skip
    assert r.exit_code == 1 and "needs the role admin" in r.stderr
    # the denials are in the audit trail, under frank's name
    rows = json.loads(admin(cli, "audit", "list", "--user", "frank", "--format", "json").stdout)
    assert [e["command"] for e in rows if e["command"].startswith("denied")] == [
        "denied: risk new",
        "denied: user add",
    ]
    assert {e["actor"] for e in rows} == {"user:frank"}
    # promoted, frank may; the last admin cannot be demoted
    admin(cli, "user", "role", "frank", "officer")
    cli.ok("risk", "new", env=frank_env, identity=False)
    r = cli("user", "role", "alice", "auditor", env=ALICE, identity=False)
    assert r.exit_code == 1 and "last admin" in r.stderr
    r = cli("user", "role", "frank", "boss", env=ALICE, identity=False)
    assert r.exit_code == 1 and "--role must be one of" in r.stderr


def test_cron_service_gets_least_privilege(cli: Cli, tmp_path: Path) -> None:
    identity = tmp_path / "cron.identity"
    r = admin(cli, "user", "add-service", "cron", "--out", str(identity))
    assert "role cron" in r.stderr and oct(identity.stat().st_mode & 0o777) == "0o600"
    cron = {"CTCM_IDENTITY_FILE": str(identity)}
    cli.ok("status", env=cron, identity=False)
    cli.ok("remind", env=cron, identity=False)
    cli.ok("backup", "verify", env=cron, identity=False)
    r = cli("person", "add", "x", "--name", "X", "--email", "x@example.org", env=cron,
            identity=False)  # fmt: skip
    assert r.exit_code == 1 and "svc:cron has the role cron" in r.stderr
    r = cli("mail", "configure", "--from", "a@example.org", env=cron, identity=False)
    assert r.exit_code == 1 and "needs the role manager" in r.stderr


def test_a_service_cannot_be_made_admin(cli: Cli, tmp_path: Path) -> None:
    r = cli("user", "add-service", "x", "--out", str(tmp_path / "x"), "--role", "admin",
            env=ALICE, identity=False)  # fmt: skip
    assert r.exit_code == 1 and "--role must be one of cron, auditor, manager, officer" in r.stderr
    assert not (tmp_path / "x").exists()


def test_enrolment_passphrase_must_be_changed_first(cli: Cli) -> None:
    r = admin(cli, "user", "add", "gina", "--role", "auditor", "--enrolment")
    one_time = r.stdout.strip()
    assert len(one_time) == 29 and "must choose their own" in r.stderr
    gina = as_user("gina", one_time)
    r = cli("status", env=gina, identity=False)
    assert r.exit_code == 1 and "one-time enrolment passphrase" in r.stderr
    cli.ok("user", "passwd", env={**gina, "CTCM_NEW_PASSPHRASE": "gina's very own phrase"},
           identity=False)  # fmt: skip
    r = cli("status", env=gina, identity=False)
    assert r.exit_code == 1 and "wrong passphrase" in r.stderr  # the one-time one is gone
    cli.ok("status", env=as_user("gina", "gina's very own phrase"), identity=False)
    # an admin resets it: a new one-time passphrase, to change again
    r = admin(cli, "user", "passwd", "gina")
    again = r.stdout.strip()
    r = cli("status", env=as_user("gina", again), identity=False)
    assert r.exit_code == 1 and "one-time enrolment" in r.stderr
    # a non-admin cannot reset someone else's
    r = cli("user", "passwd", "alice", env=as_user("gina", again), identity=False)
    assert r.exit_code == 1


def test_naming_yourself_in_passwd_changes_your_own_never_locks_you_out(cli: Cli) -> None:
    """Found by the leak session: 'ctcm user passwd frank' run by frank took the admin's reset
    path, put a random enrolment passphrase in frank's slot and never showed it."""
    # the user found another way than by name (here the only user): refused, and the
    # passphrase is what it was
    only = {"CTCM_PASSPHRASE": PASSPHRASE, "CTCM_NEW_PASSPHRASE": "never used at all"}
    r = cli("user", "passwd", "alice", env=only, identity=False)
    assert r.exit_code == 1 and "alice is you" in r.stderr, r.stderr
    cli.ok("status", env=ALICE, identity=False)
    r = admin(cli, "user", "add", "gina", "--role", "auditor", "--enrolment")
    gina = as_user("gina", r.stdout.strip())
    cli.ok("user", "passwd", env={**gina, "CTCM_NEW_PASSPHRASE": "gina's very own phrase"},
           identity=False)  # fmt: skip
    mine = as_user("gina", "gina's very own phrase")
    r = cli.ok("user", "passwd", "gina", env={**mine, "CTCM_NEW_PASSPHRASE": "gina's next one"},
               identity=False)  # fmt: skip
    assert "Passphrase of gina changed" in r.stderr and not r.stdout.strip()
    cli.ok("status", env=as_user("gina", "gina's next one"), identity=False)


def test_a_new_passphrase_never_comes_from_argv_and_needs_a_source(cli: Cli) -> None:
    r = cli("user", "add", "hal", "--role", "auditor", env=ALICE, identity=False)
    assert r.exit_code == 1 and "CTCM_NEW_PASSPHRASE" in r.stderr
    short = {**ALICE, "CTCM_NEW_PASSPHRASE": "short"}
    r = cli("user", "add", "hal", "--role", "auditor", env=short, identity=False)
    assert r.exit_code == 1 and "at least" in r.stderr
    users = json.loads(admin(cli, "user", "list", "--format", "json").stdout)
    assert "hal" not in {u["name"] for u in users}  # nothing half-written


def test_removing_a_user_rotates_the_key_and_says_what_it_cannot_undo(cli: Cli) -> None:
    admin(cli, "user", "add", "frank", "--role", "manager", env={"CTCM_NEW_PASSPHRASE": FRANK_PASS})
    frank = as_user("frank", FRANK_PASS)
    cli.ok("status", env=frank, identity=False)
    before = VaultDir(cli.vault).read_parsed()
    slot = next(s for s in before.header["slots"] if s["id"] == "user:frank")
    frank_key = fmt.user_private_key(slot, FRANK_PASS, before.header["vault_id"])
    r = admin(cli, "user", "remove", "frank", "--rewrite-backups")
    assert "Removed user:frank; the data key was rotated" in r.stderr
    assert "only what is saved from now on is protected" in r.stderr
    after = VaultDir(cli.vault).read_parsed()
    old_dek = fmt.unwrap_dek(frank_key, slot, before.header["vault_id"], before.header["dek_id"])
    with pytest.raises(VaultError):
        fmt.decrypt(after, old_dek)
    r = cli("status", env=frank, identity=False)
    assert r.exit_code == 1
    cli.ok("status", env=ALICE, identity=False)  # the others still open everything
    cli.ok("status")  # the tests' service identity too


def test_each_user_has_their_own_session(cli: Cli) -> None:
    admin(cli, "user", "add", "frank", "--role", "manager", env={"CTCM_NEW_PASSPHRASE": FRANK_PASS})

    def unlock(env: dict[str, str]) -> str:
        out = cli.ok("unlock", env=env, identity=False).stdout.strip()
        return out.split("=", 1)[1].strip("'\"")

    alice_token = unlock(ALICE)
    frank_token = unlock(as_user("frank", FRANK_PASS))
    both = f"{alice_token},{frank_token}"
    # each names themselves and gets their own session (no passphrase needed)
    cli.ok("person", "add", "p1", "--name", "P", "--email", "p@example.org",
           env={"CTCM_SESSION": both, "CTCM_USER": "frank"}, identity=False)  # fmt: skip
    cli.ok("practice", "set", "--warn-days", "20",
           env={"CTCM_SESSION": both, "CTCM_USER": "alice"}, identity=False)  # fmt: skip
    rows = json.loads(admin(cli, "audit", "list", "--format", "json").stdout)
    actors = {e["command"]: e["actor"] for e in rows}
    assert actors["person add"] == "user:frank" and actors["practice set"] == "user:alice"
    # two sessions and nobody named: ctcm asks instead of guessing
    r = cli("status", env={"CTCM_SESSION": both}, identity=False)
    assert r.exit_code == 5 and "several users have a session open" in r.stderr
    # frank locks his own; alice's goes on
    cli.ok("lock", env={"CTCM_SESSION": both, "CTCM_USER": "frank"}, identity=False)
    r = cli("status", env={"CTCM_SESSION": both, "CTCM_USER": "frank"}, identity=False)
    assert r.exit_code == 5
    cli.ok("status", env={"CTCM_SESSION": both, "CTCM_USER": "alice"}, identity=False)
    cli.ok("status", env={"CTCM_SESSION": both}, identity=False)  # only one left: hers


def test_lock_ends_only_the_callers_session_and_all_needs_an_admin(cli: Cli) -> None:
    admin(cli, "user", "add", "frank", "--role", "manager", env={"CTCM_NEW_PASSPHRASE": FRANK_PASS})

    def unlock(env: dict[str, str]) -> str:
        out = cli.ok("unlock", env=env, identity=False).stdout.strip()
        return out.split("=", 1)[1].strip("'\"")

    both = f"{unlock(ALICE)},{unlock(as_user('frank', FRANK_PASS))}"
    # nobody named, two users' sessions: refused, both go on
    r = cli("lock", env={"CTCM_SESSION": both}, identity=False)
    assert r.exit_code == 1 and "sessions of several users are open" in r.stderr
    assert "--user NAME" in r.stderr and "--all" in r.stderr
    cli.ok("status", env={"CTCM_SESSION": both, "CTCM_USER": "frank"}, identity=False)
    # a manager cannot end the admin's session
    r = cli("lock", "--all", env={"CTCM_SESSION": both, "CTCM_USER": "frank"}, identity=False)
    assert r.exit_code == 1 and "needs the role admin" in r.stderr
    cli.ok("status", env={"CTCM_SESSION": both, "CTCM_USER": "alice"}, identity=False)
    # the admin ends them all
    cli.ok("lock", "--all", env={"CTCM_SESSION": both, "CTCM_USER": "alice"}, identity=False)
    for who in ("alice", "frank"):
        r = cli("status", env={"CTCM_SESSION": both, "CTCM_USER": who}, identity=False)
        assert r.exit_code == 5


def test_a_new_user_on_a_shared_os_account_changes_their_own_passphrase(cli: Cli) -> None:
    """Several users, an OS login that is none of them, no --user, and the admin's session
    open in the same account: the one-time passphrase typed finds the new user's slot, the
    prompts name the user, the new one is asked once plus a confirmation, and the admin's
    passphrase is untouched."""
    admin(cli, "user", "add", "frank", "--role", "manager", env={"CTCM_NEW_PASSPHRASE": FRANK_PASS})
    r = admin(cli, "user", "add", "gina", "--role", "auditor", "--enrolment")
    one_time = r.stdout.strip()
    session = cli.ok("unlock", env=ALICE, identity=False).stdout.strip().split("=", 1)[1]
    shared = {"CTCM_SESSION": session.strip("'\""), "USER": "office", "LOGNAME": "office"}
    mine = "gina's own long passphrase"
    cli.asked.clear()
    r = cli("user", "passwd", env=shared, identity=False, interactive=True,
            prompts=[one_time, mine, mine])  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "Passphrase of gina changed" in r.stderr
    assert cli.asked == [
        "Your passphrase (your one-time enrolment passphrase if you are new): ",
        "New passphrase for gina (12+ characters): ",
        "New passphrase for gina, again: ",
    ]
    cli.ok("status", env=as_user("gina", mine), identity=False)
    cli.ok("status", env=ALICE, identity=False)  # alice's passphrase is what it was
    # a named user gets their name in the prompt, and a mistyped confirmation changes nothing
    cli.asked.clear()
    r = cli("user", "passwd", env={"CTCM_USER": "gina"}, identity=False, interactive=True,
            prompts=[mine, "one new passphrase", "another new one!"])  # fmt: skip
    assert r.exit_code == 1 and "differ; nothing changed" in r.stderr
    assert cli.asked[0] == "Current passphrase for gina: "
    cli.ok("status", env=as_user("gina", mine), identity=False)
    # an unknown name, or a passphrase that opens nobody: one line with the --user hint
    r = cli("user", "passwd", env={"CTCM_USER": "root", "CTCM_PASSPHRASE": mine}, identity=False)
    assert r.exit_code != 0 and "ctcm --user NAME user passwd" in r.stderr
    assert "no user 'root'" in r.stderr
    r = cli("user", "passwd", env={"CTCM_PASSPHRASE": "nobody's passphrase", "USER": "office",
            "LOGNAME": "office"}, identity=False)  # fmt: skip
    assert r.exit_code != 0 and "--user NAME" in r.stderr


def test_an_enrolment_refusal_names_the_user_in_its_hint(cli: Cli) -> None:
    r = admin(cli, "user", "add", "gina", "--role", "auditor", "--enrolment")
    r = cli("status", env=as_user("gina", r.stdout.strip()), identity=False)
    assert r.exit_code == 1 and "ctcm --user gina user passwd" in r.stderr


def test_a_changed_passphrase_opens_nothing_any_more_not_even_a_backup(cli: Cli) -> None:
    """The security review: a paper enrolment passphrase, changed, still opened an old backup
    in a copy of the folder taken after the change, and through it the live data key."""
    from ctcm.errors import WrongKey

    r = admin(cli, "user", "add", "gina", "--role", "auditor", "--enrolment")
    paper = r.stdout.strip()
    cli.ok("person", "add", "before", "--name", "B", "--email", "b@example.org")
    r = cli.ok("user", "passwd", env={**as_user("gina", paper),
               "CTCM_NEW_PASSPHRASE": "gina's very own phrase"}, identity=False)  # fmt: skip
    assert "opens nothing here now" in r.stderr and "backup(s) rewritten" in r.stderr
    cli.ok("person", "add", "after", "--name", "A", "--email", "a@example.org")
    vault = VaultDir(cli.vault)
    files = [vault.file, *(b.path for b in vault.list_backups())]
    assert len(files) > 2
    for path in files:
        parsed = fmt.parse(path.read_bytes())
        slot = next(s for s in parsed.header["slots"] if s["id"] == "user:gina")
        with pytest.raises((WrongKey, VaultError)):
            fmt.user_private_key(slot, paper, parsed.header["vault_id"])
    # the new passphrase opens the live vault, and sees what was added after the change
    people = json.loads(cli.ok("person", "list", "--format", "json",
                               env=as_user("gina", "gina's very own phrase"),
                               identity=False).stdout)  # fmt: skip
    assert {"before", "after"} <= {p["id"] for p in people}
    assert cli("status", env=as_user("gina", paper), identity=False).exit_code != 0
