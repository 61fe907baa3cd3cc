"""The vault file format: authentication of every byte, chunking, slots, rotation."""

from __future__ import annotations

import os
import secrets

import pytest

from ctcm.errors import VaultError, WrongKey
from ctcm.vault import format as fmt
from ctcm.vault.unlock import format_recovery_code, parse_identity

# Cheap KDF parameters are only possible by bypassing the floor, so slot tests that need a
# passphrase use the real defaults (slow, but only a few times).


def _header(slots: list[dict[str, object]], vault_id: str, dek_id: str) -> dict[str, object]:
    return {
        "format": "ctcm-vault",
        "v": 1,
        "vault_id": vault_id,
        "generation": 7,
        "saved_at": "2026-01-01T00:00:00Z",
        "dek_id": dek_id,
        "aead": "A256GCM-STREAM",
        "chunk": fmt.CHUNK,
        "slots": slots,
    }


@pytest.fixture(scope="module")
def small() -> tuple[bytes, bytes, bytes, bytes]:
    """A small vault file with a service slot: (file, dek, private key, image)."""
    dek = secrets.token_bytes(32)
    vault_id, dek_id = fmt.b64e(os.urandom(16)), fmt.b64e(os.urandom(8))
    slot, private = fmt.make_key_slot("svc:t", "t", dek, vault_id, dek_id)
    image = b"SQLite format 3\x00" + os.urandom(600)
    data = b"".join(fmt.encrypt(_header([slot], vault_id, dek_id), dek, image))
    return data, dek, private, image


def _open(data: bytes, private: bytes) -> bytes:
    parsed = fmt.parse(data)
    slot = fmt.find_slot_by_private(parsed.header, private)
    dek = fmt.unwrap_dek(private, slot, parsed.header["vault_id"], parsed.header["dek_id"])
    return bytes(fmt.decrypt(parsed, dek))


def test_round_trip(small: tuple[bytes, bytes, bytes, bytes]) -> None:
    data, _, private, image = small
    assert _open(data, private) == image
    assert b"SQLite format 3" not in data


def test_every_single_byte_change_is_detected(small: tuple[bytes, bytes, bytes, bytes]) -> None:
    data, _, private, _ = small
    for i in range(len(data)):
        for flip in (0x01, 0x80):
            tampered = bytearray(data)
            tampered[i] ^= flip
            with pytest.raises(VaultError):
                _open(bytes(tampered), private)


@pytest.mark.parametrize("cut", [0, 5, 13, 40, 200, -1, -16, -17, -100])
def test_truncation_is_detected(small: tuple[bytes, bytes, bytes, bytes], cut: int) -> None:
    data, _, private, _ = small
    with pytest.raises(VaultError):
        _open(data[:cut] if cut >= 0 else data[:cut], private)


def test_appended_bytes_are_detected(small: tuple[bytes, bytes, bytes, bytes]) -> None:
    data, _, private, _ = small
    with pytest.raises(VaultError):
        _open(data + b"\x00", private)


def test_multi_chunk_images_round_trip_and_reordering_is_detected() -> None:
    dek = secrets.token_bytes(32)
    image = os.urandom(fmt.CHUNK * 2 + 1234)
    key = secrets.token_bytes(32)
    chunks = list(fmt.stream_encrypt(key, image, b"aad"))
    assert len(chunks) == 3
    assert bytes(fmt.stream_decrypt(key, b"".join(chunks), b"aad")) == image
    with pytest.raises(VaultError):
        fmt.stream_decrypt(key, chunks[1] + chunks[0] + chunks[2], b"aad")
    with pytest.raises(VaultError):  # dropping the final chunk: the previous one is not "last"
        fmt.stream_decrypt(key, chunks[0] + chunks[1], b"aad")
    with pytest.raises(VaultError):
        fmt.stream_decrypt(key, b"".join(chunks), b"other aad")
    assert dek  # the data key itself is never used directly as a cipher key


def test_exact_chunk_multiple_and_empty_image() -> None:
    key = secrets.token_bytes(32)
    for size in (0, fmt.CHUNK):
        image = os.urandom(size)
        assert (
            bytes(fmt.stream_decrypt(key, b"".join(fmt.stream_encrypt(key, image, b"")), b""))
            == image
        )


def test_each_save_uses_a_fresh_payload_key(small: tuple[bytes, bytes, bytes, bytes]) -> None:
    data, dek, private, image = small
    header = fmt.parse(data).header
    again = b"".join(fmt.encrypt(header, dek, image))
    assert fmt.parse(again).header["payload_salt"] != header["payload_salt"]
    assert again[-100:] != data[-100:]
    assert _open(again, private) == image


def test_not_a_vault_and_unknown_version() -> None:
    with pytest.raises(VaultError, match="not a ctcm vault"):
        fmt.parse(b"hello world, this is not a vault at all")
    with pytest.raises(VaultError, match="unsupported vault format version 2"):
        fmt.parse(fmt.MAGIC + b"\x00\x02" + b"\x00" * 60)


@pytest.mark.slow
def test_user_slots_passphrase_floor_and_rotation_without_secrets() -> None:
    dek = secrets.token_bytes(32)
    vault_id, dek_id = fmt.b64e(os.urandom(16)), fmt.b64e(os.urandom(8))
    alice = fmt.make_user_slot("user:alice", "Alice", "alice passphrase!", dek, vault_id, dek_id)
    bob = fmt.make_user_slot("user:bob", "Bob", "bob's passphrase", dek, vault_id, dek_id)
    cron, cron_key = fmt.make_key_slot("svc:cron", "cron", dek, vault_id, dek_id)
    header = _header([alice, bob, cron], vault_id, dek_id)
    assert fmt.open_user_slot(alice, "alice passphrase!", vault_id, dek_id) == dek
    with pytest.raises(WrongKey, match="wrong passphrase for user 'alice'"):
        fmt.open_user_slot(alice, "not the passphrase", vault_id, dek_id)

    weak = dict(alice) | {"kdf": dict(alice["kdf"]) | {"m": 1024}}
    with pytest.raises(VaultError, match="below the safe floor"):
        fmt.open_user_slot(weak, "alice passphrase!", vault_id, dek_id)

    # Bob leaves: drop his slot and rotate the data key knowing nobody else's secret.
    rotated, new_dek = fmt.rotate_dek(header, {"user:bob"}, dek)
    assert new_dek != dek and rotated["dek_id"] != dek_id
    assert [s["id"] for s in rotated["slots"]] == ["user:alice", "svc:cron"]
    slots = {s["id"]: s for s in rotated["slots"]}
    assert (
        fmt.open_user_slot(slots["user:alice"], "alice passphrase!", vault_id, rotated["dek_id"])
        == new_dek
    )
    assert fmt.unwrap_dek(cron_key, slots["svc:cron"], vault_id, rotated["dek_id"]) == new_dek
    with pytest.raises(WrongKey):  # the old wrapped key of bob no longer matches
        fmt.open_user_slot(bob, "bob's passphrase", vault_id, rotated["dek_id"])
    with pytest.raises(VaultError, match="last user slot"):
        fmt.rotate_dek(rotated, {"user:alice"}, new_dek)


def test_identity_and_recovery_code_formats() -> None:
    private = os.urandom(32)
    code = format_recovery_code(private)
    assert parse_identity(code) == private
    assert parse_identity(code.lower().replace("-", " ")) == private
    assert parse_identity(f"# comment\nCTCM-IDENTITY-1:{fmt.b64e(private)}\n") == private
    from ctcm.errors import InvalidInput

    with pytest.raises(InvalidInput):
        parse_identity("garbage")


def test_blob_round_trip_and_tamper() -> None:
    key = secrets.token_bytes(32)
    blob = fmt.blob_encrypt(key, "a" * 32, b"scan bytes")
    assert fmt.blob_decrypt(key, "a" * 32, blob) == b"scan bytes"
    with pytest.raises(VaultError):
        fmt.blob_decrypt(key, "b" * 32, blob)  # bound to its id: blobs cannot be swapped
    bad = bytearray(blob)
    bad[-1] ^= 1
    with pytest.raises(VaultError):
        fmt.blob_decrypt(key, "a" * 32, bytes(bad))
