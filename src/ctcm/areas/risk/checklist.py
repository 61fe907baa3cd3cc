"""The blank risk-analysis checklist, for a paper walk-through (md, html, csv or json), with
what each likelihood and impact level means on the practice's scale."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ctcm.areas.risk.catalog import load_catalog
from ctcm.areas.risk.levels import levels_context
from ctcm.domain.risk import Scale
from ctcm.errors import InvalidInput


def checklist_items(rule: str) -> list[dict[str, Any]]:
    return [
        {
            "citation": i.citation,
            "name": i.name,
            "kind": i.kind.value,
            "safeguard": i.safeguard,
            "questions": list(i.questions),
            "guidance": i.guidance,
            "evidence": list(i.evidence),
            "proposed_change": i.nprm,
        }
        for i in load_catalog(rule).items
    ]


def render_checklist(
    rule: str, fmt: str, override_dir: Path | None, scale: Scale | None = Scale.THREE
) -> str:
    """The blank checklist, for a paper walk-through (md, html, csv or json), with what each
    likelihood and impact level means on the practice's scale."""
    import json

    from ctcm.render.formats import neutralise
    from ctcm.render.templates import make_environment, render

    items = checklist_items(rule)
    if fmt == "json":
        return json.dumps(items, indent=2) + "\n"
    if fmt == "csv":
        # Descriptive columns first, then the ones to fill in: the filled file imports as it is
        # with 'ctcm risk import' (rows left without a status are items not answered yet).
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(
            [
                "citation",
                "name",
                "kind",
                "safeguard",
                "questions",
                "evidence_examples",
                "status",
                "note",
                "evidence",
                "reason",
                "alternative",
            ]
        )
        for i in items:
            described = (
                i["citation"],
                i["name"],
                i["kind"],
                i["safeguard"],
                " ".join(i["questions"]),
                "; ".join(i["evidence"]),
            )
            writer.writerow([neutralise(str(x)) for x in described] + ["", "", "", "", ""])
        return buf.getvalue()
    if fmt not in ("md", "html"):
        raise InvalidInput("--format must be md, html, csv or json")
    catalog = load_catalog(rule)
    return render(
        make_environment(override_dir),
        f"risk/checklist.{fmt}.j2",
        {
            "title": catalog.title,
            "version": catalog.version,
            "items": items,
            "proposed": catalog.proposed,
            "levels": levels_context(scale) if scale is not None else None,
        },
    )
