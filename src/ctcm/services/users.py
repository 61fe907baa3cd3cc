"""Named users with their roles and own passphrase slots; service identities with theirs.

Removing a user or service is the slot removal of the vault-trust work (services/slots.py): the
data key is rotated so the removed key opens nothing saved afterwards.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ctcm.environment import Environment
from ctcm.errors import AlreadyExists, InvalidInput, NotFound
from ctcm.services.practice import Practice
from ctcm.services.roles import USER_ROLES
from ctcm.storage.userrepo import UserInfo
from ctcm.vault import format as fmt
from ctcm.vault.unlock import Unlocked

if TYPE_CHECKING:
    from ctcm.services.slots import Removal

_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed from paper


def enrolment_passphrase() -> str:
    """A one-time passphrase to hand over (five groups of five: about 122 bits)."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(5))


def _check_role(role: str) -> str:
    if role not in USER_ROLES:
        raise InvalidInput(f"--role must be one of {', '.join(USER_ROLES)}")
    return role


def get_user(p: Practice, name: str) -> UserInfo:
    for u in p.repo.user_infos():
        if u.name == name or u.slot_id == name or u.slot_id == f"svc:{name}":
            return u
    raise NotFound(f"no user or service '{name}' (see 'ctcm user list')")


def _user_admins(p: Practice) -> list[str]:
    return [u.name for u in p.repo.user_infos() if u.role == "admin" and not u.service]


def _put_slot(p: Practice, slot_id: str, label: str, passphrase: str) -> None:
    """Add or replace a passphrase slot for the current data key."""
    from ctcm.vault.unlock import check_new_passphrase

    check_new_passphrase(passphrase)
    header = p.header
    slot = fmt.make_user_slot(
        slot_id,
        label,
        passphrase,
        p.unlocked.dek,
        header["vault_id"],
        header["dek_id"],
        epoch=fmt.auth_epoch(header),
    )
    header["slots"] = [s for s in header["slots"] if s["id"] != slot_id] + [slot]


def add_user(
    p: Practice, name: str, role: str, person_id: str | None, passphrase: str, enrolment: bool
) -> UserInfo:
    from ctcm.areas.credentials.service import get_person
    from ctcm.services.creation import check_new_user

    name = check_new_user(name)
    _check_role(role)
    if person_id is not None:
        get_person(p, person_id)
    slot_id = f"user:{name}"
    if any(s["id"] == slot_id for s in p.header["slots"]) or any(
        u.name == name for u in p.repo.user_infos()
    ):
        raise AlreadyExists(f"a user named {name} exists already")
    _put_slot(p, slot_id, name, passphrase)
    p.repo.add_user(name, slot_id, role, p.now_iso)
    p.repo.update_user(name, must_change=enrolment, person_id=person_id)
    p.touch(slot_id, f"role {role}", *(["enrolment passphrase"] if enrolment else []))
    return get_user(p, name)


def change_passphrase(
    p: Practice, name: str | None, passphrase: str, enrolment_given: bool
) -> tuple[UserInfo, bool, Removal]:
    """Your own passphrase (clears a pending enrolment), or, as an admin, another user's: a new
    one-time enrolment passphrase they must change. ``enrolment_given`` says which the caller
    prepared; when it does not fit the target (a random enrolment passphrase for your own
    slot, which nobody would ever be shown) nothing changes. Returns (user, whether it is an
    enrolment)."""
    own = p.actor
    target = get_user(p, name) if name is not None else None
    if target is None:
        if not own.startswith("user:"):
            raise InvalidInput("only a named user has a passphrase; name the user to reset")
        target = get_user(p, own.removeprefix("user:"))
    if target.service:
        raise InvalidInput(
            f"{target.slot_id} is a service: it has an identity file, not a passphrase"
        )
    enrolment = target.slot_id != own
    if enrolment_given and not enrolment:
        raise InvalidInput(
            f"{target.name} is you: to change your own passphrase run 'ctcm user passwd' "
            "without a name"
        )
    if enrolment and p.actor not in {f"user:{a}" for a in _user_admins(p)}:
        raise InvalidInput("only an admin can reset another user's passphrase")
    _put_slot(p, target.slot_id, target.name, passphrase)
    p.repo.update_user(target.name, must_change=enrolment)
    p.touch(target.slot_id, "passphrase reset (enrolment)" if enrolment else "passphrase changed")
    # the old passphrase must open nothing any more: a new data key, and the kept backups
    # rewritten under it once the new generation is on disk
    from ctcm.services.slots import rotate_after_passphrase_change

    rotation = rotate_after_passphrase_change(p)
    return get_user(p, target.name), enrolment, rotation


def set_role(p: Practice, name: str, role: str) -> UserInfo:
    from ctcm.services.roles import SERVICE_ROLES

    user = get_user(p, name)
    if user.service:
        if role not in SERVICE_ROLES:
            raise InvalidInput(f"a service's role is one of {', '.join(SERVICE_ROLES)}")
    else:
        _check_role(role)
    if user.role == "admin" and role != "admin" and _user_admins(p) == [user.name]:
        raise InvalidInput(f"{user.name} is the last admin; make another user admin first")
    p.repo.update_user(user.name, role=role)
    p.touch(user.slot_id, f"role {user.role} -> {role}")
    return get_user(p, user.name)


@dataclass(frozen=True, slots=True)
class UserRow:
    name: str
    kind: str  # user | service | recovery
    slot_id: str
    role: str
    person: str | None
    must_change: bool


def list_users(p: Practice) -> list[UserRow]:
    """Every slot with its role: named users, services (a service without a row is cron) and
    the recovery code (admin, break glass)."""
    from ctcm.services.roles import role_of

    infos = {u.slot_id: u for u in p.repo.user_infos()}
    users = p.repo.users()
    out = []
    for s in p.header["slots"]:
        sid = s["id"]
        info = infos.get(sid)
        kind = "service" if sid.startswith("svc:") else "recovery" if sid == "recovery" else "user"
        name = info.name if info else sid.removeprefix("user:")
        out.append(
            UserRow(
                name,
                kind,
                sid,
                role_of(users, sid),
                info.person_id if info else None,
                bool(info and info.must_change),
            )
        )
    p.touch("users")
    return out


def new_passphrase(env: Environment, user: str, enrolment_hint: bool = False) -> str:
    """The new passphrase of ``user``: CTCM_NEW_PASSPHRASE, else typed at the terminal and
    once more to confirm (never argv)."""

    given = env.env.get("CTCM_NEW_PASSPHRASE")
    if given:
        return given
    if not env.interactive:
        hint = ", or use --enrolment for a one-time passphrase" if enrolment_hint else ""
        raise InvalidInput(
            f"no terminal to ask {user}'s new passphrase: set CTCM_NEW_PASSPHRASE{hint}"
        )
    first = env.prompt_secret(f"New passphrase for {user} (12+ characters): ")
    if env.prompt_secret(f"New passphrase for {user}, again: ") != first:
        raise InvalidInput("the two passphrases differ; nothing changed")
    return first


def unlock_own(env: Environment) -> Unlocked:
    """The caller's own user slot, opened with its passphrase (see ``unlock_own_slot``)."""
    from ctcm.vault.localstate import LocalState, state_dir
    from ctcm.vault.store import VaultDir
    from ctcm.vault.unlock import unlock_own_slot

    parsed = VaultDir(env.vault, env.effective_lock_timeout).read_parsed()
    seen = LocalState.for_header(state_dir(env.env), parsed.header, env.vault).load()
    return unlock_own_slot(env, parsed, seen.pin if seen else None)
