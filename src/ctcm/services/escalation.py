"""Escalation messages: items overdue past the practice's escalation period go to the admins in
one message per admin per run, by person; never as copies of each person's reminder."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from ctcm.domain.reminders import LedgerEntry
from ctcm.services.messaging import Mailer, Outgoing, mail_config
from ctcm.services.practice import Practice


def escalations(
    p: Practice,
    mailer: Mailer,
    as_of: date,
    people: list[dict[str, Any]],
    admins: Iterable[str],
) -> list[Outgoing]:
    """One message per admin per run listing every newly escalated item, by person (an admin
    is never told about their own items: they had their own reminder)."""
    from ctcm.mail.message import parse_address

    out: list[Outgoing] = []
    if not people:
        return out
    emails = {x.id: x.email.lower() for x in p.repo.people()}
    seen: set[str] = set()
    for address in admins:
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        listed = [x for x in people if emails.get(x["id"]) != address.lower() and x["lines"]]
        if not listed:
            continue
        context = {
            "practice": mailer.practice,
            "as_of": as_of.isoformat(),
            "after": mail_config(p).escalate_after,
            "people": listed,
            "items": sum(len(x["lines"]) for x in listed),
        }
        entry = LedgerEntry(
            kind="escalation",
            status="sent",
            at=p.now_iso,
            about=f"escalation:{as_of.isoformat()}",
            threshold_date=as_of,
            channel=mailer.channel,
            recipients=address,
            note=p.rehearsal,
        )
        out.append(
            Outgoing(
                mailer.message("escalation", context, [parse_address(address, "admin address")]),
                f"{as_of}-escalation-{address.split('@')[0]}",
                address,
                [entry],
            )
        )
    return out
