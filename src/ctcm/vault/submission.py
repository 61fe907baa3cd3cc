"""Sealed staff submissions: a document sent in by someone with no vault access.

The vault has an X25519 submission key pair: the public half is in the (authenticated) vault
header and exported as a key file; the private half lives inside the encrypted database. A
submission is one file: a JSON header (vault id, key id, ephemeral public key) and, under
AES-256-GCM with a key from X25519 + HKDF-SHA256, the metadata and the file's bytes. The
header is the AEAD's associated data, so any change to either part is detected. The submitter
keeps nothing that opens it again.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ctcm.errors import InvalidInput
from ctcm.vault.format import _hkdf, _priv_bytes, _pub_bytes, b64d, b64e

MAGIC = b"CTCM-SUBMISSION/1\n"
KEY_FORMAT = "ctcm-inbox-key"
CARD_FORMAT = "ctcm-submit-card"
_INFO = "ctcm/v1 submission"


class SubmissionRefused(InvalidInput):
    """A submission that is not ours, was altered, or is damaged."""


@dataclass(frozen=True, slots=True)
class InboxKey:
    pub: bytes
    key_id: str
    vault_id: str
    practice: str

    def to_text(self) -> str:
        return (
            json.dumps(
                {
                    "format": KEY_FORMAT,
                    "v": 1,
                    "practice": self.practice,
                    "vault_id": self.vault_id,
                    "key_id": self.key_id,
                    "pub": b64e(self.pub),
                },
                indent=2,
            )
            + "\n"
        )


def fingerprint(pub: bytes) -> str:
    """A short fingerprint of the submission key, to compare with the office's."""
    import hashlib

    digest = hashlib.sha256(pub).hexdigest()[:16].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True, slots=True)
class Card:
    """One person's submit card: the practice's submission key, their id and their own
    outstanding document types (key, name); nothing about anyone else."""

    key: InboxKey
    person: str
    types: tuple[tuple[str, str], ...]
    drop: str
    made: str

    def to_text(self) -> str:
        return (
            json.dumps(
                {
                    "format": CARD_FORMAT,
                    "v": 1,
                    "practice": self.key.practice,
                    "person": self.person,
                    "types": [{"key": k, "name": n} for k, n in self.types],
                    "drop": self.drop,
                    "made": self.made,
                    "vault_id": self.key.vault_id,
                    "key_id": self.key.key_id,
                    "pub": b64e(self.key.pub),
                    "fingerprint": fingerprint(self.key.pub),
                },
                indent=2,
            )
            + "\n"
        )


def new_key_pair() -> tuple[bytes, bytes]:
    """(private, public) raw X25519 keys."""
    priv = X25519PrivateKey.generate()
    return _priv_bytes(priv), _pub_bytes(priv)


def parse_key(text: str, where: str) -> InboxKey:
    return parse_card(text, where)[0]


def parse_card(text: str, where: str) -> tuple[InboxKey, Card | None]:
    """The submission key in a key file or a submit card, and the card if it is one. A card's
    fingerprint must match its key (a card edited by hand is refused)."""
    try:
        data = json.loads(text)
        if data.get("format") not in (KEY_FORMAT, CARD_FORMAT) or data.get("v") != 1:
            raise ValueError
        pub = b64d(data["pub"])
        if len(pub) != 32:
            raise ValueError
        key = InboxKey(pub, str(data["key_id"]), str(data["vault_id"]), str(data["practice"]))
        if data["format"] == KEY_FORMAT:
            return key, None
        if data.get("fingerprint") != fingerprint(pub):
            raise ValueError
        types = tuple((str(t["key"]), str(t["name"])) for t in data["types"])
        card = Card(key, str(data["person"]), types, str(data.get("drop") or ""), str(data["made"]))
        return key, card
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InvalidInput(
            f"{where} is not a ctcm submission key or submit card (your submit card comes with "
            "your status mail from the office)"
        ) from None


def seal(key: InboxKey, meta: dict[str, Any], content: bytes) -> bytes:
    eph = X25519PrivateKey.generate()
    epk = _pub_bytes(eph)
    header = json.dumps(
        {"vault_id": key.vault_id, "key_id": key.key_id, "epk": b64e(epk)}, sort_keys=True
    ).encode()
    secret = _hkdf(eph.exchange(X25519PublicKey.from_public_bytes(key.pub)), _INFO, epk + key.pub)
    meta_bytes = json.dumps(meta, sort_keys=True).encode()
    body = struct.pack(">I", len(meta_bytes)) + meta_bytes + content
    nonce = os.urandom(12)
    sealed = AESGCM(secret).encrypt(nonce, body, header)
    return MAGIC + struct.pack(">I", len(header)) + header + nonce + sealed


def header_of(data: bytes) -> dict[str, str]:
    """The clear header (vault and key ids), or SubmissionRefused."""
    return _split(data)[0]


def _split(data: bytes) -> tuple[dict[str, str], bytes, bytes, bytes]:
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise SubmissionRefused("not a ctcm submission file")
    rest = data[len(MAGIC) :]
    (size,) = struct.unpack(">I", rest[:4])
    raw = rest[4 : 4 + size]
    try:
        header = json.loads(raw)
        assert isinstance(header, dict) and {"vault_id", "key_id", "epk"} <= set(header)
    except (ValueError, AssertionError):
        raise SubmissionRefused("the submission's header is damaged") from None
    body = rest[4 + size :]
    return header, raw, body[:12], body[12:]


def open_sealed(
    data: bytes, private: bytes, vault_id: str, key_id: str
) -> tuple[dict[str, Any], bytes]:
    """(metadata, file bytes) of a submission made with this vault's key, else
    SubmissionRefused with the reason."""
    header, raw, nonce, sealed = _split(data)
    if header["vault_id"] != vault_id:
        raise SubmissionRefused("it was made with another practice's key (another vault)")
    if header["key_id"] != key_id:
        raise SubmissionRefused("it was made with a submission key this vault no longer uses")
    priv = X25519PrivateKey.from_private_bytes(private)
    try:
        epk = b64d(header["epk"])
        secret = _hkdf(
            priv.exchange(X25519PublicKey.from_public_bytes(epk)), _INFO, epk + _pub_bytes(priv)
        )
        body = AESGCM(secret).decrypt(nonce, sealed, raw)
    except (InvalidTag, ValueError):
        raise SubmissionRefused("it was altered or damaged after it was sealed") from None
    (size,) = struct.unpack(">I", body[:4])
    try:
        meta = json.loads(body[4 : 4 + size])
    except ValueError:
        raise SubmissionRefused("its contents are damaged") from None
    return meta, body[4 + size :]
