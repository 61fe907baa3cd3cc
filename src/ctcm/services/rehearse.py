"""Rehearsal copies (``ctcm rehearse DIR``): the vault as it is now, marked inside its
authenticated header as a rehearsal, so that nothing done to it reaches real people or the real
vault. Its mail goes to files (``DIR/rehearsal-mail``) even with ``--send``; every message says
REHEARSAL; this machine keeps a separate record of it (a copy run ahead with ``CTCM_TODAY``
never makes the real vault look rolled back)."""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ctcm.environment import Environment
from ctcm.errors import InvalidInput
from ctcm.services.practice import Practice
from ctcm.services.vaultops import export_backup
from ctcm.vault import format as fmt
from ctcm.vault.unlock import Unlocked


@dataclass(frozen=True, slots=True)
class RehearsalCopy:
    path: Path
    generation: int
    mail: Path


def make_rehearsal(p: Practice, dest: Path) -> RehearsalCopy:
    """Copy the current generation, its scans and template overrides to ``dest`` (new or
    empty) and mark the copy's header as a rehearsal; the real vault is only read."""
    if p.rehearsal_copy:
        raise InvalidInput("this vault is a rehearsal copy already: rehearse on it as it is")
    parsed = fmt.parse(p.vault.file.read_bytes())
    image = fmt.decrypt(parsed, p.unlocked.dek)
    header = dict(parsed.header)
    header["rehearsal"] = {"id": secrets.token_hex(8), "made": p.now_iso}
    marked = b"".join(fmt.encrypt(header, p.unlocked.dek, image))
    target = export_backup(p, dest, None, content=marked)
    overrides = p.vault.root / "templates"
    if overrides.is_dir() and not overrides.is_symlink():
        shutil.copytree(overrides, dest / "templates", symlinks=False)
    p.touch(f"rehearsal:{dest}")
    return RehearsalCopy(target.parent, parsed.generation, dest / "rehearsal-mail")


# the cron recipe of docs/areas/reminders.md: reminders daily, the digest on the 1st, the
# security tip on the 2nd (day of month, or 0 for every day)
CRON_JOBS = (("remind", 0), ("digest", 1), ("awareness send", 2))


@dataclass(frozen=True, slots=True)
class RunReport:
    start: date
    days: int
    per_address: dict[str, int]  # every recipient (To and Cc), how many mails
    per_job: dict[str, int]
    skipped: tuple[str, ...] = ()  # jobs the practice's settings leave out, said in the report

    @property
    def total(self) -> int:
        return sum(self.per_job.values())


def run_days(env: Environment, copy: Path, unlocked: Unlocked, days: int) -> RunReport:
    """Run the cron recipe on the rehearsal copy at ``copy`` for ``days`` days from today,
    each day under its own date, mail into ``copy/rehearsal-mail``; count who got what."""
    from collections import Counter
    from dataclasses import replace

    from ctcm.environment import RehearsalClock
    from ctcm.mail.transport import DirectoryTransport
    from ctcm.services.messaging import mail_config
    from ctcm.services.outbox import deliver_now
    from ctcm.services.practice import open_practice

    base = env.clock.base if isinstance(env.clock, RehearsalClock) else env.clock
    start = env.clock.now().date()
    per_address: Counter[str] = Counter()
    per_job: Counter[str] = Counter()
    skipped: set[str] = set()
    for offset in range(days):
        day = start + timedelta(days=offset)
        day_env = replace(
            env,
            vault_path=copy,
            clock=base,
            env={**env.env, "CTCM_TODAY": day.isoformat()},
            warn=None,
        )
        for job, on in CRON_JOBS:
            if on and day.day != on:
                continue
            with open_practice(day_env, job, unlocked) as p:
                if not p.rehearsal_copy:  # never anything but a marked copy
                    raise InvalidInput(f"{copy} is not a rehearsal copy")
                if job == "digest" and not mail_config(p).admins:
                    skipped.add("digest (no admins configured: ctcm mail configure --admins)")
                    p.unchanged = True
                    continue
                report, outgoing = _prepare(job, p)
                with DirectoryTransport(copy / "rehearsal-mail") as transport:
                    deliver_now(p, transport, report, outgoing)
                if job == "awareness send" and report.sent:
                    from ctcm.services.awareness import log_sent

                    log_sent(p, report)
            for item in outgoing:
                for header in ("To", "Cc"):
                    for address in item.msg[header].addresses if item.msg[header] else ():
                        per_address[address.addr_spec.lower()] += 1
            per_job[job] += len(outgoing)
    return RunReport(start, days, dict(per_address), dict(per_job), tuple(sorted(skipped)))


def _prepare(job: str, p: Practice):  # type: ignore[no-untyped-def]
    if job == "remind":
        from ctcm.services.reminders import prepare_reminders

        return prepare_reminders(p, "file")
    if job == "digest":
        from ctcm.services.digest import prepare_digest

        return prepare_digest(p, "file")
    from ctcm.services.awareness import prepare_awareness

    return prepare_awareness(p, "file")
