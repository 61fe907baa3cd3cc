"""Personnel status mails (``ctcm notify status``): each person's whole status, in the same
words as the reminders. No PHI: names, document type names, dates and statuses only."""

from __future__ import annotations

from datetime import date
from typing import Any

from ctcm.areas.credentials import service as cred
from ctcm.areas.credentials.inbox import submit_card
from ctcm.domain.credentials import Light, PersonStatus, worst
from ctcm.domain.reminders import LedgerEntry
from ctcm.services.messaging import DeliveryReport, Mailer, Outgoing, person_address
from ctcm.services.practice import Practice
from ctcm.services.reminders import item_context, manual_hint, submit_hint


def status_context(
    practice: str,
    status: PersonStatus,
    instructions: str,
    as_of: date,
    manual_hint: str = "",
    submit_hint: str = "",
) -> dict[str, Any]:
    # what the person acts on: never the office's exclusion screening
    mine = [r for r in status.requirements if r.for_person]
    requirements = [item_context(r, as_of) for r in mine]
    # nothing tracked is never GREEN (as in evaluate_person)
    light = worst([Light.GREEN if status.tracks_documents else Light.YELLOW,
                   *(r.status for r in mine)])  # fmt: skip
    return {
        "practice": practice,
        "as_of": as_of.isoformat(),
        "person": {"name": status.person.name},
        "status": light.value,
        "groups": [
            {"light": light, "items": [r for r in requirements if r["status"] == light]}
            for light in ("red", "yellow", "green", "waived")
            if any(r["status"] == light for r in requirements)
        ],
        "requirements": requirements,
        "to_renew": any(
            r.status.severity > 0 for r in status.requirements if r.is_document and not r.provided
        ),
        "instructions": instructions,
        "manual_hint": manual_hint,
        "no_documents": not status.tracks_documents,
        "submit_hint": submit_hint,
        "to_read": any(r.status.severity > 0 for r in mine if r.kind == "manual"),
    }


def card_hint(name: str) -> str:
    return (
        f"Your submit card is attached ({name}): it lists the documents asked of you. To send "
        f"one yourself, sealed so only the practice can open it: ctcm submit --card {name} "
        "--file SCAN (ctcm asks which document and shows what it will send)."
    )


def prepare_status_notices(
    p: Practice, person_id: str | None, channel: str, again: bool = False
) -> tuple[DeliveryReport, list[Outgoing]]:
    """Each person's own lights, and nobody else's: at most once per person per calendar
    month (a message another run has claimed counts as sent) unless ``again``."""
    statuses = [cred.person_status(p, person_id)] if person_id else cred.evaluate_active(p)
    mailer = Mailer(p, channel)
    report = DeliveryReport(p.today, "status", channel)
    month = p.today.strftime("%Y-%m")
    already = {
        e.person_id
        for e in p.repo.deliveries("status")
        if e.status in ("sent", "claimed") and (e.period == month or e.at[:7] == month)
    }
    outgoing = []
    for status in statuses:
        person = status.person
        if person.id in already and not again:
            report.skipped.append(person.id)
            continue
        asked = [
            (r.doctype, r.name)
            for r in status.requirements
            if r.is_document and not r.provided and r.status.severity > 0
        ]
        card = submit_card(p, person.id, asked) if asked else None
        name = f"submit-card-{person.id}.ctcmcard"
        msg = mailer.message(
            "status",
            status_context(
                mailer.practice,
                status,
                mailer.config.instructions,
                p.today,
                manual_hint(p),
                card_hint(name) if card else submit_hint(p, person.id),
            ),
            [person_address(person)],
            attachments=[(name, card.to_text().encode())] if card else None,
        )
        entry = LedgerEntry(
            kind="status",
            status="sent",
            at=p.now_iso,
            person_id=person.id,
            channel=channel,
            recipients=person.email,
            period=month,
            note=p.rehearsal,
        )
        outgoing.append(Outgoing(msg, f"{p.today}-status-{person.id}", person.id, [entry]))
    return report, outgoing
