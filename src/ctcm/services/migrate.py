"""``ctcm migrate``: a practice's vault copied to a PostgreSQL server, and back.

``--to postgresql://...`` copies every table (the audit trail, the signed history, the
delivery ledger and every record), every encrypted scan file and the key slots into a schema
of its own on the server, the sensitive columns sealed with the practice's data key
(storage/server.py says which); then reads it all back, decrypts it and checks each table's
row count and SHA-256 against the vault's. ``--to-vault DIR`` copies a server practice into a
new vault folder under the same key slots, checked the same way. The source is only read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from ctcm.environment import Environment
from ctcm.errors import AlreadyExists, NotFound, VaultError
from ctcm.services.practice import Practice

P = ParamSpec("P")
R = TypeVar("R")


def check_schema(name: str) -> str:
    from ctcm.storage.server import check_schema as check

    return check(name)


@dataclass
class Copied:
    schema: str
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    blobs: int = 0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _sealed_row(table: Any, target: Any, row: dict[str, Any], keys: tuple[bytes, bytes]) -> dict:
    from ctcm.storage import server as srv
    from ctcm.vault import columns

    ckey, ikey = keys
    key = srv.row_key(table, row)
    sensitive = srv.SENSITIVE.get(table.name, ())
    out = {}
    for c in table.columns:
        value = row[c.name]
        if c.name in sensitive:
            text = None if value is None else str(value)
            out[c.name] = columns.seal(ckey, table.name, c.name, key, text)
        else:
            out[c.name] = srv.server_value(target.c[c.name], value)
    for name in srv.BLIND.get(table.name, ()):
        text = None if row[name] is None else str(row[name])
        out[f"{name}_bidx"] = columns.blind_index(ikey, table.name, name, text)
    return out


def _reported(fn: Callable[P, R]) -> Callable[P, R]:
    """A server that cannot be reached or refuses: one line, never a traceback."""

    @wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from ctcm.storage.server import talking_to_server

        with talking_to_server():
            return fn(*args, **kwargs)

    return run


@_reported
def to_server(p: Practice, url: str, schema: str) -> Copied:
    """Copy the open (read-only) practice ``p`` into ``schema`` on the server; verified."""
    from sqlalchemy import inspect, text

    from ctcm.services.slots import require_admin
    from ctcm.storage import server as srv
    from ctcm.vault import columns
    from ctcm.vault.store import BLOB_ID_RE

    require_admin(p, "copy the practice to a server")
    meta, made = srv.server_metadata(schema)
    eng = srv.engine(url)
    keys = (columns.column_key(p.unlocked.dek), columns.index_key(p.unlocked.dek))
    copied = Copied(schema)
    expected: dict[str, tuple[int, str]] = {}
    try:
        with eng.begin() as db:
            if inspect(db).get_table_names(schema=schema):
                raise AlreadyExists(
                    f"schema {schema} on the server holds tables already; refusing to overwrite "
                    "it (give another --schema)"
                )
            db.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            meta.create_all(db)
            for table in srv.tables():
                rows = srv.sqlite_rows(p.repo.conn, table)
                names = [c.name for c in table.columns]
                batch = [_sealed_row(table, made[table.name], dict(zip(names, r, strict=True)),
                                     keys) for r in rows]  # fmt: skip
                if batch:
                    db.execute(made[table.name].insert(), batch)
                expected[table.name] = (len(rows), srv.digest(rows))
                copied.tables[table.name] = len(rows)
            files = [f for f in p.vault.blobs.iterdir() if BLOB_ID_RE.fullmatch(f.name)]
            if files:  # already encrypted, each under its own key (sealed in its row)
                db.execute(made[srv.BLOBS].insert(),
                           [{"id": f.name, "data": f.read_bytes()} for f in files])  # fmt: skip
            copied.blobs = len(files)
            db.execute(made[srv.KEYSLOTS].insert(),
                       {"id": 1, "header": json.dumps(p.header, sort_keys=True)})  # fmt: skip
            db.execute(made[srv.COPIES].insert(),
                       [{"name": n, "rows": c, "sha256": h} for n, (c, h) in expected.items()])  # fmt: skip
        read, _ = read_server(eng, schema, p.unlocked.dek)
        _verify(expected, read)
    finally:
        eng.dispose()
    p.touch(f"migrate:to-server:{schema}", f"{copied.rows} rows", f"{copied.blobs} files")
    return copied


def read_server(eng: Any, schema: str, dek: bytes) -> tuple[dict[str, list[tuple]], dict]:
    """Every table of ``schema`` decrypted back to the vault's representation, and the
    header the key slots are in."""
    from sqlalchemy import select

    from ctcm.storage import server as srv
    from ctcm.vault import columns

    _, made = srv.server_metadata(schema)
    ckey = columns.column_key(dek)
    out: dict[str, list[tuple]] = {}
    with eng.connect() as db:
        header = json.loads(db.execute(select(made[srv.KEYSLOTS].c.header)).scalar_one())
        for table in srv.tables():
            target = made[table.name]
            sensitive = srv.SENSITIVE.get(table.name, ())
            rows = []
            for r in db.execute(select(*(target.c[c.name] for c in table.columns))).mappings():
                plain = {c.name: srv.plain_value(c, r[c.name]) for c in table.columns}
                key = srv.row_key(table, plain)
                for name in sensitive:
                    plain[name] = columns.unseal(ckey, table.name, name, key, r[name])
                rows.append(tuple(plain[c.name] for c in table.columns))
            out[table.name] = rows
    return out, header


def _verify(expected: dict[str, tuple[int, str]], read: dict[str, list[tuple]]) -> None:
    from ctcm.storage import server as srv

    for name, (count, sha) in expected.items():
        rows = read.get(name, [])
        if len(rows) != count or srv.digest(rows) != sha:
            raise VaultError(
                f"the copy of table {name} does not match ({len(rows)} rows read, {count} "
                "written): nothing is to be trusted on the server; drop the schema and copy again"
            )


@_reported
def server_header(url: str, schema: str) -> dict[str, Any]:
    from sqlalchemy import select
    from sqlalchemy.exc import ProgrammingError

    from ctcm.storage import server as srv

    _, made = srv.server_metadata(schema)
    eng = srv.engine(url)
    try:
        with eng.connect() as db:
            found = db.execute(select(made[srv.KEYSLOTS].c.header)).scalar_one_or_none()
    except ProgrammingError:
        raise NotFound(f"no ctcm practice in schema {schema} on that server") from None
    finally:
        eng.dispose()
    if found is None:
        raise NotFound(f"no ctcm practice in schema {schema} on that server")
    return json.loads(found)  # type: ignore[no-any-return]


@_reported
def to_vault(env: Environment, url: str, schema: str, dest: Path) -> Copied:
    """Copy a server practice into a new vault at ``dest`` under the same key slots (the
    user's own key opens it, as it opened the source); verified before the vault is written."""
    from sqlalchemy import select

    from ctcm.storage import server as srv
    from ctcm.storage.db import Database
    from ctcm.vault import format as fmt
    from ctcm.vault.store import VaultDir, write_private
    from ctcm.vault.unlock import unlock

    vault = VaultDir(dest)
    if vault.exists():
        raise AlreadyExists(f"a vault already exists at {dest}; refusing to overwrite it")
    header = server_header(url, schema)
    parsed = fmt.Parsed(header=header, signed=b"", mac=b"", payload=memoryview(b""))
    dek = unlock(env, parsed).dek
    eng = srv.engine(url)
    try:
        read, _ = read_server(eng, schema, dek)
        _, made = srv.server_metadata(schema)
        with eng.connect() as db:
            expected = {r.name: (r.rows, r.sha256) for r in db.execute(select(made[srv.COPIES]))}
            blobs = [(r.id, bytes(r.data)) for r in db.execute(select(made[srv.BLOBS]))]
    finally:
        eng.dispose()
    _verify(expected, read)
    db_ = Database.empty()
    _create_tables(db_)
    copied = Copied(schema)
    for table in srv.tables():
        srv.sqlite_load(db_.conn, table, read[table.name])
        copied.tables[table.name] = len(read[table.name])
    db_.conn.commit()
    if db_.integrity_errors():
        raise VaultError("the copied database does not pass its integrity check")
    # the encrypted files first, the vault file last: a copy killed half-way has no vault
    # file, so it is never taken for a whole one (and the next --to-vault may start afresh)
    vault.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    vault.blobs.mkdir(mode=0o700, exist_ok=True)
    for blob_id, data in blobs:  # 0600 from the first byte, never through a link
        path = vault.blobs / blob_id
        path.unlink(missing_ok=True)  # left by an earlier copy killed before its vault file
        write_private(path, [data])
    vault.create(fmt.encrypt(header, dek, db_.image()))
    copied.blobs = len(blobs)
    return copied


def _create_tables(db: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage import server as srv

    with db.engine().begin() as connection:
        SQLModel.metadata.create_all(connection, tables=srv.tables())
