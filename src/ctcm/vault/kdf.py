"""Argon2id, the passphrase slots' key derivation: its parameters, stored in each slot, with
a floor and a ceiling checked before any derivation."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from ctcm.errors import VaultError
from ctcm.vault.primitives import b64d, b64e

# Argon2id defaults (RFC 9106 second recommended option) and the floor below which a slot is
# refused: a header edited to weaker parameters must not make guessing cheaper. The ceiling keeps
# a header edited to absurd costs from exhausting memory or time (m in KiB: 1 GiB).
KDF_DEFAULT = {"m": 65536, "t": 3, "p": 4}
KDF_FLOOR = {"m": 65536, "t": 3, "p": 4}
KDF_CEILING = {"m": 1 << 20, "t": 10, "p": 16}


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
