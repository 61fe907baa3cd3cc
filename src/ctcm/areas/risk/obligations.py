"""Risk analysis and mitigation plan: what the area owes (its dated actions), as the program model's readers see it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ctcm.domain.credentials import Light
from ctcm.domain.program import DueItem
from ctcm.services.practice import Practice


def risk_due(p: Practice, until: date) -> Iterable[DueItem]:
    """Mitigation tasks due by ``until`` (or overdue), and the risk analysis cycle."""
    from ctcm.areas.risk.program import program_status

    today = p.today
    for t in p.repo.tasks():
        if not t.status.closed and t.due <= until:
            late = t.due < today
            yield DueItem(
                t.due,
                "risk",
                f"Security task {t.id}: {t.action}" + (" (overdue)" if late else ""),
                t.owner,
                Light.RED if late else Light.YELLOW,
                f"task:{t.id}",
            )
    program = program_status(p)
    if program.last_full is None:
        draft = f" ({program.draft.describe()})" if program.draft else ""
        yield DueItem(
            today,
            "risk",
            f"No finalized risk analysis on record{draft}",
            p.settings.get("security_officer"),
            Light.RED,
            "risk-analysis",
        )
    elif program.review_due is not None and program.review_due <= until:
        late = program.review_due < today
        yield DueItem(
            program.review_due,
            "risk",
            f"Review the risk analysis (#{program.last_full.id}); a yearly review is best practice",
            p.settings.get("security_officer"),
            Light.RED if late else Light.YELLOW,
            "risk-analysis",
        )
