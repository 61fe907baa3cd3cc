"""The dashboard as one self-contained HTML page (``ctcm status --format html``): inline CSS,
no script, nothing fetched; lights are drawn shapes with their word beside them (readable in
grayscale and by screen readers); a print stylesheet for A4 and Letter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ctcm.domain.credentials import Dashboard, PersonStatus
from ctcm.services.practice import Practice

AREA_TITLES = {
    "risk": "Risk analysis and mitigation plan",
    "activities": "Security activities (the compliance calendar)",
    "incidents": "Incidents and breach notices",
    "vendors": "Vendors and BAAs",
    "devices": "Devices",
    "manual": "Policies and procedures manual",
}


def _person(s: PersonStatus) -> dict[str, Any]:
    from ctcm.render.views import why

    return {
        "id": s.person.id,
        "name": s.person.name,
        "status": s.status.value,
        "tracks_documents": s.tracks_documents,
        "requirements": [
            {"name": r.name, "status": r.status.value, "why": why(r)} for r in s.requirements
        ],
    }


def render_html(
    p: Practice,
    people: Sequence[PersonStatus],
    board: Dashboard | None,
    program: Any = None,
    sections: Sequence[Any] = (),
    scope: str = "",
    generated: str | None = None,
) -> str:
    """``generated``: the generated-at text (None: now; "" leaves the line out, as the audit
    packet does, whose index carries the one generated-at line)."""
    from zoneinfo import ZoneInfo

    from ctcm.render.templates import make_environment, render
    from ctcm.render.views import program_lines, worst_light

    summary = {"red": 0, "yellow": 0, "green": 0}
    for s in people:
        summary[s.status.value if s.status.value in summary else "green"] += 1
    context: dict[str, Any] = {
        "practice": p.settings.get("practice_name", ""),
        "as_of": p.today.isoformat(),
        "generated_at": generated
        if generated is not None
        else p.now.astimezone(ZoneInfo(p.timezone)).strftime("%Y-%m-%d %H:%M %Z"),
        "generation": p.generation,
        "scope": scope,
        "summary": board.summary() if board is not None else summary,
        "people": [_person(s) for s in people],
        "program": None,
    }
    if program is not None:
        context["program"] = {
            "status": worst_light(program, sections).value,
            "areas": [
                {"title": AREA_TITLES["risk"], "status": program.light.value},
                *(
                    {"title": AREA_TITLES.get(s.key, s.key.title()), "status": s.light.value}
                    for s in sections
                ),
            ],
            "lines": program_lines(program, sections),
        }
    env = make_environment(p.vault.root / "templates")
    return render(env, "status/dashboard.html.j2", context)
