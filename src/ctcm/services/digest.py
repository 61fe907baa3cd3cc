"""The monthly admin digest: a section list that grows with the program areas; no commands,
no document numbers, notes or security program records in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ctcm.areas.credentials import service as cred
from ctcm.domain.credentials import (
    Dashboard,
    Light,
)
from ctcm.domain.reminders import (
    LedgerEntry,
)
from ctcm.errors import InvalidInput
from ctcm.services.messaging import (
    DeliveryReport,
    Mailer,
    Outgoing,
)
from ctcm.services.practice import Practice
from ctcm.services.reminders import by_urgency, why

# ============================================================================ digest


@dataclass(frozen=True, slots=True)
class DigestSection:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    intro: str = ""


@dataclass(frozen=True, slots=True)
class DigestView:
    practice: str
    month: str
    as_of: date
    summary: dict[str, int]
    sections: tuple[DigestSection, ...]


def _attention_section(p: Practice, board: Dashboard) -> DigestSection | None:
    rows = []
    for s in sorted(board.people, key=lambda s: (-s.status.severity, s.person.name)):
        if s.status.severity == 0:
            continue
        problems = "; ".join(  # the most urgent first, as in the person's own reminder
            f"{r.name}: {why(r)}"
            for r in by_urgency(s.requirements, board.as_of)
            if r.status.severity
        )
        if not s.tracks_documents:
            problems = "; ".join(
                ["nothing tracked: no compliance policy assigned", *filter(None, [problems])]
            )
        rows.append((s.person.name, s.status.value.upper(), problems))
    return DigestSection("People needing attention", ("Person", "Status", "Why"), tuple(rows))


def _upcoming_section(p: Practice, board: Dashboard) -> DigestSection | None:
    horizon = board.as_of + timedelta(days=60)
    rows = sorted(
        (r.expires.isoformat(), s.person.name, r.name, str(r.days_left))
        for s in board.people
        for r in s.requirements
        if r.expires is not None
        and board.as_of <= r.expires <= horizon
        and r.status is not Light.WAIVED
        and r.is_document
    )
    return DigestSection(
        "Expiring in the next 60 days", ("Expires", "Person", "Document", "Days left"), tuple(rows)
    )


def _program_section(p: Practice, board: Dashboard) -> DigestSection | None:
    from ctcm.areas.risk.program import program_status
    from ctcm.render.views import worst_light
    from ctcm.services.program import program_sections

    program = program_status(p)
    sections = program_sections(p)
    rows = [("Attention", line) for line in program.plain_warnings]
    rows += [(section.key.capitalize(), line) for section in sections for line in section.plain]
    rows += [
        ("Open risk", f"{scenario} {title} ({level})")
        for scenario, title, level in program.open_high_risks
        if (scenario, title, level) not in program.unplanned_high_risks
    ]
    light = worst_light(program, sections)
    return DigestSection(
        f"Security program: {light.value.upper()}",
        ("Kind", "Detail"),
        tuple(rows),
        "The risk analysis (only a finalized one counts), security tasks and open high risks, "
        "the compliance calendar, incidents, vendors and devices.",
    )


def _evidence_section(p: Practice, board: Dashboard) -> DigestSection:
    """What the vault held when the digest was made, kept in the admins' mailboxes: a vault
    that later does not continue from this generation and audit head was rolled back or
    altered (compare with 'ctcm audit head')."""
    return DigestSection(
        "Evidence for your records",
        ("Item", "Value"),
        (
            ("Vault generation", str(p.generation)),
            ("Audit entries", str(p.repo.audit_count())),
            ("Audit head (SHA-256)", p.repo.audit_head()),
        ),
        "Keep this message: it is evidence of what the practice's vault held on this date. "
        "Any later state of the vault must have a higher generation and an audit trail that "
        "contains this head.",
    )


# Each section builder returns None when it has nothing to say; program areas reach the
# digest through _program_section (the sections of ctcm.registry).
DIGEST_SECTIONS: list[Callable[[Practice, Dashboard], DigestSection | None]] = [
    _attention_section,
    _upcoming_section,
    _program_section,
    _evidence_section,
]


def digest_view(p: Practice) -> DigestView:
    board = cred.dashboard(p)
    summary = board.summary() | {"total": len(board.people)}
    sections = tuple(s for build in DIGEST_SECTIONS if (s := build(p, board)) is not None)
    return DigestView(board.practice, board.as_of.strftime("%Y-%m"), board.as_of, summary, sections)


def digest_context(view: DigestView) -> dict[str, Any]:
    return {
        "practice": view.practice,
        "month": view.month,
        "as_of": view.as_of.isoformat(),
        "summary": view.summary,
        "sections": [
            {
                "title": s.title,
                "intro": s.intro,
                "columns": list(s.columns),
                "rows": [list(r) for r in s.rows],
            }
            for s in view.sections
        ],
    }


def prepare_digest(
    p: Practice, channel: str, force: bool = False
) -> tuple[DeliveryReport, list[Outgoing]]:
    """The practice-wide digest to each admin, at most once per calendar month unless forced
    (a message another run has claimed counts as sent)."""
    mailer = Mailer(p, channel)
    admins = mailer.admins()
    if not admins:
        raise InvalidInput("no admins to send the digest to: ctcm mail configure --admins a@x,b@y")
    view = digest_view(p)
    report = DeliveryReport(view.as_of, "digest", channel)
    already = {
        e.recipients
        for e in p.repo.deliveries("digest")
        if e.period == view.month and e.status in ("sent", "claimed")
    }
    context = digest_context(view)
    outgoing = []
    for admin in admins:
        if admin.addr_spec in already and not force:
            report.skipped.append(admin.addr_spec)
            continue
        entry = LedgerEntry(
            kind="digest",
            status="sent",
            at=p.now_iso,
            channel=channel,
            recipients=admin.addr_spec,
            period=view.month,
            note=p.rehearsal,
        )
        outgoing.append(
            Outgoing(
                mailer.message("digest", context, [admin]),
                f"{view.month}-digest-{admin.addr_spec}",
                admin.addr_spec,
                [entry],
            )
        )
    p.touch(f"digest:{view.month}")
    return report, outgoing
