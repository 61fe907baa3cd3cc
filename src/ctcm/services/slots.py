"""Key slots: add a recovery code, and remove a slot with a data-key rotation that leaves the
removed key holding nothing saved afterwards (vault, attachments and, on request, backups)."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from ctcm.errors import AlreadyExists, InvalidInput, NotFound, VaultError
from ctcm.services.practice import Practice
from ctcm.storage.db import Database
from ctcm.vault import format as fmt
from ctcm.vault import retired


def require_admin(p: Practice, what: str) -> None:
    """Only an admin user's own key may do ``what`` (not a service identity)."""
    admins = {slot for _, slot, role in p.repo.users() if role == "admin"}
    if p.actor not in admins:
        raise VaultError(f"only an admin user can {what} (this command ran as {p.actor})")


def resolve_slot(header: dict[str, Any], name: str) -> dict[str, Any]:
    """A slot by its id (``user:ann``, ``svc:cron``, ``recovery``) or by a bare user or service
    name."""
    slots = {s["id"]: s for s in header["slots"]}
    for candidate in (name, f"user:{name}", f"svc:{name}"):
        if candidate in slots:
            return slots[candidate]
    raise NotFound(f"no key slot '{name}' (see 'ctcm slot list')")


def add_recovery(p: Practice) -> str:
    """Add the vault's recovery slot; return the code (to print once). Admin only."""
    from ctcm.vault.unlock import format_recovery_code

    require_admin(p, "add a recovery code")
    header = p.header
    if any(s["id"] == "recovery" for s in header["slots"]):
        raise AlreadyExists(
            "the vault has a recovery code already; remove it first ('ctcm slot remove recovery')"
        )
    slot, private = fmt.make_key_slot(
        "recovery",
        "recovery code",
        p.unlocked.dek,
        header["vault_id"],
        header["dek_id"],
        fmt.auth_epoch(header),
    )
    header["slots"] = [*header["slots"], slot]
    p.touch("recovery")
    return format_recovery_code(private)


@dataclass
class Removal:
    slot_id: str
    attachments: int = 0
    backups_rewritten: list[int] = field(default_factory=list)
    backups_purged: list[int] = field(default_factory=list)
    # generation -> slots that still open it (written under an earlier data key)
    backups_left: dict[int, list[str]] = field(default_factory=dict)
    old_blobs_kept: int = 0


def remove_slot(p: Practice, name: str, rewrite_backups: bool, purge_backups: bool) -> Removal:
    """Remove a slot and rotate the data key (see module doc). Admin only; the last admin's
    slot stays. The work after the save (backups, old attachment files) runs under the same
    writer lock, once the new generation is safely on disk."""
    if rewrite_backups and purge_backups:
        raise InvalidInput("choose one of --rewrite-backups and --purge-backups")
    require_admin(p, "remove a key slot")
    slot = resolve_slot(p.header, name)
    slot_id = slot["id"]
    users = p.repo.users()
    admins = [s for _, s, role in users if role == "admin"]
    if slot_id in admins and len(admins) == 1:
        raise VaultError(f"{slot_id} is the last admin's slot; add another admin first")
    if slot_id == p.actor:
        raise VaultError("you cannot remove the slot you are using; ask another admin")

    old_dek, old_dek_id = p.unlocked.dek, p.header["dek_id"]
    new_header, new_dek = fmt.rotate_dek(p.header, {slot_id}, old_dek)
    result = Removal(slot_id)

    # Attachments: each gets a new file under a new id and key; old files go after the save.
    old_blobs = p.repo.attachment_keys()
    mapping: dict[str, tuple[str, bytes]] = {}
    written: list[str] = []
    try:
        for blob_id, key in old_blobs:
            data = p.vault.get_blob(key, blob_id)
            new_key = secrets.token_bytes(32)
            new_id = p.vault.put_blob(new_key, data)
            written.append(new_id)
            mapping[blob_id] = (new_id, new_key)
    except BaseException:
        for new_id in written:
            with contextlib.suppress(FileNotFoundError):
                p.vault.blob_path(new_id).unlink()
        raise
    p.repo.rekey_attachments(mapping)
    # listed before the save: a kill anywhere after it leaves nothing the next writer keeps
    retired.retire(p.vault, old_dek_id, mapping)
    result.attachments = len(mapping)
    user_names = [n for n, s, _ in users if s == slot_id]
    if user_names:
        p.repo.remove_user(user_names[0])

    p.header = new_header
    p.unlocked = replace(p.unlocked, dek=new_dek, seal=None)
    p.touch(slot_id, "data key rotated")

    def after_save() -> None:
        for backup in p.vault.list_backups():
            if backup.header.get("dek_id") == new_header["dek_id"]:
                continue
            if purge_backups:
                backup.path.unlink()
                result.backups_purged.append(backup.generation)
            elif rewrite_backups and backup.header.get("dek_id") == old_dek_id:
                _rewrite_backup(p, backup, old_dek, new_dek, new_header, mapping)
                result.backups_rewritten.append(backup.generation)
            else:
                still = [s["id"] for s in backup.header["slots"]]
                result.backups_left[backup.generation] = still
        if result.backups_left and any(
            b.header.get("dek_id") == old_dek_id for b in p.vault.list_backups()
        ):
            result.old_blobs_kept = len(mapping)  # old backups still point at them
            return
        retired.settle(p.vault, p.repo.blob_ids)

    p.after_save.append(after_save)
    return result


def rotate_after_passphrase_change(p: Practice) -> Removal:
    """After a passphrase change: a new data key wrapped to every slot, and, once the new
    generation is on disk, every backup written under the old key rewritten under the new one,
    so no earlier passphrase opens the live vault, anything saved later, or a kept backup on
    this machine (copies taken elsewhere before the change are out of reach)."""
    old_dek, old_dek_id = p.unlocked.dek, p.header["dek_id"]
    new_header, new_dek = fmt.rotate_dek(p.header, set(), old_dek)
    result = Removal("")
    p.header = new_header
    p.unlocked = replace(p.unlocked, dek=new_dek, seal=None)
    p.touch("data key rotated")

    def after_save() -> None:
        for backup in p.vault.list_backups():
            if backup.header.get("dek_id") == old_dek_id:
                _rewrite_backup(p, backup, old_dek, new_dek, new_header, {})
                result.backups_rewritten.append(backup.generation)
            elif backup.header.get("dek_id") != new_header["dek_id"]:
                result.backups_left[backup.generation] = [s["id"] for s in backup.header["slots"]]

    p.after_save.append(after_save)
    return result


def _rewrite_backup(
    p: Practice,
    backup: Any,
    old_dek: bytes,
    new_dek: bytes,
    new_header: dict[str, Any],
    mapping: dict[str, tuple[str, bytes]],
) -> None:
    """Re-encrypt one backup under the new data key and slots, keeping its generation and
    time, and pointing its attachments at the re-encrypted files."""
    from ctcm.storage.repo import Repository

    parsed = fmt.parse(backup.path.read_bytes())
    db = Database.from_image(fmt.decrypt(parsed, old_dek))
    Repository(db).rekey_attachments(mapping)
    header = dict(new_header) | {
        "generation": parsed.header["generation"],
        "saved_at": parsed.header["saved_at"],
    }
    note = fmt.open_note(old_dek, parsed.header)
    header["note"] = fmt.seal_note(new_dek, note or "earlier command")
    p.vault.rewrite_backup(backup, fmt.encrypt(header, new_dek, db.image()))
