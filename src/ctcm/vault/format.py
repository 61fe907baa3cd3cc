"""Byte layout of ``vault.ctcm`` and the key-slot cryptography (the only code that encrypts).

Layout (integers big-endian)::

    0      8   magic  b"\\x89CTM\\r\\n\\x1a\\n"
    8      2   format major version (1)
    10     4   N = header length (at most 1 MiB)
    14     N   header: canonical JSON (sorted keys, no whitespace)
    14+N   32  HMAC-SHA256(K_hdr, bytes[0:14+N])
    46+N   ..  payload: AES-256-GCM STREAM chunks of 1 MiB plaintext

K_hdr = HKDF(DEK, info="ctcm/v1 header"); K_pay = HKDF(DEK, salt=payload_salt, info="ctcm/v1
payload") with a fresh 32-byte ``payload_salt`` on every save. Chunk i uses nonce = i (11 bytes)
plus a last-chunk flag byte, and AAD = SHA-256 of everything before the payload, so any change to
the header, the MAC, the chunk order or the length makes decryption fail.

Key slots wrap the one random data key (DEK) to an X25519 public key. A user slot also carries
its private key sealed under Argon2id(passphrase); a service or recovery slot keeps the private
key outside the vault (an identity file, a printed code). Because wrapping needs only public
keys, the DEK can be rotated for the remaining slots without anyone's passphrase.

Authenticity. Wrapping needs only public keys, so wrapping alone would let anyone who can write
the directory substitute a data key of their own. Each DEK therefore has an authentication key
A = HKDF(DEK, "ctcm/v2 auth"), and every slot carries a *seal*: A of some epoch, encrypted under
a key derived from the slot's private key (which only the slot's holder has). The header's auth
chain links each epoch's A to the next (link i = AEAD(A_{i-1}, A_i)), written by whoever rotates
the DEK while holding the old one. Opening a slot walks from its sealed epoch to the newest and
requires the result to equal A of the DEK it unwrapped: a file made without a slot secret (or
an old DEK) is refused by every slot. A holder re-seals their slot at the newest epoch when
they next write.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ctcm.errors import VaultError, WrongKey
from ctcm.vault.auth import (
    _forged,
    _open_seal,
    auth_epoch,  # noqa: F401  (fmt.auth_epoch: the vault and practice code)
    auth_fingerprint,
    auth_key,
    chain_link,
    new_auth,
    seal,
    unsealed_slots,
    with_seal,  # noqa: F401  (fmt.with_seal: the vault and practice code)
)
from ctcm.vault.kdf import KdfParams, new_kdf_params
from ctcm.vault.primitives import (
    CHUNK,
    b64d,
    b64e,
    blob_decrypt,  # noqa: F401  (fmt.blob_decrypt: vault/store.py)
    blob_encrypt,  # noqa: F401  (fmt.blob_encrypt: vault/store.py)
    canonical_json,
    stream_decrypt,
    stream_encrypt,
)
from ctcm.vault.primitives import aad as _aad
from ctcm.vault.primitives import hkdf as _hkdf
from ctcm.vault.signing import signing_seed, slot_signing_public

MAGIC = b"\x89CTM\r\n\x1a\n"
FORMAT_MAJOR = 1
HEADER_MAX = 1 << 20
PREFIX = len(MAGIC) + 2 + 4
MAC_LEN = 32

# --------------------------------------------------------------------------- slots


def _pub_bytes(key: X25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _priv_bytes(key: X25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_key_of(private_raw: bytes) -> bytes:
    return _pub_bytes(X25519PrivateKey.from_private_bytes(private_raw))


def wrap_dek(dek: bytes, pub: bytes, vault_id: str, slot_id: str, dek_id: str) -> dict[str, str]:
    """Wrap the data key to an X25519 public key (no secret of the slot's owner needed)."""
    eph = X25519PrivateKey.generate()
    epk = _pub_bytes(eph)
    shared = eph.exchange(X25519PublicKey.from_public_bytes(pub))
    key = _hkdf(shared, "ctcm/v1 slot", salt=epk + pub)
    nonce = os.urandom(12)
    ct = AESGCM(key).encrypt(nonce, dek, _aad(vault_id, slot_id, dek_id))
    return {"epk": b64e(epk), "nonce": b64e(nonce), "ct": b64e(ct)}


def unwrap_dek(private_raw: bytes, slot: dict[str, Any], vault_id: str, dek_id: str) -> bytes:
    try:
        return _unwrap_dek(private_raw, slot, vault_id, dek_id)
    except (ValueError, KeyError, TypeError):
        raise VaultError(f"key slot '{slot.get('id')}' is damaged") from None


def _unwrap_dek(private_raw: bytes, slot: dict[str, Any], vault_id: str, dek_id: str) -> bytes:
    priv = X25519PrivateKey.from_private_bytes(private_raw)
    pub = _pub_bytes(priv)
    wrapped = slot["dek"]
    epk = b64d(wrapped["epk"])
    shared = priv.exchange(X25519PublicKey.from_public_bytes(epk))
    key = _hkdf(shared, "ctcm/v1 slot", salt=epk + pub)
    try:
        return AESGCM(key).decrypt(
            b64d(wrapped["nonce"]), b64d(wrapped["ct"]), _aad(vault_id, slot["id"], dek_id)
        )
    except InvalidTag:
        raise WrongKey(f"the key does not open slot '{slot['id']}'") from None


@dataclass(frozen=True, slots=True)
class SlotOpened:
    """The result of opening a slot with its own secret."""

    dek: bytes
    slot_id: str
    seal: dict[str, Any] | None  # a fresher seal to store at the next save, if any
    authenticated: bool  # False only for a vault written before authentication existed
    epoch: int
    fingerprint: str
    signing: bytes = b""  # the slot's Ed25519 seed (vault/signing.py)


def open_slot(
    header: dict[str, Any],
    slot: dict[str, Any],
    private_raw: bytes,
    pin: tuple[int, str] | None = None,
) -> SlotOpened:
    """Unwrap the data key and prove it was written by a key holder; raise VaultError if not.

    ``pin`` is the (epoch, fingerprint) this machine saw last: a chain that disagrees with it at
    that epoch is refused too (it was forked by someone who once held an older data key).
    """
    vault_id = header["vault_id"]
    dek = unwrap_dek(private_raw, slot, vault_id, header["dek_id"])
    akey_now = auth_key(dek)
    auth = header.get("auth")
    if not isinstance(auth, dict):
        # Written before authentication existed: nothing in the file can prove the key. A seal
        # the slot already made must still agree; the caller warns and records the seal.
        if isinstance(slot.get("auth"), dict):
            epoch, akey = _open_seal(slot, private_raw, vault_id)
            if epoch != 0 or not hmac.compare_digest(akey, akey_now):
                raise VaultError(_forged(slot["id"]))
        fresh = seal(slot, private_raw, vault_id, 0, akey_now)
        return SlotOpened(
            dek, slot["id"], fresh, False, 0, auth_fingerprint(akey_now), signing_seed(private_raw)
        )
    if not isinstance(slot.get("auth"), dict):
        raise VaultError(_forged(slot["id"]))
    epoch, akey = _open_seal(slot, private_raw, vault_id)
    newest = int(auth["epoch"])
    links = {int(link["epoch"]): link for link in auth["chain"]}
    if epoch > newest:
        raise VaultError(_forged(slot["id"]))
    for i in range(epoch, newest + 1):
        if i > epoch:
            link = links.get(i)
            if link is None:
                raise VaultError(_forged(slot["id"]))
            try:
                akey = AESGCM(akey).decrypt(
                    b64d(link["nonce"]), b64d(link["ct"]), _aad(vault_id, "chain", str(i))
                )
            except (InvalidTag, ValueError, KeyError, TypeError):
                raise VaultError(_forged(slot["id"])) from None
        if pin is not None and pin[0] == i and auth_fingerprint(akey) != pin[1]:
            raise VaultError(_forged(slot["id"]))
    if not hmac.compare_digest(akey, akey_now):
        raise VaultError(_forged(slot["id"]))
    fresh = seal(slot, private_raw, vault_id, newest, akey_now) if epoch < newest else None
    return SlotOpened(
        dek, slot["id"], fresh, True, newest, auth_fingerprint(akey_now), signing_seed(private_raw)
    )


def make_user_slot(
    slot_id: str,
    label: str,
    passphrase: str,
    dek: bytes,
    vault_id: str,
    dek_id: str,
    kdf: KdfParams | None = None,
    epoch: int = 0,
    private_raw: bytes | None = None,
) -> dict[str, Any]:
    """A passphrase slot: an X25519 key pair whose private half is sealed by Argon2id (a new
    pair unless ``private_raw`` is given: a new vault's id is made from its creator's key)."""
    kdf = kdf or new_kdf_params()
    priv = (
        X25519PrivateKey.from_private_bytes(private_raw)
        if private_raw is not None
        else X25519PrivateKey.generate()
    )
    pub = _pub_bytes(priv)
    kek = kdf.derive(passphrase)
    nonce = os.urandom(12)
    sealed = AESGCM(kek).encrypt(nonce, _priv_bytes(priv), _aad(vault_id, slot_id, b64e(pub)))
    slot = {
        "id": slot_id,
        "type": "x25519+argon2id",
        "label": label,
        "pub": b64e(pub),
        "kdf": kdf.to_json(),
        "sk": {"nonce": b64e(nonce), "ct": b64e(sealed)},
        "dek": wrap_dek(dek, pub, vault_id, slot_id, dek_id),
        "sig": slot_signing_public(_priv_bytes(priv)),
    }
    slot["auth"] = seal(slot, _priv_bytes(priv), vault_id, epoch, auth_key(dek))
    return slot


def make_key_slot(
    slot_id: str, label: str, dek: bytes, vault_id: str, dek_id: str, epoch: int = 0
) -> tuple[dict[str, Any], bytes]:
    """A service or recovery slot; returns the slot and the private key to hand out once."""
    priv = X25519PrivateKey.generate()
    pub = _pub_bytes(priv)
    slot: dict[str, Any] = {
        "id": slot_id,
        "type": "x25519",
        "label": label,
        "pub": b64e(pub),
        "dek": wrap_dek(dek, pub, vault_id, slot_id, dek_id),
        "sig": slot_signing_public(_priv_bytes(priv)),
    }
    slot["auth"] = seal(slot, _priv_bytes(priv), vault_id, epoch, auth_key(dek))
    return slot, _priv_bytes(priv)


def user_private_key(slot: dict[str, Any], passphrase: str, vault_id: str) -> bytes:
    """Return a passphrase slot's X25519 private key, or raise WrongKey."""
    if slot.get("type") != "x25519+argon2id":
        raise VaultError(f"slot '{slot.get('id')}' is not a passphrase slot")
    try:
        kdf = KdfParams.from_json(slot["kdf"])
        nonce, sealed = b64d(slot["sk"]["nonce"]), b64d(slot["sk"]["ct"])
    except (ValueError, KeyError, TypeError):
        raise VaultError(f"key slot '{slot.get('id')}' is damaged") from None
    kek = kdf.derive(passphrase)
    try:
        return AESGCM(kek).decrypt(nonce, sealed, _aad(vault_id, slot["id"], slot["pub"]))
    except (InvalidTag, ValueError):
        raise WrongKey(f"wrong passphrase for user '{slot['id'].removeprefix('user:')}'") from None


def open_user_slot(slot: dict[str, Any], passphrase: str, vault_id: str, dek_id: str) -> bytes:
    """Return the DEK from a passphrase slot (unwrapping only; see open_slot), or raise."""
    return unwrap_dek(user_private_key(slot, passphrase, vault_id), slot, vault_id, dek_id)


def rotate_dek(
    header: dict[str, Any], remove: set[str], old_dek: bytes
) -> tuple[dict[str, Any], bytes]:
    """Drop the slots in ``remove`` and wrap a new data key to every remaining slot.

    Needs no passphrase or identity of the remaining members: wrapping uses their public keys
    only. The new key's authentication key is linked to the old one in the auth chain, so each
    remaining slot still proves it (its seal names the old epoch). Returns the new header and
    the new DEK; the caller re-encrypts the payload with it. Anyone who held the old DEK may
    have kept copies of what it protected; only later saves are out of their reach.
    """
    import secrets

    new_dek = secrets.token_bytes(32)
    dek_id = b64e(secrets.token_bytes(8))
    vault_id = header["vault_id"]
    if not isinstance(header.get("auth"), dict):
        waiting = [s for s in unsealed_slots(header) if s not in remove]
        if waiting:
            raise VaultError(
                "these slots have not been opened with their own key since the upgrade to an "
                f"authenticated vault, and would be locked out: {', '.join(waiting)}; "
                "open the vault once with each of them first"
            )
    auth = header["auth"] if isinstance(header.get("auth"), dict) else new_auth()
    epoch = int(auth["epoch"]) + 1
    link = chain_link(auth_key(old_dek), auth_key(new_dek), vault_id, epoch)
    slots = []
    for slot in header["slots"]:
        if slot["id"] in remove:
            continue
        slot = dict(slot)
        slot["dek"] = wrap_dek(new_dek, b64d(slot["pub"]), vault_id, slot["id"], dek_id)
        slots.append(slot)
    if not any(s.get("type") == "x25519+argon2id" for s in slots):
        raise VaultError("refusing to remove the last user slot")
    new_auth_obj = {"epoch": epoch, "chain": [*auth["chain"], link]}
    return dict(header) | {"slots": slots, "dek_id": dek_id, "auth": new_auth_obj}, new_dek


def find_slot_by_private(header: dict[str, Any], private_raw: bytes) -> dict[str, Any]:
    try:
        pub = b64e(public_key_of(private_raw))
    except ValueError:
        raise WrongKey("not a valid identity key") from None
    for slot in header["slots"]:
        if slot.get("pub") == pub:
            return dict(slot)
    raise WrongKey("this identity has no key slot in the vault (revoked, or another vault)")


# --------------------------------------------------------------------------- whole file


@dataclass(frozen=True, slots=True)
class Parsed:
    header: dict[str, Any]
    signed: bytes  # bytes[0 : 14+N], covered by the MAC
    mac: bytes
    payload: memoryview

    @property
    def generation(self) -> int:
        return int(self.header["generation"])


_HEADER_FIELDS = {
    "format": str,
    "v": int,
    "vault_id": str,
    "generation": int,
    "saved_at": str,
    "dek_id": str,
    "aead": str,
    "chunk": int,
    "payload_salt": str,
    "slots": list,
}
_SLOT_FIELDS = {"id": str, "type": str, "pub": str, "dek": dict}


def _header_ok(header: Any) -> bool:
    """Structural check, so a damaged header fails here and not deep inside unlocking."""
    if not isinstance(header, dict) or header.get("format") != "ctcm-vault":
        return False
    if any(not isinstance(header.get(k), t) for k, t in _HEADER_FIELDS.items()):
        return False
    if (
        header["v"] != FORMAT_MAJOR
        or header["chunk"] != CHUNK
        or header["aead"] != "A256GCM-STREAM"
    ):
        return False
    for slot in header["slots"]:
        if not isinstance(slot, dict) or any(
            not isinstance(slot.get(k), t) for k, t in _SLOT_FIELDS.items()
        ):
            return False
        if slot["type"] not in ("x25519", "x25519+argon2id"):
            return False
        if slot["type"] == "x25519+argon2id" and not (
            isinstance(slot.get("kdf"), dict) and isinstance(slot.get("sk"), dict)
        ):
            return False
        if "auth" in slot and not isinstance(slot["auth"], dict):
            return False
        if "sig" in slot and not isinstance(slot["sig"], str):
            return False
    auth = header.get("auth")
    if auth is not None and not (
        isinstance(auth, dict)
        and isinstance(auth.get("epoch"), int)
        and isinstance(auth.get("chain"), list)
        and all(isinstance(link, dict) for link in auth["chain"])
    ):
        return False
    return True


def parse(data: bytes) -> Parsed:
    """Split a vault file into header, MAC and payload (no key needed); raise VaultError."""
    if len(data) < PREFIX or data[: len(MAGIC)] != MAGIC:
        raise VaultError("not a ctcm vault file")
    major, length = struct.unpack(">HI", data[len(MAGIC) : PREFIX])
    if major != FORMAT_MAJOR:
        raise VaultError(
            f"unsupported vault format version {major} (this ctcm reads {FORMAT_MAJOR})"
        )
    if length > HEADER_MAX or len(data) < PREFIX + length + MAC_LEN:
        raise VaultError("the vault file is truncated or damaged")
    raw = data[PREFIX : PREFIX + length]
    try:
        header = json.loads(raw)
        if canonical_json(header) != raw or not _header_ok(header):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError):
        raise VaultError("the vault header is damaged") from None
    view = memoryview(data)
    return Parsed(
        header=header,
        signed=bytes(view[: PREFIX + length]),
        mac=bytes(view[PREFIX + length : PREFIX + length + MAC_LEN]),
        payload=view[PREFIX + length + MAC_LEN :],
    )


def read_header(path: Any) -> dict[str, Any]:
    """Read and check just the header of a vault file (no key needed, nothing authenticated)."""
    with open(path, "rb") as fh:
        prefix = fh.read(PREFIX)
        if len(prefix) < PREFIX:
            raise VaultError("not a ctcm vault file")
        length = struct.unpack(">I", prefix[len(MAGIC) + 2 :])[0]
        if length > HEADER_MAX:
            raise VaultError("the vault header is damaged")
        rest = fh.read(length + MAC_LEN)
    return parse(prefix + rest).header


def header_authentic(parsed: Parsed, dek: bytes) -> bool:
    expected = hmac.new(_hkdf(dek, "ctcm/v1 header"), parsed.signed, hashlib.sha256).digest()
    return hmac.compare_digest(expected, parsed.mac)


def seal_note(dek: bytes, text: str) -> str:
    """A short note for the header (the command that made a generation), readable by key
    holders only."""
    nonce = os.urandom(12)
    return b64e(nonce + AESGCM(_hkdf(dek, "ctcm/v2 note")).encrypt(nonce, text.encode(), None))


def open_note(dek: bytes, header: dict[str, Any]) -> str | None:
    try:
        raw = b64d(header["note"])
        return AESGCM(_hkdf(dek, "ctcm/v2 note")).decrypt(raw[:12], raw[12:], None).decode()
    except (KeyError, ValueError, TypeError, InvalidTag):
        return None


def decrypt(parsed: Parsed, dek: bytes) -> bytearray:
    """Authenticate the header and return the plaintext database image."""
    if not header_authentic(parsed, dek):
        raise VaultError("the vault header was altered (authentication failed)")
    try:
        salt = b64d(parsed.header["payload_salt"])
    except ValueError:
        raise VaultError("the vault header is damaged") from None
    key = _hkdf(dek, "ctcm/v1 payload", salt=salt)
    aad = hashlib.sha256(parsed.signed + parsed.mac).digest()
    return stream_decrypt(key, parsed.payload, aad)


def encrypt(header: dict[str, Any], dek: bytes, image: bytes | memoryview) -> Iterator[bytes]:
    """Yield the pieces of a vault file for ``header`` (a fresh payload salt is set here)."""
    header = dict(header)
    header["payload_salt"] = b64e(os.urandom(32))
    raw = canonical_json(header)
    if len(raw) > HEADER_MAX:
        raise VaultError("too many key slots: the vault header would exceed 1 MiB")
    signed = MAGIC + struct.pack(">HI", FORMAT_MAJOR, len(raw)) + raw
    mac = hmac.new(_hkdf(dek, "ctcm/v1 header"), signed, hashlib.sha256).digest()
    yield signed
    yield mac
    key = _hkdf(dek, "ctcm/v1 payload", salt=b64d(header["payload_salt"]))
    yield from stream_encrypt(key, image, hashlib.sha256(signed + mac).digest())
