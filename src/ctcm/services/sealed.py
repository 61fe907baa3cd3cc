"""Secrets sealed by role: the SMTP password is wrapped to the X25519 keys of the admins and the
service identities that send (never a manager's, officer's or auditor's slot), so a key holder
of another role reads it neither through ctcm nor by decrypting the vault.

Stored as the setting ``sealed.NAME``: a JSON map slot -> wrapped value (the same wrapping as
the data key's, bound to the vault, the slot and the secret's name). Every save brings the map
in line with the slots and roles being saved (``refresh``): a slot no longer entitled is dropped
at once; a newly entitled one is added when the writer can open the secret (an admin adding an
admin or a service). A password stored in clear by an older ctcm is sealed at the first save
by a slot entitled to it.
"""

from __future__ import annotations

import json
from typing import Any

from ctcm.errors import InvalidInput, VaultError
from ctcm.vault import format as fmt

SECRETS = ("mail.password",)
READERS = frozenset({"admin"})  # and every service slot that sends (role cron)


def _key(name: str) -> str:
    return f"sealed.{name}"


def entitled(p: Any, header: dict[str, Any]) -> dict[str, str]:
    """slot id -> its X25519 public key, for every slot allowed to read the secrets."""
    from ctcm.services.roles import role_of

    users = p.repo.users()
    out = {}
    for slot in header["slots"]:
        role = role_of(users, slot["id"])
        if role in READERS or (slot["id"].startswith("svc:") and role == "cron"):
            out[slot["id"]] = slot["pub"]
    return out


def _stored(p: Any, name: str) -> dict[str, Any]:
    try:
        data = json.loads(p.settings.get(_key(name)) or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _wrap(header: dict[str, Any], name: str, value: str, slots: dict[str, str]) -> str:
    return json.dumps(
        {
            sid: fmt.wrap_dek(
                value.encode(), fmt.b64d(pub), header["vault_id"], sid, f"secret:{name}"
            )
            for sid, pub in sorted(slots.items())
        },
        sort_keys=True,
    )


def has(p: Any, name: str) -> bool:
    return bool(_stored(p, name)) or bool(p.settings.get(name))


def put(p: Any, name: str, value: str) -> dict[str, str]:
    """Seal ``value`` to every entitled slot; return the settings to store ("" clears it)."""
    if not value:
        return {_key(name): "", name: ""}
    return {_key(name): _wrap(p.header, name, value, entitled(p, p.header)), name: ""}


def read(p: Any, name: str) -> str | None:
    """The secret as this slot can open it; None when none is stored. Raise InvalidInput when
    one is stored but not for this slot's role."""
    plain = p.settings.get(name)
    if plain:
        return str(plain)  # stored in clear by an older ctcm: sealed at the next save
    stored = _stored(p, name)
    if not stored:
        return None
    wrapped = stored.get(p.actor)
    if wrapped is None or not p.unlocked.private:
        raise InvalidInput(
            f"the {name.replace('.', ' ')} is sealed to the admins and the service identities "
            f"that send, not to {p.actor}: run this from cron (its identity) or as an admin, "
            "or give it for this run in CTCM_SMTP_PASSWORD"
        )
    try:
        return fmt.unwrap_dek(
            p.unlocked.private,
            {"id": p.actor, "dek": wrapped},
            p.header["vault_id"],
            f"secret:{name}",
        ).decode()
    except (VaultError, UnicodeDecodeError):
        raise VaultError(f"the sealed {name} does not open for {p.actor}") from None


def refresh(p: Any, header: dict[str, Any]) -> None:
    """Bring every sealed secret in line with the slots and roles of the header being saved."""
    values: dict[str, str] = {}
    for name in SECRETS:
        stored = _stored(p, name)
        plain = p.settings.get(name)
        if not stored and not plain:
            continue
        want = entitled(p, header)
        if set(stored) == set(want) and not plain:
            continue
        value = None
        if plain or (p.actor in stored and p.unlocked.private):
            try:
                value = read(p, name)
            except (InvalidInput, VaultError):
                value = None
        if value is not None:
            values[_key(name)] = _wrap(header, name, value, want)
            values[name] = ""
        else:  # cannot read it: only take away the slots no longer entitled
            kept = {sid: w for sid, w in stored.items() if sid in want}
            if kept != stored:
                values[_key(name)] = json.dumps(kept, sort_keys=True)
    if values:
        p.set_settings(values)
