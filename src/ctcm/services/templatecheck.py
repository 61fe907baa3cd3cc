"""Message templates checked before they are used: each one rendered with a sample of what the
reminder, status, digest and awareness mails give it (mail templates check)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ctcm.domain.credentials import Light, Person, PersonStatus, Reason, RequirementStatus
from ctcm.services.messaging import mail_config
from ctcm.services.practice import Practice


def sample_contexts(practice: str, instructions: str, as_of: date) -> dict[str, dict[str, Any]]:
    """Realistic sample data for every message template (``ctcm mail templates check``)."""
    from ctcm.areas.credentials.statusmail import status_context
    from ctcm.services.digest import DigestSection, DigestView, digest_context
    from ctcm.services.reminders import reminder_context

    person = Person("sample", "Sam Sample", "sam@example.org")
    expiring = RequirementStatus(
        "state-license",
        "State professional license",
        Light.YELLOW,
        Reason.EXPIRING,
        as_of + timedelta(days=14),
        14,
        1,
        None,
    )
    missing = RequirementStatus(
        "hipaa-training", "HIPAA training", Light.RED, Reason.MISSING, None, None, None, None
    )
    manual = RequirementStatus(
        "@manual",
        "Policies and procedures manual, version 2",
        Light.YELLOW,
        Reason.UNACKNOWLEDGED,
        as_of + timedelta(days=10),
        10,
        None,
        None,
        2,
        kind="manual",
    )
    status = PersonStatus(person, Light.RED, (expiring, missing, manual))
    hint = "You will find the manual in the Compliance folder."
    view = DigestView(
        practice,
        as_of.strftime("%Y-%m"),
        as_of,
        {"green": 3, "yellow": 1, "red": 1, "total": 5},
        (
            DigestSection(
                "People needing attention",
                ("Person", "Status", "Why"),
                (("Sam Sample", "RED", "HIPAA training: missing"),),
            ),
        ),
    )
    return {
        "reminder": reminder_context(
            practice, person, [expiring, missing, manual], True, instructions, as_of, hint
        ),
        "status": status_context(
            practice, status, instructions, as_of, hint, "ctcm submit --key ... --person sample"
        ),
        "digest": digest_context(view),
        "test": {"practice": practice, "as_of": as_of.isoformat()},
        "anchor": {
            "practice": practice,
            "as_of": as_of.isoformat(),
            "generation": 42,
            "audit_head": "0" * 64,
            "signer": "user:sample",
            "anchor": '{"format": "ctcm-anchor-1"}',
        },
        "escalation": {
            "practice": practice,
            "as_of": as_of.isoformat(),
            "after": 14,
            "items": 1,
            "people": [{"name": "Sam Sample", "id": "sample", "lines": ["HIPAA training: ..."]}],
        },
        "awareness": _awareness_sample(practice),
    }


def _awareness_sample(practice: str) -> dict[str, Any]:
    from ctcm.services.awareness import sample_context

    return sample_context(practice)


def check_message_templates(p: Practice) -> list[str]:
    from ctcm.render.templates import check_templates, make_environment

    config = mail_config(p)
    env = make_environment(p.vault.root / "templates")
    p.touch("templates")
    return check_templates(
        env, sample_contexts(p.settings.get("practice_name", ""), config.instructions, p.today)
    )
