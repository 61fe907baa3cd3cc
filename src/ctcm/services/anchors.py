"""Anchors: a signed note of the vault's generation, audit head and signed-write record, kept
outside the vault (a file on another disk, a mail), so a rolled-back or forked vault is refused
on a machine that has no record of its own (a new machine, deleted state, vault and state
rolled back together).

``ctcm audit anchor --out FILE`` writes one, signed by the caller's slot; ``CTCM_ANCHOR=FILE``
(or ``ctcm audit anchor --check FILE``) makes every open compare the vault with it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ctcm.errors import InvalidInput, VaultError
from ctcm.storage import chainrepo
from ctcm.vault import signing
from ctcm.vault.primitives import canonical_json

ANCHOR_FORMAT = "ctcm-anchor-1"


class AnchorRefused(VaultError):
    """The vault is older than, or forked from, an anchor it was shown (exit 1)."""


def make_anchor(p: Any) -> dict[str, Any]:
    last = chainrepo.last_chain_row(p.db.conn)
    if last is None:
        raise InvalidInput(
            "this vault has no signed writes yet (a vault from an older ctcm): run one "
            "command that saves, then make the anchor"
        )
    if not p.unlocked.signing:
        raise VaultError("this session began before writes were signed; run 'ctcm unlock'")
    body = {
        "format": ANCHOR_FORMAT,
        "vault": p.header["vault_id"],
        "generation": p.generation,
        "saved_at": p.header.get("saved_at", ""),
        "audit_head": p.repo.audit_head(),
        "write_seq": last.seq,
        "write_hash": last.hash,
        "signer": p.actor,
    }
    signature = signing.sign(p.unlocked.signing, b"ctcm/v3 anchor|" + canonical_json(body))
    p.touch(f"anchor:g{p.generation}")
    return body | {"sig": signature}


def read_anchor(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != ANCHOR_FORMAT:
            raise ValueError
        for key, kind in (("vault", str), ("generation", int), ("write_seq", int)):
            if not isinstance(data.get(key), kind):
                raise ValueError
    except FileNotFoundError:
        raise InvalidInput(f"no anchor file {path}") from None
    except (OSError, ValueError, UnicodeDecodeError):
        raise InvalidInput(f"{path} is not a ctcm anchor (made by 'ctcm audit anchor')") from None
    return data


def check_anchor(header: dict[str, Any], conn: Any, anchor: dict[str, Any]) -> None:
    """Refuse a vault older than the anchor or whose signed history forks from it; an anchor
    of another vault, or one its own role table cannot vouch for, is refused too."""
    if anchor["vault"] != header["vault_id"]:
        raise InvalidInput("the anchor belongs to another vault")
    generation = int(header["generation"])
    if generation < anchor["generation"]:
        raise AnchorRefused(
            f"the vault file is generation {generation}, older than generation "
            f"{anchor['generation']} in the anchor (saved {anchor.get('saved_at', '?')}): an "
            "older copy was put in its place; restore the newest backup you trust"
        )
    rows = chainrepo.chain_rows(conn, int(anchor["write_seq"]))
    if not rows or rows[0].seq != anchor["write_seq"] or rows[0].hash != anchor.get("write_hash"):
        raise AnchorRefused(
            f"the vault's signed history does not contain the anchor's record "
            f"{anchor['write_seq']}: it forked from or replaced the anchored one"
        )
    # the signer's key as the role table of the anchored record had it (a later passphrase
    # change gives the signer a new key)
    roles = json.loads(rows[0].body).get("roles", "")
    table = json.loads(chainrepo.role_table_bodies(conn, [roles]).get(roles, "{}"))
    key = (table.get(str(anchor.get("signer"))) or [None, None])[1]
    body = {k: v for k, v in anchor.items() if k != "sig"}
    if not key or not signing.verify(
        key, b"ctcm/v3 anchor|" + canonical_json(body), str(anchor.get("sig", ""))
    ):
        raise AnchorRefused("the anchor's signature does not verify against this vault's users")
