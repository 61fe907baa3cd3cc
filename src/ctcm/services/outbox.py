"""Delivering prepared messages: at once into files, or through an outbox for SMTP.

The outbox keeps the writer lock short: the messages are prepared and *claimed* in the delivery
ledger under the lock (rows with status ``claimed`` and a claim key in place of the message
id), the lock is released while the mail server is talked to, and each outcome is recorded under
the lock again (the claim becomes ``sent`` with the server's message id, or is dropped so the
next run retries it). A run that overlaps skips claimed items, because the planner counts a
claim as sent; a claim whose run was killed stops counting after ``CLAIM_TIMEOUT`` (measured by
the observer's own clock: services/messaging.py) and is sent again. The one window left: a message the server accepted just before a kill, whose outcome
was never recorded, goes again after the timeout.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace

from ctcm.environment import Environment
from ctcm.errors import CtcmError
from ctcm.services.messaging import (
    DeliveryReport,
    Outgoing,
    Transport,
    note_claims,
    stale_claims,
)
from ctcm.services.practice import Practice, open_practice, unlock_once

Prepare = Callable[[Practice], tuple[DeliveryReport, list[Outgoing]]]


def deliver_now(
    p: Practice,
    transport: Transport,
    report: DeliveryReport,
    out: list[Outgoing],
    record: bool = True,
) -> None:
    """Deliver each message and record them all (files: fast, so all under the one lock, and
    the ledger rows go in as one batch). ``record=False``: a preview that records nothing."""
    from ctcm.mail.transport import DeliveryError

    batch = []
    for item in out:
        try:
            message_id = transport.deliver(item.msg, item.hint)
        except DeliveryError as err:
            report.failed.append((item.who, str(err)))
            continue
        batch.extend(replace(e, message_id=message_id) for e in item.entries)
        report.sent.append(item.who)
    if record:
        p.repo.add_deliveries(batch)
        p.unchanged = not batch  # nothing delivered: no new generation
    else:
        report.preview = True
        p.touch("preview")
    p.touch(*(_target(report.kind, who) for who in report.sent))


def _target(kind: str, who: str) -> str:
    return f"mail:{who}" if kind == "digest" else f"person:{who}"


def deliver_via_outbox(
    env: Environment,
    command: str,
    prepare: Prepare,
    make_transport: Callable[[Practice], Transport],
) -> DeliveryReport:
    """Claim under the lock, send without it, record each outcome under it (see module doc)."""
    from ctcm.mail.transport import DeliveryError

    unlocked = unlock_once(env)
    run = secrets.token_hex(6)
    with open_practice(env, command, unlocked) as p:
        p.repo.drop_claims(sorted(stale_claims(p)))
        transport = make_transport(p)
        report, outgoing = prepare(p)
        claims = [f"claim:{run}:{i}" for i in range(len(outgoing))]
        p.repo.add_deliveries(
            [
                replace(e, status="claimed", message_id=claim, at=p.now_iso)
                for claim, item in zip(claims, outgoing, strict=True)
                for e in item.entries
            ]
        )
        note_claims(p)  # this machine times its own claims from now
        p.touch(f"claimed:{len(outgoing)}")
        p.unchanged = not outgoing  # nothing to send: no new generation, only the audit entry
    if not outgoing:
        return report
    done = 0
    try:
        with transport:  # type: ignore[attr-defined]
            for claim, item in zip(claims, outgoing, strict=True):
                try:
                    message_id: str | None = transport.deliver(item.msg, item.hint)
                except DeliveryError as err:
                    report.failed.append((item.who, str(err)))
                    message_id = None
                # each outcome is saved at once (a kill resends at most one message), but
                # only the state before the run is kept as a backup: a run is one backup
                with open_practice(env, f"{command} (outcome)", unlocked, keep_backup=False) as p:
                    if message_id is None:
                        p.repo.drop_claims([claim])
                        p.touch(f"retry:{_target(report.kind, item.who)}")
                    else:
                        p.repo.settle_claim(claim, message_id, p.now_iso)
                        p.touch(_target(report.kind, item.who))
                        report.sent.append(item.who)
                    p.repo.refresh_claims(f"claim:{run}:", p.now_iso)
                    note_claims(p)
                done += 1
    except CtcmError:
        # The server went away (or the vault did): give back what was not sent.
        left = claims[done:]
        if left:
            with open_practice(env, f"{command} (release)", unlocked, keep_backup=False) as p:
                p.repo.drop_claims(left)
                p.touch(f"released:{len(left)}")
        raise
    return report
