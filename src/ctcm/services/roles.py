"""Roles and the one table of permissions, enforced when a command opens the vault
(services/practice.open_practice).

A command that only reads needs the ``read`` area, which every role has. A command that writes
needs its area below. A command missing from the table is allowed to admins only (fail closed;
tests/services/test_roles.py checks that every command is in the table).

A slot holder who writes the vault with other software is held to the same roles by the signed
history (services/writers.py): what their role may not change is refused on the next open.
Every slot still reads everything (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from ctcm.errors import CtcmError

USER_ROLES = ("admin", "officer", "manager", "auditor")
# a service is given its role explicitly (cron by default); user management needs a person
SERVICE_ROLES = ("cron", "auditor", "manager", "officer")
ROLES = ("admin", "officer", "manager", "auditor", "cron")

AREAS = {
    "read": "every command that only reads (status, lists, reports, exports, previews)",
    "session": "unlock and lock",
    "people": "personnel, documents, document types and compliance policies",
    "reminders": "sending reminders, status mails, the digest and the monthly tip",
    "mail": "mail settings and reminder schedules",
    "calendar": "the compliance calendar, logs, training and manual acknowledgments",
    "risk": "the risk analysis, mitigation plan and incidents",
    "program": "vendors and BAAs, devices, the policies and procedures manual",
    "privacy": "patients' requests, complaints, the notice of privacy practices",
    "sanctions": "sanctions applied to workforce members",
    "settings": "practice settings (officers, session limits, warning window)",
    "vault": "backup retention",
    "rollback": "restoring a backup; accepting an older vault file after a rollback refusal",
    "users": "users, roles, service identities, key slots, the staff submission key",
}

GRANTS: dict[str, frozenset[str]] = {
    "admin": frozenset(AREAS),
    "officer": frozenset(AREAS) - {"users", "rollback"},
    "manager": frozenset({"read", "session", "people", "reminders", "mail", "calendar", "privacy"}),
    "auditor": frozenset({"read", "session"}),
    "cron": frozenset({"read", "session", "reminders"}),
}

_PEOPLE = (
    "person add", "person assign", "person deactivate", "person edit", "person import",
    "person reactivate", "person require", "person unassign", "person unrequire",
    "person unwaive", "person waive", "inbox accept", "inbox reject", "doc add",
    "doc attach", "doc import", "doc void", "doctype add", "doctype archive", "doctype edit",
    "policy add", "policy require", "policy unrequire", "doc verify", "doc verify-import",
    "doctype verification",
    "screen import leie", "screen import sam", "screen person", "screen run", "screen resolve",
)  # fmt: skip
_RISK = (
    "risk answer", "risk finalize", "risk import", "risk mitigate", "risk new", "risk rate",
    "risk walk", "risk import-ratings", "risk task accept", "risk task done", "risk task reopen",
    "risk task start",
    "incident add", "incident assess", "incident close", "incident notify", "incident delay",
    "incident media-decision",
)  # fmt: skip
_PROGRAM = (
    "vendor add", "vendor baa", "vendor edit", "vendor import", "device import", "device add",
    "device audit", "device edit",
    "device retire", "manual adopt", "manual configure", "manual import", "manual set",
    "manual settings",
)  # fmt: skip
_READS = (
    "audit anchor", "audit head", "audit list", "audit verify", "backup export", "backup list",
    "backup verify",
    "calendar", "calendar ics", "device list", "device show", "doc export", "doc export-csv",
    "doc list", "doc show", "doctor", "doctype list", "doctype show", "due", "inbox list",
    "inbox show", "incident letter", "incident list", "incident show", "log kinds", "log list",
    "log show", "mail log", "mail show", "mail templates check", "manual acks",
    "manual answers", "manual diff", "manual render", "manual show", "manual versions",
    "packet build", "person export", "person list", "person show", "policy list",
    "policy show", "portfolio", "portfolio due", "doc verifications", "practice show", "request list", "request show",
    "complaint list", "sanction list", "npp list", "rehearse", "screen list", "risk checklist", "risk list",
    "risk report",
    "risk scenarios", "risk show", "risk tasks", "slot list", "status", "training list",
    "training matrix", "user list", "vendor list", "vendor show",
)  # fmt: skip

COMMANDS: dict[str, str] = {
    **dict.fromkeys(_READS, "read"),
    **dict.fromkeys(("unlock", "lock", "user passwd"), "session"),  # passwd: own, or admin
    **dict.fromkeys(_PEOPLE, "people"),
    **dict.fromkeys(
        ("remind", "notify status", "digest", "awareness send", "mail test"), "reminders"
    ),
    **dict.fromkeys(("mail configure", "mail schedule"), "mail"),
    **dict.fromkeys(
        (
            "calendar set",
            "calendar off",
            "calendar waive",
            "log add",
            "log kind-add",
            "training record",
            "manual ack",
            "manual ack-import",
        ),
        "calendar",
    ),  # fmt: skip
    **dict.fromkeys(_RISK, "risk"),
    **dict.fromkeys(_PROGRAM, "program"),
    "practice set": "settings",
    **dict.fromkeys(
        (
            "request add",
            "request extend",
            "request close",
            "request review",
            "request import",
            "complaint add",
            "complaint close",
            "npp adopt",
            "npp posted",
            "npp ack",
        ),
        "privacy",
    ),  # fmt: skip
    "sanction add": "sanctions",
    "backup restore": "rollback",
    "backup retention": "vault",
    "backup accept": "rollback",
    **dict.fromkeys(
        (
            "inbox key",
            "slot add-recovery",
            "slot add-service",
            "slot remove",
            "migrate",
            "user add",
            "user add-service",
            "user remove",
            "user role",
        ),
        "users",
    ),  # fmt: skip
    # no vault to guard yet: they create one
    **dict.fromkeys(
        (
            "init",
            "demo",
            "submit",
            "practice register",
            "practice list",
            "practice unregister",
            "practice rename",
        ),
        "none",
    ),  # fmt: skip
}


class PermissionDenied(CtcmError):
    """The command needs a role the user or service does not have (exit 1, audited)."""


def area_of(command: str, write: bool) -> str:
    """What a command needs: ``read`` when it only reads, else its area (unknown: users)."""
    if not write:
        return "read"
    return COMMANDS.get(command, "users")


def allowed(role: str, command: str, write: bool) -> bool:
    """An unknown role (one a newer or older ctcm wrote) only reads."""
    area = area_of(command, write)
    return area == "none" or area in GRANTS.get(role, GRANTS["auditor"])


def roles_for(command: str, write: bool) -> list[str]:
    """The roles that may run it, most restricted first."""
    return [r for r in reversed(ROLES) if allowed(r, command, write)]


def role_of(users: list[tuple[str, str, str]], slot_id: str) -> str:
    """The role of the slot that opened the vault: its user or service row; a service slot
    without one is ``cron`` (least privilege), the recovery code ``admin`` (break glass), any
    other slot without a row ``auditor`` (read only)."""
    for _, slot, role in users:
        if slot == slot_id:
            return role
    if slot_id.startswith("svc:"):
        return "cron"
    if slot_id == "recovery":
        return "admin"
    return "auditor"


def denial(command: str, write: bool, slot_id: str, role: str) -> str:
    need = roles_for(command, write)
    return (
        f"'{command}' needs the role {' or '.join(need) if need else 'admin'}; "
        f"{slot_id} has the role {role} (an admin changes it with 'ctcm user role')"
    )


def enforce(practice: Any, write: bool) -> None:
    """The permission table (services/roles.py): a denied command leaves an entry in the read
    journal (folded into the audit trail at the next write) and exits 1, changing nothing."""
    from ctcm.vault.journal import Journal

    env = practice.env
    command = env.command or practice.command
    role = role_of(practice.repo.users(), practice.actor)
    pending = any(u.must_change and u.slot_id == practice.actor for u in practice.repo.user_infos())
    if pending and command not in ("user passwd", "unlock", "lock"):
        name = practice.actor.removeprefix("user:")
        message = (
            f"{name} still has a one-time enrolment passphrase: choose your own first with "
            f"'ctcm --user {name} user passwd'"
        )
    elif allowed(role, command, write):
        return
    else:
        message = denial(command, write, practice.actor, role)
    Journal(practice.vault.root, practice.header["vault_id"]).append(
        practice.unlocked.dek,
        practice.now_iso,
        practice.actor,
        f"denied: {command}",
        [f"role {role}"],
        practice.generation,
    )
    raise PermissionDenied(message)
