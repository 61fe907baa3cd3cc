"""The risk analysis part of the Repository: assessments, answers, ratings, scenarios judged not
applicable, sign-offs and mitigation tasks (reads on the DB-API, writes through SQLModel)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from ctcm.domain.risk import (
    Answer,
    AnswerStatus,
    Assessment,
    Exclusion,
    Level,
    Rating,
    Rule,
    Scale,
    Signoff,
    Task,
    TaskStatus,
)
from ctcm.storage.asof import AsOf


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


class RiskQueries(AsOf):
    """Mixed into Repository (which provides ``conn``, ``db`` and ``_save``)."""

    conn: sqlite3.Connection
    db: Any
    _save: Callable[..., None]  # Repository's SQLModel write helper

    # ================================================================== risk (DB-API reads)

    def assessments(self) -> list[Assessment]:
        rows = self.conn.execute(
            "SELECT id, rule, kind, year, scope, scale, items, created_at, created_by, "
            "catalog_version FROM assessments WHERE created_at <= ? ORDER BY id",
            (self._cut(),),
        ).fetchall()
        return [
            Assessment(
                r[0],
                Rule(r[1]),
                r[2],
                r[3],
                r[4],
                Scale(r[5]),
                tuple(r[6].split(",")) if r[6] else None,
                r[7],
                r[8],
                r[9],
            )
            for r in rows
        ]

    def answers(self, assessment_id: int) -> dict[str, Answer]:
        rows = self.conn.execute(
            "SELECT citation, status, note, evidence, reason, alternative, answered_at, "
            "answered_by FROM risk_answers WHERE assessment_id = ?",
            (assessment_id,),
        ).fetchall()
        return {
            r[0]: Answer(r[0], AnswerStatus(r[1]), r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows
        }

    def ratings(self, assessment_id: int) -> dict[str, Rating]:
        rows = self.conn.execute(
            "SELECT scenario, likelihood, impact, level, controls, rated_at FROM risk_ratings "
            "WHERE assessment_id = ?",
            (assessment_id,),
        ).fetchall()
        return {r[0]: Rating(r[0], Level(r[1]), Level(r[2]), Level(r[3]), r[4], r[5]) for r in rows}

    def tasks(self, assessment_id: int | None = None) -> list[Task]:
        sql = (
            "SELECT id, assessment_id, scenario, action, owner, due, status, accepted_reason, "
            "accepted_by, closed_on FROM risk_tasks WHERE created_at <= ?"
        )
        rows = (
            self.conn.execute(
                sql + " AND assessment_id = ? ORDER BY id", (self._cut(), assessment_id)
            )
            if assessment_id is not None
            else self.conn.execute(sql + " ORDER BY id", (self._cut(),))
        )
        day = self.as_of_cutoff[:10] if self.as_of_cutoff else None
        day = getattr(self, "in_effect_day", None) or day
        out = []
        for r in rows:
            task = Task(r[0], r[1], r[2], r[3], r[4], date.fromisoformat(r[5]), TaskStatus(r[6]),
                        r[7], r[8], _d(r[9]))  # fmt: skip
            if day is not None and task.closed_on is not None and task.closed_on.isoformat() > day:
                # closed after the day looked at: open then
                task = replace(task, status=TaskStatus.OPEN, closed_on=None,
                               accepted_reason=None, accepted_by=None)  # fmt: skip
            out.append(task)
        return out

    # ================================================================== risk (writes)

    def add_assessment(self, a: Assessment) -> int:
        from ctcm.storage.tables import AssessmentRow

        with self.db.session() as session:
            row = AssessmentRow(
                rule=a.rule.value,
                kind=a.kind,
                year=a.year,
                scope=a.scope,
                scale=a.scale.value,
                items=",".join(a.items) if a.items is not None else None,
                catalog_version=a.catalog_version,
                created_at=a.created_at,
                created_by=a.created_by,
            )
            session.add(row)
            session.commit()
            return int(row.id)  # type: ignore[arg-type]

    def put_answers(self, assessment_id: int, answers: Iterable[Answer]) -> None:
        from ctcm.storage.tables import RiskAnswerRow

        with self.db.session() as session:
            for a in answers:
                session.merge(
                    RiskAnswerRow(
                        assessment_id=assessment_id,
                        citation=a.citation,
                        status=a.status.value,
                        note=a.note,
                        evidence=a.evidence,
                        reason=a.reason,
                        alternative=a.alternative,
                        answered_at=a.answered_at or "",
                        answered_by=a.answered_by or "",
                    )
                )
            session.commit()

    def put_rating(self, assessment_id: int, rating: Rating, actor: str) -> None:
        from ctcm.storage.tables import RiskRatingRow

        self._save(
            RiskRatingRow(
                assessment_id=assessment_id,
                scenario=rating.scenario,
                likelihood=rating.likelihood.value,
                impact=rating.impact.value,
                level=rating.level.value,
                controls=rating.controls,
                rated_at=rating.rated_at or "",
                rated_by=actor,
            )
        )

    def add_task(self, t: Task, now: str, actor: str) -> int:
        from ctcm.storage.tables import RiskTaskRow

        with self.db.session() as session:
            row = RiskTaskRow(
                assessment_id=t.assessment_id,
                scenario=t.scenario,
                action=t.action,
                owner=t.owner,
                due=t.due,
                status=t.status.value,
                created_at=now,
                created_by=actor,
            )
            session.add(row)
            session.commit()
            return int(row.id)  # type: ignore[arg-type]

    def update_task(self, t: Task) -> None:
        from ctcm.storage.tables import RiskTaskRow

        with self.db.session() as session:
            row = session.get(RiskTaskRow, t.id)
            assert row is not None
            row.status, row.accepted_reason = t.status.value, t.accepted_reason
            row.accepted_by, row.closed_on = t.accepted_by, t.closed_on
            session.add(row)
            session.commit()

    def exclusions(self, assessment_id: int) -> dict[str, Exclusion]:
        rows = self.conn.execute(
            "SELECT scenario, reason, at, by FROM risk_exclusions WHERE assessment_id = ?",
            (assessment_id,),
        ).fetchall()
        return {r[0]: Exclusion(r[0], r[1], r[2], r[3]) for r in rows}

    def put_exclusion(self, assessment_id: int, e: Exclusion) -> None:
        """Judge a scenario not applicable (replacing any rating of it)."""
        self.conn.execute(
            "DELETE FROM risk_ratings WHERE assessment_id = ? AND scenario = ?",
            (assessment_id, e.scenario),
        )
        self.conn.execute(
            "DELETE FROM risk_exclusions WHERE assessment_id = ? AND scenario = ?",
            (assessment_id, e.scenario),
        )
        self.conn.execute(
            "INSERT INTO risk_exclusions (assessment_id, scenario, reason, at, by) "
            "VALUES (?, ?, ?, ?, ?)",
            (assessment_id, e.scenario, e.reason, e.at or "", e.by or ""),
        )
        self.conn.commit()

    def drop_exclusion(self, assessment_id: int, scenario: str) -> None:
        self.conn.execute(
            "DELETE FROM risk_exclusions WHERE assessment_id = ? AND scenario = ?",
            (assessment_id, scenario),
        )
        self.conn.commit()

    def signoffs(self) -> dict[int, Signoff]:
        rows = self.conn.execute(
            "SELECT assessment_id, by, signed_on, content_hash, at FROM risk_signoffs "
            "WHERE at <= ?",
            (self._cut(),),
        ).fetchall()
        return {r[0]: Signoff(r[0], r[1], date.fromisoformat(r[2]), r[3], r[4]) for r in rows}

    def add_signoff(self, s: Signoff) -> None:
        self.conn.execute(
            "INSERT INTO risk_signoffs (assessment_id, by, signed_on, content_hash, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (s.assessment_id, s.by, s.on.isoformat(), s.content_hash, s.at),
        )
        self.conn.commit()
