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

import base64
import hashlib
import hmac
import json
import os
import struct
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ctcm.errors import VaultError, WrongKey

MAGIC = b"\x89CTM\r\n\x1a\n"
FORMAT_MAJOR = 1
HEADER_MAX = 1 << 20
CHUNK = 1 << 20
TAG = 16
PREFIX = len(MAGIC) + 2 + 4
MAC_LEN = 32

# Argon2id defaults (RFC 9106 second recommended option) and the floor below which a slot is
# refused: a header edited to weaker parameters must not make guessing cheaper. The ceiling keeps
# a header edited to absurd costs from exhausting memory or time (m in KiB: 1 GiB).
KDF_DEFAULT = {"m": 65536, "t": 3, "p": 4}
KDF_FLOOR = {"m": 65536, "t": 3, "p": 4}
KDF_CEILING = {"m": 1 << 20, "t": 10, "p": 16}


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _hkdf(key: bytes, info: str, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info.encode()).derive(key)


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


# --------------------------------------------------------------------------- STREAM


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def stream_encrypt(key: bytes, plaintext: bytes | memoryview, aad: bytes) -> Iterator[bytes]:
    """Yield the ciphertext chunks of ``plaintext`` (at least one chunk, the last flagged)."""
    aead = AESGCM(key)
    view = memoryview(plaintext)
    total = len(view)
    count = max(1, -(-total // CHUNK))
    for i in range(count):
        piece = view[i * CHUNK : (i + 1) * CHUNK]
        yield aead.encrypt(_nonce(i, i == count - 1), bytes(piece), aad)


def stream_decrypt(key: bytes, payload: bytes | memoryview, aad: bytes) -> bytearray:
    """Return the plaintext; raise VaultError if any chunk is altered, reordered or missing."""
    aead = AESGCM(key)
    view = memoryview(payload)
    out = bytearray()
    size = CHUNK + TAG
    pos = 0
    index = 0
    while True:
        remaining = len(view) - pos
        last = remaining <= size
        piece = view[pos : pos + min(size, remaining)]
        if len(piece) < TAG:
            raise VaultError("the vault file is truncated or damaged")
        try:
            out += aead.decrypt(_nonce(index, last), bytes(piece), aad)
        except InvalidTag:
            raise VaultError("the vault file is damaged or was altered") from None
        pos += len(piece)
        index += 1
        if last:
            return out


# --------------------------------------------------------------------------- slots


@dataclass(frozen=True, slots=True)
class KdfParams:
    m: int
    t: int
    p: int
    salt: bytes

    def check_bounds(self) -> None:
        if self.m < KDF_FLOOR["m"] or self.t < KDF_FLOOR["t"] or self.p < KDF_FLOOR["p"]:
            raise VaultError("a key slot has key-derivation parameters below the safe floor")
        if self.m > KDF_CEILING["m"] or self.t > KDF_CEILING["t"] or self.p > KDF_CEILING["p"]:
            raise VaultError(
                "a key slot asks for key-derivation costs above the ceiling "
                "(memory 1 GiB, 10 passes, 16 lanes): the header was altered"
            )

    def derive(self, passphrase: str) -> bytes:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        self.check_bounds()
        secret = unicodedata.normalize("NFKD", passphrase).encode("utf-8")
        kdf = Argon2id(
            salt=self.salt, length=32, iterations=self.t, lanes=self.p, memory_cost=self.m
        )
        try:
            return kdf.derive(secret)
        except MemoryError:
            raise VaultError(
                "not enough memory to derive the key (the slot asks for "
                f"{self.m // 1024} MiB); close other programs and try again"
            ) from None

    def to_json(self) -> dict[str, Any]:
        return {
            "alg": "argon2id",
            "v": 19,
            "m": self.m,
            "t": self.t,
            "p": self.p,
            "salt": b64e(self.salt),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KdfParams:
        if data.get("alg") != "argon2id":
            raise VaultError("a key slot uses an unknown key-derivation function")
        params = cls(m=int(data["m"]), t=int(data["t"]), p=int(data["p"]), salt=b64d(data["salt"]))
        params.check_bounds()
        return params


def new_kdf_params() -> KdfParams:
    return KdfParams(salt=os.urandom(16), **KDF_DEFAULT)


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


def _aad(*parts: str) -> bytes:
    return "|".join(parts).encode()


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


# --------------------------------------------------------------------------- authenticity


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


@dataclass(frozen=True, slots=True)
class SlotOpened:
    """The result of opening a slot with its own secret."""

    dek: bytes
    slot_id: str
    seal: dict[str, Any] | None  # a fresher seal to store at the next save, if any
    authenticated: bool  # False only for a vault written before authentication existed
    epoch: int
    fingerprint: str


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
        return SlotOpened(dek, slot["id"], fresh, False, 0, auth_fingerprint(akey_now))
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
    return SlotOpened(dek, slot["id"], fresh, True, newest, auth_fingerprint(akey_now))


def make_user_slot(
    slot_id: str,
    label: str,
    passphrase: str,
    dek: bytes,
    vault_id: str,
    dek_id: str,
    kdf: KdfParams | None = None,
    epoch: int = 0,
) -> dict[str, Any]:
    """A passphrase slot: an X25519 key pair whose private half is sealed by Argon2id."""
    kdf = kdf or new_kdf_params()
    priv = X25519PrivateKey.generate()
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


# --------------------------------------------------------------------------- blobs

BLOB_MAGIC = b"CTCMBLB1"


def blob_encrypt(key: bytes, blob_id: str, data: bytes) -> bytes:
    return BLOB_MAGIC + b"".join(stream_encrypt(key, data, _aad("blob", blob_id)))


def blob_decrypt(key: bytes, blob_id: str, data: bytes) -> bytes:
    if data[: len(BLOB_MAGIC)] != BLOB_MAGIC:
        raise VaultError(f"attachment {blob_id} is damaged")
    try:
        return bytes(
            stream_decrypt(key, memoryview(data)[len(BLOB_MAGIC) :], _aad("blob", blob_id))
        )
    except VaultError:
        raise VaultError(f"attachment {blob_id} is damaged or was altered") from None
