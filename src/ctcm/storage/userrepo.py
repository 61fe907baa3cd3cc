"""Users and services with their roles, in the Repository (portable SQL)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UserInfo:
    name: str  # a user's name, or a service's slot id ("svc:cron")
    slot_id: str
    role: str
    created_at: str
    person_id: str | None
    must_change: bool

    @property
    def service(self) -> bool:
        return self.slot_id.startswith("svc:")


class UserQueries:
    """Mixed into Repository (which provides ``conn``)."""

    conn: sqlite3.Connection

    def user_infos(self) -> list[UserInfo]:
        rows = self.conn.execute(
            "SELECT name, slot_id, role, created_at, person_id, must_change FROM users "
            "ORDER BY name"
        ).fetchall()
        return [UserInfo(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]

    def update_user(
        self,
        name: str,
        role: str | None = None,
        must_change: bool | None = None,
        person_id: str | None = None,
    ) -> None:
        if role is not None:
            self.conn.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))
        if must_change is not None:
            self.conn.execute(
                "UPDATE users SET must_change = ? WHERE name = ?", (int(must_change), name)
            )
        if person_id is not None:
            self.conn.execute("UPDATE users SET person_id = ? WHERE name = ?", (person_id, name))
        self.conn.commit()
