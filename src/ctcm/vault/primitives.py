"""The vault's primitives: encodings, HKDF, associated data, and the STREAM construction of the
payload and of encrypted scans (AES-256-GCM in 1 MiB chunks, each nonce the chunk's index plus
a last-chunk flag, so a reordered, truncated or extended ciphertext is refused)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ctcm.errors import VaultError

CHUNK = 1 << 20
TAG = 16


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def hkdf(key: bytes, info: str, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info.encode()).derive(key)


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def aad(*parts: str) -> bytes:
    return "|".join(parts).encode()


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


# --------------------------------------------------------------------------- blobs

BLOB_MAGIC = b"CTCMBLB1"


def blob_encrypt(key: bytes, blob_id: str, data: bytes) -> bytes:
    return BLOB_MAGIC + b"".join(stream_encrypt(key, data, aad("blob", blob_id)))


def blob_decrypt(key: bytes, blob_id: str, data: bytes) -> bytes:
    if data[: len(BLOB_MAGIC)] != BLOB_MAGIC:
        raise VaultError(f"attachment {blob_id} is damaged")
    try:
        return bytes(stream_decrypt(key, memoryview(data)[len(BLOB_MAGIC) :], aad("blob", blob_id)))
    except VaultError:
        raise VaultError(f"attachment {blob_id} is damaged or was altered") from None
