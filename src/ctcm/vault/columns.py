"""Column encryption for a practice on a database server: the server stores what it cannot
read. Each sensitive value is AES-256-GCM under a column key derived from the practice's data
key, its associated data binding it to table, column and row key, so a ciphertext moved to
another row or column fails to decrypt. Equality look-ups on a sensitive column use a keyed
blind index (HMAC-SHA256 under a second derived key): the server can match equal values
without learning them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from ctcm.errors import VaultError

PREFIX = "v1:"


@lru_cache(maxsize=8)
def _derive(dek: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(dek)


def column_key(dek: bytes) -> bytes:
    return _derive(dek, b"ctcm column encryption v1")


def index_key(dek: bytes) -> bytes:
    return _derive(dek, b"ctcm blind index v1")


def _aad(table: str, column: str, row: str) -> bytes:
    return f"{table}|{column}|{row}".encode()


def seal(key: bytes, table: str, column: str, row: str, value: str | None) -> str | None:
    """``value`` encrypted for (table, column, row); None stays None (an absent value is not a
    secret the server can learn from)."""
    if value is None:
        return None
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, str(value).encode(), _aad(table, column, row))
    return PREFIX + base64.b64encode(nonce + sealed).decode()


def unseal(key: bytes, table: str, column: str, row: str, value: str | None) -> str | None:
    if value is None:
        return None
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not value.startswith(PREFIX):
        raise VaultError(f"{table}.{column} of row {row} is not encrypted on the server")
    raw = base64.b64decode(value[len(PREFIX) :])
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], _aad(table, column, row)).decode()
    except (InvalidTag, ValueError):
        raise VaultError(
            f"{table}.{column} of row {row} does not decrypt: changed, or moved from another row"
        ) from None


def blind_index(key: bytes, table: str, column: str, value: str | None) -> str | None:
    """A keyed digest of ``value`` for equality look-ups (same value, same column: same
    index); None for no value."""
    if value is None:
        return None
    message = f"{table}|{column}|{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
