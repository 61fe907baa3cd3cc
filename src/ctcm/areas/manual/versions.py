"""Adopted versions of the manual, their retention, and staff acknowledgments; the manual's
part of status, ``due`` and the digest (areas/manual/obligations.py)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ctcm.areas.manual.acks import ack_requirements, ack_rule, current
from ctcm.areas.manual.service import Heading, environment, render_sections
from ctcm.domain.credentials import Light, Person, Reason, RequirementStatus, check_text
from ctcm.domain.manual import (
    AckRule,
    ManualVersion,
    Section,
    VersionState,
    check_ack_date,
    check_effective,
    content_hash,
    in_force,
    version_states,
)
from ctcm.domain.program import DueItem
from ctcm.errors import AlreadyExists, InvalidInput, NotFound
from ctcm.render.templates import template_set
from ctcm.services.practice import Practice


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def set_ack_rule(p: Practice, who: str | None, days: int | None) -> AckRule:
    """``who``: "all" (every active person) or compliance policy keys, comma-separated."""
    from ctcm.areas.credentials.service import get_policy

    values: dict[str, str] = {}
    if who is not None:
        keys = [w.strip() for w in who.split(",") if w.strip()]
        if not keys:
            raise InvalidInput("--who must be 'all' or compliance policy keys, comma-separated")
        if keys != ["all"]:
            for key in keys:
                get_policy(p, key)
        values["manual_ack_who"] = ",".join(keys)
    if days is not None:
        if not 0 <= days <= 365:
            raise InvalidInput("--days must be between 0 and 365")
        values["manual_ack_days"] = str(days)
    if values:
        p.set_settings(values)
        p.touch(*(f"setting:{k}" for k in values))
    return ack_rule(p)


def get_version(p: Practice, number: int) -> ManualVersion:
    for v in p.repo.manual_versions():
        if v.number == number:
            return v
    raise NotFound(f"no manual version {number} (see: ctcm manual versions)")


def heading(p: Practice, v: ManualVersion | None) -> Heading:
    """How a rendered manual names itself: never a draft passing for the adopted manual."""
    name = p.repo.manual_answers().get("practice_name") or p.settings.get("practice_name", "")
    name = str(name).strip().rstrip(".,;").strip()  # as the policies take it
    if v is None:
        return Heading(name, "DRAFT, not adopted: not in force until adopted", True)
    adoption = {
        "version": v.number,
        "effective": _long(v.effective),
        "adopted_on": _long(v.adopted_on),
        "by": adopter(p, v.adopted_by)[0],
        "role": adopter(p, v.adopted_by)[1],
        "sha256": v.content_hash,
    }
    state = next(s for s in version_states(p.repo.manual_versions(), p.today) if s.version == v)
    if state.state == "scheduled":
        status = (
            f"Version {v.number}, adopted {_long(v.adopted_on)}, takes effect {_long(v.effective)}"
        )
    elif state.state == "retired":
        assert state.retired_on is not None
        status = (
            f"Version {v.number}, RETIRED on {_long(state.retired_on)} "
            f"(was in effect from {_long(v.effective)}); not the manual in force"
        )
    else:
        status = f"Version {v.number}, in force since {_long(v.effective)}"
    return Heading(name, status, False, adoption)


def adopter(p: Practice, adopted_by: str) -> tuple[str, str]:
    """Who adopted a version and what they are to the practice. Versions adopted before
    ``--by`` name the user account that ran the command."""
    from ctcm.services.signers import signer_name, signer_role

    if ":" in adopted_by:  # a key slot (user:NAME, svc:NAME), not a person
        return adopted_by.split(":", 1)[1], "user account (no person named)"
    return signer_name(p, adopted_by), signer_role(p, adopted_by, "security or privacy official")


def draft(p: Practice) -> tuple[list[Section], Heading]:
    """The manual as the current answers render it, and how to label it."""
    sections = render_sections(p)
    digest = content_hash(sections)
    for v in reversed(p.repo.manual_versions()):
        if v.content_hash == digest:
            return sections, heading(p, v)
    return sections, heading(p, None)


def adopt(
    p: Practice, effective: date | None, note: str | None, by: str | None = None
) -> ManualVersion:
    """Render the manual from the answers and store it as the next version, adopted by
    ``by`` (a person; default: the person of the user running the command, else the user)."""
    sections = render_sections(p)
    versions = p.repo.manual_versions()
    digest = content_hash(sections)
    if versions and versions[-1].content_hash == digest:
        raise InvalidInput(
            f"nothing changed since version {versions[-1].number}: the manual renders exactly "
            "as adopted (change an answer or a template first)"
        )
    day = check_effective(effective or p.today, versions, p.today)
    text = check_text(note, "--note", 500) if note else None
    if p.rehearsal:
        text = f"{text}; {p.rehearsal}" if text else p.rehearsal
    if by is not None:
        from ctcm.areas.credentials.service import get_person

        adopted_by = get_person(p, by).id
    else:
        from ctcm.areas.activities.service import actor_person

        adopted_by = actor_person(p) or p.actor
    v = ManualVersion(
        (versions[-1].number + 1) if versions else 1,
        day,
        p.today,
        adopted_by,
        text,
        digest,
        len(sections),
    )
    p.repo.add_manual_version(v, sections, p.now_iso)
    # which templates made it (the practice's overrides named with their hashes), in the trail
    p.touch(f"manual:v{v.number}", template_set(environment(p), "manual").describe())
    _log_review(p, v)
    return v


def _log_review(p: Practice, v: ManualVersion) -> None:
    """Adopting a version is the yearly policy review of the calendar, done today."""
    from ctcm.areas.activities.service import add_entry, kinds

    if "policy-review" in kinds(p):
        note = f"Manual version {v.number} adopted (effective {v.effective.isoformat()})"
        by = v.adopted_by if ":" not in v.adopted_by else None  # the adopter did the review
        add_entry(p, "policy-review", p.today, by, note, [], [])


def states(p: Practice) -> list[VersionState]:
    p.touch("manual:versions")
    return version_states(p.repo.manual_versions(), p.today)


def sections_of(p: Practice, number: int) -> list[Section]:
    get_version(p, number)
    p.touch(f"manual:v{number}")
    return p.repo.manual_sections(number)


def diff(p: Practice, old: int, new: int | None) -> list[str]:
    """A readable text diff per policy, from version ``old`` to ``new`` (None: the draft the
    current answers render)."""
    before = {s.slug: s for s in sections_of(p, old)}
    after_list = sections_of(p, new) if new is not None else render_sections(p)
    after = {s.slug: s for s in after_list}
    label = f"version {new}" if new is not None else "the current answers (not adopted)"
    out = [f"Manual version {old} -> {label}"]
    unchanged = []
    for slug in [*before, *(s for s in after if s not in before)]:
        a, b = before.get(slug), after.get(slug)
        if a is None and b is not None:
            out += ["", f"== {b.title} ({slug}): ADDED"]
            out += [f"+ {line}" for line in b.text.splitlines()]
        elif b is None and a is not None:
            out += ["", f"== {a.title} ({slug}): REMOVED"]
        elif a is not None and b is not None and a.text != b.text:
            out += ["", f"== {b.title} ({slug}): changed"]
            lines = difflib.unified_diff(
                a.text.splitlines(), b.text.splitlines(), f"v{old}", label, n=1, lineterm=""
            )
            out += [line for line in lines if not line.startswith(("---", "+++"))]
        else:
            unchanged.append(slug)
    out += ["", f"{len(unchanged)} of {len(before | after)} policies unchanged."]
    return out


# ---------------------------------------------------------------------------- acknowledgments


def _active_person(p: Practice, person_id: str) -> Person:
    from ctcm.areas.credentials.service import get_person

    person = get_person(p, person_id)
    if not person.active:
        raise InvalidInput(f"{person_id} is inactive: record acknowledgments of active people")
    return person


def _version_for_ack(p: Practice, number: int | None) -> ManualVersion:
    """The version named, else the newest adopted one: a version adopted to take effect later
    is the one staff read next, so its acknowledgments can be collected ahead."""
    if number is not None:
        return get_version(p, number)
    versions = p.repo.manual_versions()
    if not versions:
        raise InvalidInput("no manual version is adopted: adopt one first (ctcm manual adopt)")
    return versions[-1]


def acknowledge(p: Practice, person_id: str, number: int | None, on: date | None) -> ManualVersion:
    person = _active_person(p, person_id)
    v = _version_for_ack(p, number)
    day = check_ack_date(on or p.today, v, p.today)
    known = p.repo.manual_acks().get((person.id, v.number))
    if known is not None:
        raise AlreadyExists(f"{person.id} acknowledged manual version {v.number} on {known}")
    p.repo.add_manual_acks([(person.id, v.number, day)], p.now_iso, p.actor)
    p.touch(f"manual:v{v.number}", f"person:{person.id}")
    return v


@dataclass(frozen=True, slots=True)
class AckImport:
    added: int
    already: int


def import_acks(p: Practice, text: str, source: str) -> AckImport:
    """A CSV of sign-offs (person, date[, version]): every row checked before any is stored;
    rows already on record are skipped, so a growing sign-off sheet can be imported again."""
    from ctcm.areas.credentials import csvio as csvio
    from ctcm.domain.dates import parse_date

    rows = csvio.read_rows(text, source, ("person", "date", "version"), ("person", "date"))
    known = p.repo.manual_acks()
    new: dict[tuple[str, int], date] = {}
    already = 0
    for line, row in rows:
        try:
            person = _active_person(p, row["person"])
            raw = row.get("version")
            number = None
            if raw:
                if not raw.strip().isdigit():
                    raise InvalidInput(f"version must be a number, not {raw!r}")
                number = int(raw)
            v = _version_for_ack(p, number)
            day = check_ack_date(parse_date(row["date"], "date"), v, p.today)
        except (InvalidInput, NotFound) as err:
            raise InvalidInput(f"{source} line {line}: {err}") from None
        key = (person.id, v.number)
        if key in known or key in new:
            already += 1
            continue
        new[key] = day
    p.repo.add_manual_acks([(pid, n, d) for (pid, n), d in new.items()], p.now_iso, p.actor)
    p.touch(*(f"person:{pid}" for pid, _ in new))
    return AckImport(len(new), already)


@dataclass(frozen=True, slots=True)
class AckRow:
    person: Person
    requirement: RequirementStatus


def ack_table(p: Practice) -> tuple[ManualVersion | None, AckRule, list[AckRow]]:
    v = current(p)
    people = list(p.repo.people(active_only=True))
    reqs = ack_requirements(p, people)
    rows = [AckRow(x, r) for x in people for r in reqs.get(x.id, ())]
    p.touch("manual:acks")
    return v, ack_rule(p), rows


# ---------------------------------------------------------------------------- program area


@dataclass(frozen=True, slots=True)
class ManualStatus:
    light: Light
    version: ManualVersion | None
    required: int
    acknowledged: int
    pending: int
    overdue: int
    scheduled: ManualVersion | None

    @property
    def lines(self) -> tuple[str, ...]:
        out = []
        if self.version is None and self.scheduled is not None:
            out.append(
                f"Manual version {self.scheduled.number} adopted on "
                f"{_long(self.scheduled.adopted_on)}, in force from "
                f"{_long(self.scheduled.effective)}: {self.acknowledged} of {self.required} "
                "acknowledged ahead (ctcm manual acks)"
            )
            return tuple(out)
        if self.version is None:
            out.append(
                "No policies and procedures manual in force (ctcm manual configure, then "
                "ctcm manual adopt)"
            )
        else:
            line = (
                f"Manual version {self.version.number} in force since "
                f"{_long(self.version.effective)}: {self.acknowledged} of {self.required} "
                "acknowledged"
            )
            if self.pending or self.overdue:
                line += f" ({self.pending} within their time, {self.overdue} overdue)"
            out.append(line + " (ctcm manual acks)")
        if self.scheduled is not None:
            out.append(
                f"Manual version {self.scheduled.number} in force from "
                f"{_long(self.scheduled.effective)} (version {self.version.number} until then; "
                "its acknowledgments can be collected now)"
                if self.version is not None
                else f"Manual version {self.scheduled.number} in force from "
                f"{_long(self.scheduled.effective)}"
            )
        return tuple(out)

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.light.value,
            "version": self.version.number if self.version else None,
            "effective": self.version.effective.isoformat() if self.version else None,
            "required": self.required,
            "acknowledged": self.acknowledged,
            "pending": self.pending,
            "overdue": self.overdue,
            "scheduled": self.scheduled.number if self.scheduled else None,
        }


def manual_status(p: Practice) -> ManualStatus:
    versions = p.repo.manual_versions()
    v = in_force(versions, p.today)
    later = [x for x in versions if x.effective > p.today]
    if v is None and later:
        # adopted, not yet in force: yellow (nothing is missing), acknowledgments counted ahead
        people = list(p.repo.people(active_only=True))
        acks = p.repo.manual_acks()
        required = [x for x in people if ack_rule(p).applies(x)]
        done = sum(1 for x in required if (x.id, later[-1].number) in acks)
        return ManualStatus(Light.YELLOW, None, len(required), done, 0, 0, later[-1])
    if v is None:
        return ManualStatus(Light.RED, None, 0, 0, 0, 0, None)
    _, _, rows = ack_table(p)
    reqs = [r.requirement for r in rows]
    done = sum(1 for r in reqs if r.reason is Reason.ACKNOWLEDGED)
    pending = sum(1 for r in reqs if r.status is Light.YELLOW)
    overdue = sum(1 for r in reqs if r.status is Light.RED)
    light = Light.RED if overdue else Light.YELLOW if pending else Light.GREEN
    return ManualStatus(light, v, len(reqs), done, pending, overdue, later[-1] if later else None)


def manual_due(p: Practice, until: date) -> Iterable[DueItem]:
    """No manual in force (due now), a scheduled version taking effect (acknowledgments of
    people come with their lights, in the credentials area)."""
    versions = p.repo.manual_versions()
    officer = p.settings.get("security_officer")
    if in_force(versions, p.today) is None and not versions:
        yield DueItem(
            p.today,
            "manual",
            "No policies and procedures manual in force: configure and adopt one",
            officer,
            Light.RED,
            "manual",
        )
    for v in versions:
        if p.today < v.effective <= until:
            yield DueItem(
                v.effective,
                "manual",
                f"Manual version {v.number} takes effect; staff acknowledge it",
                officer,
                Light.YELLOW,
                f"manual:v{v.number}",
            )


def export_version(
    p: Practice, number: int | None, fmt: str, single: bool = False
) -> tuple[list[tuple[str, str]], str]:
    """The files of a stored version (or of the draft), and what was rendered."""
    from ctcm.areas.manual.service import manual_files

    if number is None:
        sections, head = draft(p)
    else:
        sections, head = sections_of(p, number), heading(p, get_version(p, number))
    return manual_files(p, sections, head, fmt, single), head.status


def read_sections_for_show(p: Practice, number: int) -> tuple[Heading, Sequence[Section]]:
    return heading(p, get_version(p, number)), sections_of(p, number)
