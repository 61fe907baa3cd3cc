"""Mailing an anchor (services/anchors.py) to the practice's admins: apart from the anchor
itself, so checking an anchor never imports the mail layer."""

from __future__ import annotations

import json
from typing import Any

from ctcm.errors import InvalidInput


def send_anchor(p: Any, anchor: dict[str, Any], transport: Any) -> list[str]:
    """Mail the anchor to the practice's admins (mail.admins): it holds no PHI, only the
    vault's generation, audit head and signed-write hash. Returns the addresses."""
    from ctcm.domain.reminders import LedgerEntry
    from ctcm.mail.message import parse_address
    from ctcm.services.messaging import Mailer, mail_config

    admins = mail_config(p).admins
    if not admins:
        raise InvalidInput(
            "no admin addresses to mail the anchor to: ctcm mail configure --admins ADDRESS"
        )
    mailer = Mailer(p)
    context = {
        "practice": mailer.practice,
        "as_of": p.today.isoformat(),
        "generation": anchor["generation"],
        "audit_head": anchor["audit_head"],
        "signer": anchor["signer"],
        "anchor": json.dumps(anchor, indent=2),
    }
    addresses = [parse_address(a, "admin address") for a in admins]
    msg = mailer.message("anchor", context, addresses)
    message_id = transport.deliver(msg, f"{p.today}-anchor-g{anchor['generation']}")
    p.repo.add_deliveries(
        [
            LedgerEntry(
                kind="anchor",
                status="sent",
                at=p.now_iso,
                channel=transport.channel,
                recipients=",".join(a.addr_spec for a in addresses),
                message_id=message_id,
            )
        ]
    )
    return [a.addr_spec for a in addresses]
