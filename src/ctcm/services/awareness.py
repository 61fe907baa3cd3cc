"""Monthly security reminders to staff (164.308(a)(5)(ii)(A)): a rotating series of short,
practical tips, sent at most once a month to every active person through the delivery ledger,
and logged as the month's "security reminder sent" activity when they go out by email.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ctcm.domain.reminders import LedgerEntry
from ctcm.services.messaging import DeliveryReport, Mailer, Outgoing, person_address
from ctcm.services.practice import Practice

KIND = "awareness"


def tip_names() -> list[str]:
    """The shipped series, in order (a practice may override any tip by name)."""
    from ctcm.resources import shipped_dir

    return sorted(p.name for p in (shipped_dir("templates") / "awareness").glob("*.txt.j2"))


def tip_of_the_month(day: date) -> str:
    names = tip_names()
    return names[(day.year * 12 + day.month - 1) % len(names)]


def _contact(p: Practice) -> str:
    officer = p.settings.get("security_officer")
    person = p.repo.person(officer) if officer else None
    return f"{person.name}, the security official" if person else "the security official"


# Each tip's policy in the practice's own manual (templates/manual/), cited when it is in force.
TIP_POLICY = {
    "01-phishing": "09-malware-patching",
    "02-lost-phone": "17-remote-mobile",
    "03-public-wifi": "17-remote-mobile",
    "04-screen-lock": "14-workstations",
    "05-misdirected-email": "16-encryption-transmission",
    "06-report-incident": "10-incident-response",
    "07-passwords": "08-passwords-mfa",
    "08-paper": "26-paper-and-conversations",
    "09-phone-calls": "22-uses-disclosures",
    "10-software-updates": "09-malware-patching",
    "11-personal-apps": "17-remote-mobile",
    "12-visitors": "13-facility-access",
}


def _manual_citation(p: Practice, tip: str) -> str:
    """'Our own rule: "Passwords and ..." in the manual (version 2), found in ...' or ''."""
    from ctcm.areas.manual.acks import current

    slug = TIP_POLICY.get(tip.removesuffix(".txt.j2"))
    v = current(p) if slug else None
    if v is None:
        return ""
    title = next((s.title for s in p.repo.manual_sections(v.number) if s.slug == slug), None)
    if title is None:
        return ""
    where = p.repo.manual_answers().get("manual_location")
    found = f", {where}" if where else ""
    manual = f"the policies and procedures manual (version {v.number})"
    return f'Our own rule: "{title}" in {manual}{found}.'


def render_tip(p: Practice, day: date) -> tuple[str, str]:
    """(title, body) of the month's tip, rendered with the practice's details, citing the
    practice's own manual where one is in force."""
    from ctcm.render.templates import make_environment, render

    env = make_environment(p.vault.root / "templates")
    tip = tip_of_the_month(day)
    text = render(
        env,
        f"awareness/{tip}",
        {"practice": p.settings.get("practice_name", ""), "contact": _contact(p)},
    ).strip()
    title, _, body = text.partition("\n")
    citation = _manual_citation(p, tip)
    return title.strip(), body.strip() + (f"\n\n{citation}" if citation else "")


def prepare_awareness(p: Practice, channel: str | None) -> tuple[DeliveryReport, list[Outgoing]]:
    """This month's tip for every active person not yet sent it this month."""
    today = p.today
    month = today.strftime("%Y-%m")
    report = DeliveryReport(today, KIND, channel)
    already = {
        (e.recipients or "").lower()
        for e in p.repo.deliveries(KIND)
        if e.period == month and e.status in ("sent", "claimed")
    }
    title, body = render_tip(p, today)
    people = [x for x in p.repo.people(active_only=True) if x.email]
    pending = []
    for person in people:
        if person.email.lower() in already:
            report.skipped.append(person.id)
        else:
            pending.append(person)
            report.due.append(
                {
                    "person": person.id,
                    "name": person.name,
                    "email": person.email,
                    "escalated": False,
                    "items": [
                        {
                            "doctype": "",
                            "status": "",
                            "why": title,
                            "threshold": month,
                            "expires": None,
                            "escalation": 0,
                        }
                    ],
                }
            )
    if channel is None:
        p.touch(f"awareness:{month}")
        return report, []
    mailer = Mailer(p, channel)
    outgoing = []
    for person in pending:
        context: dict[str, Any] = {
            "practice": mailer.practice,
            "person": {"name": person.name},
            "month": f"{today:%B %Y}",
            "title": title,
            "body": body,
        }
        entry = LedgerEntry(
            kind=KIND,
            status="sent",
            at=p.now_iso,
            person_id=person.id,
            channel=channel,
            recipients=person.email,
            period=month,
            note=p.rehearsal,
        )
        outgoing.append(
            Outgoing(
                mailer.message(KIND, context, [person_address(person)]),
                f"{month}-awareness-{person.id}",
                person.id,
                [entry],
            )
        )
    p.touch(f"awareness:{month}")
    return report, outgoing


def log_sent(p: Practice, report: DeliveryReport) -> int | None:
    """Record the month's security reminder as done (only for messages really sent)."""
    from ctcm.areas.activities.service import add_entry

    if not report.sent:
        return None
    title, _ = render_tip(p, report.as_of)
    note = f"Monthly security reminder by email: {title} ({len(report.sent)} people)"
    return add_entry(p, "security-reminder", report.as_of, None, note, [], [])


def sample_context(practice: str) -> dict[str, Any]:
    return {
        "practice": practice,
        "person": {"name": "Sam Sample"},
        "month": "March 2026",
        "title": "Lock your screen",
        "body": "Press Windows+L every time you step away.",
    }
