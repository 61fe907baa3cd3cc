"""What each likelihood and impact level means on the practice's scale (catalog/risk-levels.toml,
anchored on NIST SP 800-30 Rev. 1): shown in the risk walk (``?``), the report and the blank
checklist, so every rating rests on the same words."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from ctcm.domain.risk import Scale


@cache
def _catalog() -> dict[str, Any]:
    text = resources.files("ctcm.catalog").joinpath("risk-levels.toml").read_text()
    return tomllib.loads(text)


def source() -> str:
    return str(_catalog()["source"])


def definitions(scale: Scale) -> dict[str, list[dict[str, str]]]:
    """{"likelihood": [...], "impact": [...]}, highest level first, each with its level,
    label, definition and example; on the three-level scale NIST's very high counts as high and
    its very low as low, and the definitions say so."""
    levels = {lv.value for lv in scale.levels}
    folded = {"high": "very high", "low": "very low"} if scale is Scale.THREE else {}
    out: dict[str, list[dict[str, str]]] = {}
    for kind in ("likelihood", "impact"):
        rows = []
        for raw in _catalog()[kind]:
            if raw["level"] not in levels:
                continue
            extra = (
                f" On three levels this includes NIST's {folded[raw['level']]}."
                if raw["level"] in folded
                else ""
            )
            rows.append(
                {
                    "level": raw["level"],
                    "label": raw["level"].replace("_", " "),
                    "definition": raw["definition"] + extra,
                    "example": raw["example"],
                }
            )
        out[kind] = rows
    return out


def as_text(scale: Scale, kind: str) -> str:
    """One line per level, for the walk's ``?``."""
    return "\n".join(
        f"{d['label']}: {d['definition']} (e.g. {d['example']})" for d in definitions(scale)[kind]
    )


def levels_context(scale: Scale) -> dict[str, Any]:
    """What the report and the checklist show of the scale: its source and each level's
    meaning."""
    return {"source": source(), **definitions(scale)}
