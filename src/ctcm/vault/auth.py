"""The vault header's authenticity: an authentication key A derived from the data key, a seal
of A in every slot, and a chain of links from each epoch's A to the next (the design is told
in vault/format.py)."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ctcm.errors import VaultError
from ctcm.vault.primitives import aad as _aad
from ctcm.vault.primitives import b64d, b64e
from ctcm.vault.primitives import hkdf as _hkdf


def auth_key(dek: bytes) -> bytes:
    """The authentication key A of a data key (what slot seals and the auth chain carry)."""
    return _hkdf(dek, "ctcm/v2 auth")


def auth_fingerprint(akey: bytes) -> str:
    """A public fingerprint of A, kept on this machine to pin what it has seen."""
    return hashlib.sha256(b"ctcm/v2 auth fingerprint" + akey).hexdigest()


def _seal_key(private_raw: bytes, vault_id: str) -> bytes:
    return _hkdf(private_raw, "ctcm/v2 slot seal", salt=vault_id.encode())


def seal(slot: dict[str, Any], private_raw: bytes, vault_id: str, epoch: int, akey: bytes) -> dict:
    """The slot's seal of A at ``epoch``: only the holder of the slot's private key can make it."""
    nonce = os.urandom(12)
    aad = _aad(vault_id, slot["id"], slot["pub"], str(epoch))
    ct = AESGCM(_seal_key(private_raw, vault_id)).encrypt(nonce, akey, aad)
    return {"epoch": epoch, "nonce": b64e(nonce), "ct": b64e(ct)}


def _open_seal(slot: dict[str, Any], private_raw: bytes, vault_id: str) -> tuple[int, bytes]:
    data = slot["auth"]
    try:
        epoch = int(data["epoch"])
        aad = _aad(vault_id, slot["id"], slot["pub"], str(epoch))
        akey = AESGCM(_seal_key(private_raw, vault_id)).decrypt(
            b64d(data["nonce"]), b64d(data["ct"]), aad
        )
    except (InvalidTag, ValueError, KeyError, TypeError):
        raise VaultError(_forged(slot["id"])) from None
    return epoch, akey


def _forged(slot_id: str) -> str:
    return (
        f"the vault's data key was not written by a key holder (slot '{slot_id}' refuses it): "
        "the file may have been replaced; restore a backup you trust ('ctcm backup list')"
    )


def chain_link(prev_akey: bytes, new_akey: bytes, vault_id: str, epoch: int) -> dict[str, Any]:
    nonce = os.urandom(12)
    ct = AESGCM(prev_akey).encrypt(nonce, new_akey, _aad(vault_id, "chain", str(epoch)))
    return {"epoch": epoch, "nonce": b64e(nonce), "ct": b64e(ct)}


def new_auth() -> dict[str, Any]:
    """The auth object of a brand-new data key (epoch 0, empty chain)."""
    return {"epoch": 0, "chain": []}


def unsealed_slots(header: dict[str, Any]) -> list[str]:
    return [s["id"] for s in header["slots"] if not isinstance(s.get("auth"), dict)]


def with_seal(header: dict[str, Any], slot_id: str, fresh: dict[str, Any]) -> dict[str, Any]:
    """The header with ``slot_id``'s seal replaced; a vault written before authentication
    existed becomes authenticated once every slot has sealed (until then no slot can insist)."""
    slots = [dict(s) | {"auth": fresh} if s["id"] == slot_id else s for s in header["slots"]]
    new = dict(header) | {"slots": slots}
    if not isinstance(new.get("auth"), dict) and not unsealed_slots(new):
        new["auth"] = new_auth()
    return new


def auth_epoch(header: dict[str, Any]) -> int:
    auth = header.get("auth")
    return int(auth["epoch"]) if isinstance(auth, dict) else 0
