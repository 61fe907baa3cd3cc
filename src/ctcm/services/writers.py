"""Signed writes: every saved generation names the key slot that wrote it, signed with that
slot's key, and the role table in force; a generation that a key holder without the role made
(a cron identity that edited the file with the data key it holds, say) is refused on open.

Each save appends a record to ``write_chain`` (storage/chainrepo.py)::

    {v, vault, seq, gen, writer, prev, roles, digests, kind}

``roles`` names the role table (slot -> [role, signing key, user name, person]) of the
generation, ``digests`` hash its records and its settings, ``prev`` is the previous record's
hash. Opening walks the chain (from the last record this machine verified, else from the
first) and refuses, with one line:

- a record not signed by its writer's key as the *previous* role table has it;
- a role table changed by anyone but an admin of the previous table (a user may only replace
  or first register their own signing key: ``user passwd``, the first save after an upgrade);
- records or settings changed by a writer whose role may not change them (cron and auditor
  change only the ledger: deliveries and the audit trail);
- a generation whose contents, roles or number differ from its last record;
- a vault created by this ctcm whose first record is not its creator's (the vault id is made
  from the creator's key), or a chain that disagrees with what this machine verified before.

A vault from an older ctcm has no chain: its first save starts one (kind ``upgrade``) with the
role table as it stands, and each slot's signing key is registered by its holder's first save.
Until an admin has saved once, that start is trust on first use (docs/security.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ctcm.errors import VaultError
from ctcm.storage import chainrepo
from ctcm.vault import signing
from ctcm.vault.primitives import canonical_json

MAY_CHANGE: dict[str, frozenset[str]] = {
    "admin": frozenset({"roles", "records", "settings", "inbox"}),
    "officer": frozenset({"records", "settings"}),
    "manager": frozenset({"records", "settings"}),
    "auditor": frozenset(),
    "cron": frozenset(),
}
# a restore brings back an older generation's records and settings (never its roles)
RESTORERS = frozenset({"admin"})


@dataclass(frozen=True, slots=True)
class Verified:
    seq: int
    hash: str
    generation: int
    authed: bool = False  # the header of the last signed save carried data-key authentication


class Refused(VaultError):
    """A generation the write chain does not vouch for (exit 1)."""


def role_table(header: dict[str, Any], conn: Any) -> dict[str, list[Any]]:
    from ctcm.services.roles import role_of

    rows = conn.execute("SELECT name, slot_id, role, person_id FROM users").fetchall()
    by_slot = {r[1]: r for r in rows}
    table: dict[str, list[Any]] = {}
    for slot in header["slots"]:
        sid = slot["id"]
        row = by_slot.get(sid)
        role = row[2] if row else role_of([], sid)
        table[sid] = [role, slot.get("sig"), row[0] if row else None, row[3] if row else None]
    for sid, row in by_slot.items():
        table.setdefault(sid, [row[2], None, row[0], row[3]])
    return table


def _digests(header: dict[str, Any], conn: Any) -> dict[str, str]:
    """The stored digests, and one of the header's submission key: the key staff seal their
    documents to changes only in a save an admin signed."""
    out = chainrepo.digests(conn)
    inbox = header.get("inbox")
    if inbox is not None:
        out["inbox"] = hashlib.sha256(canonical_json(inbox)).hexdigest()
    return out


def _hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _message(body: str) -> bytes:
    return b"ctcm/v3 write|" + body.encode()


def sign_write(
    header: dict[str, Any],
    conn: Any,
    writer: str,
    seed: bytes,
    generation: int,
    kind: str = "write",
) -> None:
    """Append this save's record (before the image is taken)."""
    if not seed:
        raise VaultError(
            "this session began before writes were signed; run 'ctcm unlock' again and retry"
        )
    table = role_table(header, conn)
    if chainrepo.last_chain_row(conn) is None and kind == "write":
        # the first save of a vault from an older ctcm starts the chain with the table as it
        # stands, the writer's key the one it signs with (a passphrase change in this very
        # save then follows as the writer's own key change)
        mine = signing.public_of(seed)
        start = {sid: list(entry) for sid, entry in table.items()}
        if writer in start:
            start[writer][1] = mine
        _append(header, conn, writer, seed, generation - 1, "upgrade", start)
    _append(header, conn, writer, seed, generation, kind, table)


def _append(
    header: dict[str, Any],
    conn: Any,
    writer: str,
    seed: bytes,
    generation: int,
    kind: str,
    table: dict[str, list[Any]],
) -> None:
    role_body = canonical_json(table).decode()
    role_hash = _hash(role_body.encode())
    last = chainrepo.last_chain_row(conn)
    seq = last.seq + 1 if last else 1
    body = canonical_json(
        {
            "v": 1,
            "vault": header["vault_id"],
            "seq": seq,
            "gen": generation,
            "writer": writer,
            "prev": last.hash if last else "",
            "roles": role_hash,
            "digests": _digests(header, conn),
            "kind": kind,
            "authed": isinstance(header.get("auth"), dict),
        }
    ).decode()
    row = chainrepo.ChainRow(
        seq, generation, body, signing.sign(seed, _message(body)), _hash(body.encode())
    )
    chainrepo.append_chain(conn, row, role_hash, role_body)


def verify(
    header: dict[str, Any], conn: Any, since: tuple[int, str] | None = None
) -> Verified | None:
    """Check the chain of the generation just decrypted (before any migration); return its
    last record, or None for a vault that has no chain yet. Raise Refused (one line, also for
    a history altered into something that is not even well formed)."""
    try:
        return _verify(header, conn, since)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        raise Refused(
            "the vault's signed history is damaged or altered; restore a backup you trust"
        ) from None


def _verify(header: dict[str, Any], conn: Any, since: tuple[int, str] | None) -> Verified | None:
    vault_id = header["vault_id"]
    generation = int(header["generation"])
    start = since[0] if since is not None and since[0] > 0 else 1
    rows = chainrepo.chain_rows(conn, start)
    if start > 1 and (not rows or since is None or (rows[0].seq, rows[0].hash) != since):
        raise Refused(
            "the vault's signed history differs from what this machine verified before "
            f"(record {start}): it was rewritten; restore a backup you trust"
        )
    if not rows:
        if signing.is_bound(vault_id):
            raise Refused(
                "this vault's signed history is missing (it was created with one): the file "
                "was altered; restore a backup you trust ('ctcm backup list')"
            )
        return None
    bodies = [_parse(r) for r in rows]
    tables = {
        h: json.loads(b)
        for h, b in chainrepo.role_table_bodies(conn, (b["roles"] for b in bodies)).items()
    }
    for body in bodies:
        if (
            body["roles"] not in tables
            or _hash(canonical_json(tables[body["roles"]])) != body["roles"]
        ):
            raise Refused(f"write record {body['seq']}: its role table is missing or altered")
    previous: dict[str, Any] | None = None
    for row, body in zip(rows, bodies, strict=True):
        if body["vault"] != vault_id or body["seq"] != row.seq or body["gen"] != row.generation:
            raise Refused(f"write record {row.seq} belongs elsewhere (altered)")
        if row.seq == start and start > 1:
            previous = body  # verified by this machine before
            continue
        _check(row, body, previous, tables, vault_id)
        previous = body
    last_row, last = rows[-1], bodies[-1]
    if last["gen"] != generation:
        raise Refused(
            f"generation {generation} has no signed record of its writer (the last is of "
            f"generation {last['gen']}): it was written without a key holder's signature"
        )
    current_roles = _hash(canonical_json(role_table(header, conn)))
    if current_roles != last["roles"]:
        raise Refused(
            "the users, roles or key slots differ from what the last writer signed: the file "
            "was altered with the data key outside ctcm; restore a backup you trust"
        )
    now = _digests(header, conn)
    changed = sorted(k for k in now if now[k] != last["digests"].get(k))
    if changed:
        raise Refused(
            f"the vault's {' and '.join(changed)} differ from what {last['writer']} signed: "
            "the file was altered with the data key outside ctcm; restore a backup you trust"
        )
    return Verified(last_row.seq, last_row.hash, last_row.generation, bool(last.get("authed")))


def _parse(row: chainrepo.ChainRow) -> dict[str, Any]:
    try:
        body = json.loads(row.body)
        if canonical_json(body).decode() != row.body or _hash(row.body.encode()) != row.hash:
            raise ValueError
        for key in ("vault", "seq", "gen", "writer", "prev", "roles", "digests", "kind"):
            body[key]  # noqa: B018 - every field present
    except (ValueError, KeyError, TypeError):
        raise Refused(f"write record {row.seq} is damaged or altered") from None
    return body  # type: ignore[no-any-return]


def _check(
    row: chainrepo.ChainRow,
    body: dict[str, Any],
    previous: dict[str, Any] | None,
    tables: dict[str, dict[str, list[Any]]],
    vault_id: str,
) -> None:
    writer = body["writer"]
    table = tables[body["roles"]]
    if previous is None:
        # the first record: the role table it carries is the start of trust
        entry = table.get(writer)
        if entry is None or not entry[1]:
            raise Refused("the first write record names no signing key of its writer")
        if signing.is_bound(vault_id):
            if body["kind"] != "init" or not signing.binds(vault_id, entry[1]):
                raise Refused(
                    "the first write record is not the vault creator's: the history was "
                    "replaced; restore a backup you trust"
                )
        elif body["kind"] not in ("upgrade", "init") or body["prev"]:
            raise Refused("the first write record is damaged or altered")
        if not signing.verify(entry[1], _message(row.body), row.sig):
            raise Refused(f"write record {row.seq}: the signature of {writer} does not verify")
        return
    if body["prev"] != _hash(canonical_json(previous)) or body["gen"] <= previous["gen"]:
        raise Refused(f"write record {row.seq} does not follow the one before (altered)")
    before = tables[previous["roles"]]
    entry = before.get(writer)
    if entry is None:
        raise Refused(f"write record {row.seq}: {writer} had no key slot when it was written")
    role, key = entry[0], entry[1]
    claim = not key
    if claim:
        key = (table.get(writer) or [None, None])[1]
        if not key:
            raise Refused(f"write record {row.seq}: {writer} has no signing key on record")
    if not signing.verify(key, _message(row.body), row.sig):
        raise Refused(
            f"write record {row.seq}: not signed by {writer}'s key (the role table's): "
            "someone wrote with the data key in another slot's name"
        )
    if body["roles"] != previous["roles"] and role != "admin":
        _only_own_key(before, table, writer, row.seq)
    changed = {
        k
        for k in ("records", "settings", "inbox")
        if body["digests"].get(k) != previous["digests"].get(k)
    }
    allowed = MAY_CHANGE.get(role, frozenset())
    if body["kind"] == "restore":
        if role not in RESTORERS:
            raise Refused(f"write record {row.seq}: a restore by {writer} (role {role})")
        allowed = frozenset({"records", "settings"})
    if changed - allowed:
        raise Refused(
            f"write record {row.seq}: {writer} (role {role}) changed the practice's "
            f"{' and '.join(sorted(changed - allowed))}, which that role may not: the file was "
            "altered with the data key outside ctcm; restore a backup you trust"
        )


def _only_own_key(
    before: dict[str, list[Any]], after: dict[str, list[Any]], writer: str, seq: int
) -> None:
    """A non-admin's save may change the role table only by replacing (or first registering)
    the writer's own signing key."""
    if set(before) != set(after):
        raise Refused(
            f"write record {seq}: {writer} added or removed a key slot without being an admin"
        )
    for sid, entry in after.items():
        old = before[sid]
        if sid == writer:
            if entry[0] != old[0] or entry[2:] != old[2:]:
                raise Refused(f"write record {seq}: {writer} changed its own role")
        elif entry != old:
            raise Refused(f"write record {seq}: {writer} changed {sid}'s role or key")


def first_open_notice(env: Any, parsed: Any, seen: Any) -> None:
    """Without any record of this vault on this machine (a new machine, deleted state),
    say once which generation is trusted, so it can be compared with a digest or anchor."""
    if seen is not None or env.warn is None or "first-open" in env.said:
        return
    env.said.add("first-open")
    if env.env.get("CTCM_ANCHOR"):
        return  # compared with the anchor already
    env.warn(
        f"note: first use of this vault on this machine: trusting generation "
        f"{parsed.generation} saved {parsed.header.get('saved_at', '?')}; compare it with your "
        "newest anchor ('ctcm audit anchor --check FILE') or the last digest mail"
    )


def check_opened(parsed: Any, db: Any, seen: Any, anchor: str = "") -> Verified | None:
    """The signed write chain of the generation just decrypted (services/writers.py): from
    the record this machine verified last when the file is not older than it."""
    from ctcm.storage.migrations import LATEST, current_version

    if current_version(db.conn) > LATEST:
        return None  # a newer ctcm's vault: the migration step refuses it in plain words
    since = None
    if seen is not None and seen.chain_seq and parsed.generation >= seen.chain_gen:
        since = (seen.chain_seq, seen.chain_hash)
    verified = verify(parsed.header, db.conn, since)
    if verified is not None and verified.authed and not isinstance(parsed.header.get("auth"), dict):
        raise Refused(
            "this vault file's header is in an older format without data-key authentication, "
            "but its history was written by this ctcm: the header was downgraded; restore a "
            "backup you trust"
        )
    if anchor:
        from ctcm.services.anchors import check_anchor, read_anchor

        check_anchor(parsed.header, db.conn, read_anchor(Path(anchor)))
    if verified is None and (seen is not None and seen.chain_seq):
        raise Refused(
            "this vault file has no signed history, but the one this machine opened before "
            "did: the file was altered or replaced; restore a backup you trust"
        )
    return verified


def sign_save(p: Any, header: dict[str, Any]) -> None:
    """For ``Practice._save``: register the writer's signing key in its slot if an older ctcm
    made the slot, then append this save's signed record."""
    if p.unlocked.signing:
        mine = signing.public_of(p.unlocked.signing)
        header["slots"] = [
            s | {"sig": mine} if s["id"] == p.actor and not s.get("sig") else s
            for s in header["slots"]
        ]
    generation = max(p.generation + 1, p.next_generation)
    sign_write(header, p.db.conn, p.actor, p.unlocked.signing, generation, p.write_kind)
    last = chainrepo.last_chain_row(p.db.conn)
    assert last is not None
    p.verified = Verified(
        last.seq, last.hash, last.generation, isinstance(header.get("auth"), dict)
    )
