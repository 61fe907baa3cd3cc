"""Signing keys of the key slots (Ed25519), so a saved generation names the slot that wrote it
and nobody else can sign for that slot.

A slot's signing key is derived from the slot's own X25519 private key (which only its holder
has: sealed by the passphrase, or in the identity file), so it needs no storage of its own; its
public half is kept in the slot (``sig``) and, authoritatively, in the signed role table
(services/writers.py). A vault created by this ctcm has an id derived from its creator's signing
key, so the first signed record of its history cannot be replaced by another one.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ctcm.vault.primitives import b64d, b64e, hkdf

# a vault id made from its creator's signing key starts with these bytes (a random id of an
# older vault does so with a chance of 2^-32)
_BOUND_MAGIC = b"\xc7\x7c\x3a\x17"


def signing_seed(private_raw: bytes) -> bytes:
    """The slot's Ed25519 seed, derived from its X25519 private key (random per slot)."""
    return hkdf(private_raw, "ctcm/v3 signing key")


def public_of(seed: bytes) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return b64e(key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def slot_signing_public(private_raw: bytes) -> str:
    return public_of(signing_seed(private_raw))


def sign(seed: bytes, message: bytes) -> str:
    return b64e(Ed25519PrivateKey.from_private_bytes(seed).sign(message))


def verify(public: str, message: bytes, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(b64d(public)).verify(b64d(signature), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def bound_vault_id(creator_public: str) -> str:
    """A new vault's id: a marker and 96 bits of the hash of its creator's signing key."""
    digest = hashlib.sha256(b"ctcm/v3 vault id" + b64d(creator_public)).digest()
    return b64e(_BOUND_MAGIC + digest[:12])


def is_bound(vault_id: str) -> bool:
    try:
        return b64d(vault_id)[:4] == _BOUND_MAGIC
    except ValueError:
        return False


def binds(vault_id: str, creator_public: str) -> bool:
    try:
        return bound_vault_id(creator_public) == vault_id
    except ValueError:
        return False
