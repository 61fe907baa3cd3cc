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
# refused: a header edited to weaker parameters must not make guessing cheaper.
KDF_DEFAULT = {"m": 65536, "t": 3, "p": 4}
KDF_FLOOR = {"m": 65536, "t": 3, "p": 4}


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

    def check_floor(self) -> None:
        if self.m < KDF_FLOOR["m"] or self.t < KDF_FLOOR["t"] or self.p < KDF_FLOOR["p"]:
            raise VaultError("a key slot has key-derivation parameters below the safe floor")

    def derive(self, passphrase: str) -> bytes:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        self.check_floor()
        secret = unicodedata.normalize("NFKD", passphrase).encode("utf-8")
        kdf = Argon2id(
            salt=self.salt, length=32, iterations=self.t, lanes=self.p, memory_cost=self.m
        )
        return kdf.derive(secret)

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
        return cls(m=int(data["m"]), t=int(data["t"]), p=int(data["p"]), salt=b64d(data["salt"]))


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


def make_user_slot(
    slot_id: str,
    label: str,
    passphrase: str,
    dek: bytes,
    vault_id: str,
    dek_id: str,
    kdf: KdfParams | None = None,
) -> dict[str, Any]:
    """A passphrase slot: an X25519 key pair whose private half is sealed by Argon2id."""
    kdf = kdf or new_kdf_params()
    priv = X25519PrivateKey.generate()
    pub = _pub_bytes(priv)
    kek = kdf.derive(passphrase)
    nonce = os.urandom(12)
    sealed = AESGCM(kek).encrypt(nonce, _priv_bytes(priv), _aad(vault_id, slot_id, b64e(pub)))
    return {
        "id": slot_id,
        "type": "x25519+argon2id",
        "label": label,
        "pub": b64e(pub),
        "kdf": kdf.to_json(),
        "sk": {"nonce": b64e(nonce), "ct": b64e(sealed)},
        "dek": wrap_dek(dek, pub, vault_id, slot_id, dek_id),
    }


def make_key_slot(
    slot_id: str, label: str, dek: bytes, vault_id: str, dek_id: str
) -> tuple[dict[str, Any], bytes]:
    """A service or recovery slot; returns the slot and the private key to hand out once."""
    priv = X25519PrivateKey.generate()
    pub = _pub_bytes(priv)
    slot = {
        "id": slot_id,
        "type": "x25519",
        "label": label,
        "pub": b64e(pub),
        "dek": wrap_dek(dek, pub, vault_id, slot_id, dek_id),
    }
    return slot, _priv_bytes(priv)


def open_user_slot(slot: dict[str, Any], passphrase: str, vault_id: str, dek_id: str) -> bytes:
    """Return the DEK from a passphrase slot, or raise WrongKey."""
    if slot.get("type") != "x25519+argon2id":
        raise VaultError(f"slot '{slot.get('id')}' is not a passphrase slot")
    try:
        kdf = KdfParams.from_json(slot["kdf"])
        nonce, sealed = b64d(slot["sk"]["nonce"]), b64d(slot["sk"]["ct"])
    except (ValueError, KeyError, TypeError):
        raise VaultError(f"key slot '{slot.get('id')}' is damaged") from None
    kek = kdf.derive(passphrase)
    try:
        priv = AESGCM(kek).decrypt(nonce, sealed, _aad(vault_id, slot["id"], slot["pub"]))
    except (InvalidTag, ValueError):
        raise WrongKey(f"wrong passphrase for user '{slot['id'].removeprefix('user:')}'") from None
    return unwrap_dek(priv, slot, vault_id, dek_id)


def rotate_dek(header: dict[str, Any], remove: set[str]) -> tuple[dict[str, Any], bytes]:
    """Drop the slots in ``remove`` and wrap a new data key to every remaining slot.

    Needs no passphrase or identity of the remaining members: wrapping uses their public keys
    only. Returns the new header and the new DEK; the caller re-encrypts the payload with it.
    Anyone who held the old DEK may have kept copies of what it protected; only later saves
    are out of their reach.
    """
    import secrets

    new_dek = secrets.token_bytes(32)
    dek_id = b64e(secrets.token_bytes(8))
    slots = []
    for slot in header["slots"]:
        if slot["id"] in remove:
            continue
        slot = dict(slot)
        slot["dek"] = wrap_dek(new_dek, b64d(slot["pub"]), header["vault_id"], slot["id"], dek_id)
        slots.append(slot)
    if not any(s.get("type") == "x25519+argon2id" for s in slots):
        raise VaultError("refusing to remove the last user slot")
    return dict(header) | {"slots": slots, "dek_id": dek_id}, new_dek


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


def decrypt(parsed: Parsed, dek: bytes) -> bytearray:
    """Authenticate the header and return the plaintext database image."""
    expected = hmac.new(_hkdf(dek, "ctcm/v1 header"), parsed.signed, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, parsed.mac):
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
