"""The permission table, every command x every role, against the issue's words (written out
here independently of services/roles.py)."""

from __future__ import annotations

import pytest

from ctcm.services import roles
from tests.cli.test_help import COMMANDS

LEAVES = sorted(path for path, cmd in COMMANDS if not hasattr(cmd, "commands"))
ALL = {"admin", "officer", "manager", "auditor", "cron"}

# Who may run each area's writing commands, as the roles issue states it: admin everything;
# officer everything but user management; manager personnel, documents, reminders, calendar,
# logs, not risk/incidents/users; auditor read-only; cron: remind, notify, digest, awareness.
SPEC = {
    "read": ALL,
    "session": ALL,
    "none": ALL,
    "people": {"admin", "officer", "manager"},
    "reminders": {"admin", "officer", "manager", "cron"},
    "mail": {"admin", "officer", "manager"},
    "calendar": {"admin", "officer", "manager"},
    "risk": {"admin", "officer"},
    "program": {"admin", "officer"},
    "settings": {"admin", "officer"},
    # patients' requests, complaints, the NPP: the front desk logs them too
    "privacy": {"admin", "officer", "manager"},
    # a person's sanctions: admins and officers only
    "sanctions": {"admin", "officer"},
    "vault": {"admin", "officer"},
    "users": {"admin"},
    # accepting an older vault file on disk, or restoring a backup, is a decision about trust
    "rollback": {"admin"},
}


def test_every_command_is_in_the_table() -> None:
    missing = [c for c in LEAVES if c not in roles.COMMANDS]
    assert not missing, f"add to services/roles.py COMMANDS: {missing}"
    paths = {path for path, _ in COMMANDS}  # a group may run too (`ctcm calendar`)
    stale = [c for c in roles.COMMANDS if c not in paths]
    assert not stale, f"no such command: {stale}"
    assert set(roles.COMMANDS.values()) <= set(SPEC)


@pytest.mark.parametrize("command", LEAVES)
def test_every_role_on_every_command(command: str) -> None:
    area = roles.COMMANDS[command]
    for role in sorted(ALL):
        assert roles.allowed(role, command, write=True) is (role in SPEC[area]), (role, command)
        assert roles.allowed(role, command, write=False)  # a read is everyone's


@pytest.mark.parametrize(
    ("command", "role", "ok"),
    [
        ("person add", "cron", False),  # the cron identity could run it before
        ("person add", "manager", True),
        ("doc add", "auditor", False),
        ("risk rate", "manager", False),
        ("incident add", "manager", False),
        ("remind", "cron", True),
        ("notify status", "cron", True),
        ("digest", "cron", True),
        ("awareness send", "cron", True),
        ("mail configure", "cron", False),
        ("user add", "officer", False),
        ("slot remove", "officer", False),
        ("practice set", "officer", True),
        ("backup restore", "manager", False),
        ("manual ack", "manager", True),
        ("manual adopt", "manager", False),
        ("no such command", "officer", False),  # unknown: admins only (fail closed)
        ("no such command", "admin", True),
    ],
)
def test_named_cases(command: str, role: str, ok: bool) -> None:
    assert roles.allowed(role, command, write=True) is ok


def test_roles_of_slots_without_a_row() -> None:
    users = [("alice", "user:alice", "admin"), ("svc:bk", "svc:bk", "auditor")]
    assert roles.role_of(users, "user:alice") == "admin"
    assert roles.role_of(users, "svc:bk") == "auditor"
    assert roles.role_of(users, "svc:legacy") == "cron"  # least privilege
    assert roles.role_of(users, "recovery") == "admin"  # break glass
    assert roles.role_of(users, "user:ghost") == "auditor"
    assert not roles.allowed("staff", "person add", True)  # an unknown role only reads
    assert roles.allowed("staff", "person add", False)


def test_a_denial_names_the_roles_that_may() -> None:
    text = roles.denial("risk new", True, "user:frank", "manager")
    assert text.startswith("'risk new' needs the role officer or admin; user:frank has")
