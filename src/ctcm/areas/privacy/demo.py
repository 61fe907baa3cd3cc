"""The demo practice's Privacy Rule records (examples/practice.toml, [program.privacy])."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ctcm.services.practice import Practice


def load_demo_privacy(
    p: Practice, directory: Path, privacy: dict[str, Any], relative: Callable[[str, date], str]
) -> None:
    from ctcm.areas.privacy import service
    from ctcm.domain.dates import parse_date

    def day(text: str) -> date:
        return parse_date(relative(text, p.today), "date")

    if "npp" in privacy:
        service.adopt_npp(p, directory / privacy["npp"], day(privacy["npp_effective"]))
        for posting in privacy.get("npp_posted", []):
            place, when = posting.split()
            service.posted(p, place, day(when))
        first = p.today.replace(day=1)
        for back, given, acknowledged in privacy.get("acks", []):
            month = first
            for _ in range(-int(back)):
                month = (month - timedelta(days=1)).replace(day=1)
            service.record_acks(p, month.strftime("%Y-%m"), given, acknowledged)
    for r in privacy.get("requests", []):
        made = service.add_request(
            p, r["kind"], day(r["received"]), r["patient_ref"], r.get("note"),
            r.get("restriction_kind"),
        )  # fmt: skip
        if "extend" in r:
            service.extend_request(p, made.id, r["extend"]["reason"], day(r["extend"]["notified"]))
        if "close" in r:
            service.close_request(
                p, made.id, r["close"]["outcome"], day(r["close"]["date"]),
                r["close"].get("denial_basis"), False, None,
            )  # fmt: skip
    for c in privacy.get("complaints", []):
        made_c = service.add_complaint(p, day(c["received"]), c["about"], c.get("note"))
        if c.get("disposition"):
            service.close_complaint(p, made_c.id, c["disposition"], day(c["closed"]))
    for s in privacy.get("sanctions", []):
        service.add_sanction(
            p, s["person"], day(s["date"]), s["reason"], s["action"], s.get("incident")
        )
