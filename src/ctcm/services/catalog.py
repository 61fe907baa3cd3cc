"""Loading starter content and the demo practice from packaged data files."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from ctcm.areas.credentials import service as cred
from ctcm.domain.credentials import DocType, Policy, check_key, check_text
from ctcm.errors import InvalidInput, NotFound
from ctcm.services.practice import Practice
from ctcm.storage.repo import Repository


def starter_names() -> list[str]:
    return sorted(
        p.name.removesuffix(".toml")
        for p in resources.files("ctcm.catalog").iterdir()
        if p.name.endswith(".toml")
    )


def load_starter(name: str) -> dict[str, Any]:
    if name not in starter_names():
        raise NotFound(f"unknown starter {name!r} (available: {', '.join(starter_names())})")
    return tomllib.loads(resources.files("ctcm.catalog").joinpath(f"{name}.toml").read_text())


def parse_content(data: dict[str, Any], source: str) -> tuple[list[DocType], list[Policy]]:
    """Validate a content file's doctypes and policies (raises InvalidInput naming the entry)."""
    from ctcm.domain.credentials import Category

    if data.get("version") != 1:
        raise InvalidInput(f"{source}: unsupported content version {data.get('version')!r}")
    doctypes = []
    for entry in data.get("doctypes", []):
        key = check_key(str(entry.get("key", "")), f"{source} doctype key")
        months, days = entry.get("validity_months"), entry.get("validity_days")
        given = [x for x in (months, days, entry.get("no_expiry") or None) if x is not None]
        if len(given) != 1:
            raise InvalidInput(
                f"{source}: doctype {key} needs one of validity_months, validity_days, no_expiry"
            )
        doctypes.append(
            DocType(
                key,
                check_text(entry["name"], "name"),
                Category(entry.get("category", "other")),
                months,
                entry.get("warn_days"),
                validity_days=days,
                provided=bool(entry.get("provided_by_practice", False)),
            )
        )
    keys = {d.key for d in doctypes}
    policies = []
    for entry in data.get("policies", []):
        key = check_key(str(entry.get("key", "")), f"{source} policy key")
        unknown = [r for r in entry.get("requires", []) if r not in keys]
        if unknown:
            raise InvalidInput(f"{source}: policy {key} requires unknown type {unknown[0]}")
        policies.append(
            Policy(
                key,
                check_text(entry["name"], "name"),
                tuple(sorted(set(entry.get("requires", [])))),
            )
        )
    return doctypes, policies


def apply_content(
    repo: Repository, now_iso: str, data: dict[str, Any], source: str
) -> tuple[int, int]:
    """Add the content's doctypes and policies that the practice does not have yet."""
    doctypes, policies = parse_content(data, source)
    have_types = repo.doctypes()
    have_policies = repo.policies()
    added_types = [d for d in doctypes if d.key not in have_types]
    for d in added_types:
        repo.put_doctype(d, now_iso)
    added_policies = [x for x in policies if x.key not in have_policies]
    for x in added_policies:
        repo.put_policy(x, now_iso)
    return len(added_types), len(added_policies)


# ----------------------------------------------------------------------------- demo

DEMO_PASSPHRASE = "correct horse battery demo"
DEMO_USER = "demo"
_RELATIVE = re.compile(r"today([+-]\d+)")


def examples_dir() -> Path:
    from ctcm.resources import shipped_dir

    return shipped_dir("examples")


def resolve_relative_dates(text: str, today: date) -> str:
    """Turn ``today+45`` / ``today-10`` into dates, so the demo always shows all three lights."""
    return _RELATIVE.sub(lambda m: (today + timedelta(days=int(m[1]))).isoformat(), text)


@dataclass(frozen=True, slots=True)
class DemoLoaded:
    people: int
    documents: int
    waivers: int


def load_demo(p: Practice, directory: Path) -> DemoLoaded:
    from ctcm.areas.credentials import csvio as csvio
    from ctcm.domain.dates import parse_optional_date

    practice = tomllib.loads((directory / "practice.toml").read_text())
    apply_content(p.repo, p.now_iso, practice, "examples/practice.toml")
    p.touch("content:examples")
    if "mail" in practice:
        from ctcm.services.messaging import configure_mail

        mail = practice["mail"]
        configure_mail(
            p,
            sender=mail.get("from"),
            admins=mail.get("admins"),
            instructions=mail.get("instructions"),
        )
    people = csvio.import_people(p, (directory / "people.csv").read_text(), "people.csv", False)
    for _, row in csvio.read_rows(
        (directory / "extras.csv").read_text(),
        "extras.csv",
        ("person", "doctype"),
        ("person", "doctype"),
    ):
        cred.person_extra(p, row["person"], row["doctype"], True)
    docs_text = resolve_relative_dates((directory / "documents.csv").read_text(), p.today)
    docs = csvio.import_documents(p, docs_text, "documents.csv", False)
    waivers = 0
    waiver_text = resolve_relative_dates((directory / "waivers.csv").read_text(), p.today)
    for _, row in csvio.read_rows(
        waiver_text,
        "waivers.csv",
        ("person", "doctype", "reason", "until"),
        ("person", "doctype", "reason"),
    ):
        cred.waive(
            p,
            row["person"],
            row["doctype"],
            row["reason"],
            parse_optional_date(row.get("until"), "until"),
        )
        waivers += 1
    if "program" in practice:
        _load_demo_program(p, directory, practice["program"])
    return DemoLoaded(len(people.added), len(docs.added), waivers)


def _load_demo_program(p: Practice, directory: Path, program: dict[str, Any]) -> None:
    """Officers, and a risk analysis with answers, ratings and a mitigation plan."""
    from ctcm.areas.credentials import csvio as csvio
    from ctcm.areas.risk import service as risk
    from ctcm.domain.dates import parse_date
    from ctcm.services.settings import update_settings

    update_settings(
        p,
        security_officer=program.get("security_officer"),
        privacy_officer=program.get("privacy_officer"),
    )
    assessment = risk.new_assessment(p, None, None, False, None, [])
    risk.import_answers(p, assessment.id, directory / "risk-answers.csv")
    text = resolve_relative_dates((directory / "risk-ratings.csv").read_text(), p.today)
    columns = ("scenario", "likelihood", "impact", "controls", "action", "owner", "due")
    for _, row in csvio.read_rows(text, "risk-ratings.csv", columns, columns[:3]):
        risk.rate(
            p,
            assessment.id,
            row["scenario"],
            row["likelihood"],
            row["impact"],
            row.get("controls") or None,
        )
        if row.get("action"):
            risk.mitigate(
                p,
                assessment.id,
                row["scenario"],
                row["action"],
                row["owner"],
                parse_date(row["due"], "due"),
                allow_past=True,  # the demo shows an overdue task on purpose
            )
    _load_demo_activities(p, directory, program)
    if (directory / "screening").is_dir():
        _load_demo_screening(p, directory / "screening", program.get("screening", {}))
    if "privacy" in program:  # before the manual: its notice policy names the notice in force
        from ctcm.areas.privacy.demo import load_demo_privacy

        load_demo_privacy(p, directory, program["privacy"], resolve_relative_dates)
    if "manual" in program:
        _load_demo_manual(p, directory, program["manual"])
    if "verification" in program:
        from ctcm.areas.screening.verify import set_rule
        from ctcm.services.bulk import import_csv

        for doctype, days in program["verification"].get("rules", {}).items():
            set_rule(p, doctype, int(days))
        done = directory / program["verification"]["done"]
        import_csv(p, "verifications", done.read_text(), done.name, False)


def _load_demo_screening(p: Practice, directory: Path, screening: dict[str, Any]) -> None:
    """Synthetic LEIE and SAM files in their real layouts (examples/screening/), the screening
    details of some people, one run, and one candidate cleared; the other stays to verify."""
    from ctcm.areas.screening import service as screening_service
    from ctcm.domain.dates import parse_date

    for source, name, month in (
        ("leie", "UPDATED.csv", "2026-10"),
        ("leie", "2611EXCL.csv", None),
        ("leie", "2611REIN.csv", None),
        ("sam", "SAM_Exclusions_Public_Extract.csv", "2026-11"),
    ):
        screening_service.import_list(p, source, directory / name, month)
    for person_id, dob in screening.get("dob", {}).items():
        screening_service.set_subject(p, person_id, parse_date(dob, "dob"), [])
    result = screening_service.run(p, vendors=True)
    for cleared in screening.get("cleared", []):
        for c in p.repo.screening_candidates():
            if c.run_id == result.run_id and c.person_id == cleared:
                screening_service.resolve(p, c.id, "cleared", screening["note"])


def _load_demo_manual(p: Practice, directory: Path, manual: dict[str, Any]) -> None:
    """The manual's answers, a version in force since 45 days ago, some acknowledgments."""
    from ctcm.areas.manual import versions as manualversions
    from ctcm.areas.manual.service import read_answer_file, set_answers
    from ctcm.domain.dates import parse_date

    set_answers(p, read_answer_file(directory / manual["answers"]))
    manualversions.set_ack_rule(p, "all", int(manual.get("ack_days", 30)))
    effective = parse_date(resolve_relative_dates(manual["effective"], p.today), "effective")
    v = manualversions.adopt(p, effective, "demo: first manual", manual.get("by"))
    for person in manual.get("acknowledged", []):
        manualversions.acknowledge(p, person, v.number, effective)


def _occurrence_in_force(p: Practice, kind: str, day: date | None) -> date | None:
    """The demo's ``for`` column is relative (today-40): the occurrence due on or before it, as
    a user would name it with ``log add --for``."""
    from ctcm.areas.activities.service import all_occurrences, kind_of

    if day is None:
        return None
    due = [o.due for o in all_occurrences(p, day, day - timedelta(days=400)) if kind_of(o) == kind]
    return max(due) if due else day


def _load_demo_activities(p: Practice, directory: Path, program: dict[str, Any]) -> None:
    """The compliance calendar, the activities already logged and a training session."""
    from ctcm.areas.activities import service as activities
    from ctcm.areas.credentials import csvio as csvio
    from ctcm.domain.dates import parse_date, parse_optional_date

    cal = resolve_relative_dates((directory / "calendar.csv").read_text(), p.today)
    for _, row in csvio.read_rows(cal, "calendar.csv", ("kind", "owner", "start"), ("kind",)):
        activities.set_schedule(
            p,
            row["kind"],
            None,
            row.get("owner") or None,
            parse_optional_date(row.get("start"), "start"),
        )
    logged = resolve_relative_dates((directory / "activities.csv").read_text(), p.today)
    columns = ("kind", "date", "by", "note", "fields", "for")
    for _, row in csvio.read_rows(logged, "activities.csv", columns, ("kind", "date")):
        fields = [f for f in (row.get("fields") or "").split("|") if f]
        activities.add_entry(
            p,
            row["kind"],
            parse_date(row["date"], "date"),
            row.get("by") or None,
            row.get("note") or None,
            [],
            fields,
            for_date=_occurrence_in_force(
                p, row["kind"], parse_optional_date(row.get("for"), "for")
            ),
        )
    from ctcm.areas.incidents import service as incidents
    from ctcm.domain.incidents import Assessment
    from ctcm.services.bulk import import_csv

    # the same files and rules as `ctcm vendor import` / `device import` (in-service dates too)
    for kind in ("vendors", "devices"):
        text = resolve_relative_dates((directory / f"{kind}.csv").read_text(), p.today)
        import_csv(p, kind, text, f"{kind}.csv", False)
    for i in program.get("incidents", []):
        day = parse_date(resolve_relative_dates(i["discovered"], p.today), "discovered")
        incident_id = incidents.add(p, day, i["summary"], i.get("reported_by"))
        factors = i.get("factors", {})
        assessment = Assessment(**{k: factors.get(k) for k in ("nature", "recipient", "acquired",
                                                             "mitigated")})  # fmt: skip
        incidents.assess(p, incident_id, assessment, None, i.get("affected"),
                         dict(i.get("states", {})))  # fmt: skip
        for n in i.get("notices", []):
            given = parse_date(resolve_relative_dates(n["given"], p.today), "given")
            incidents.notify(p, incident_id, n["to"], given, None,
                             incidents.Manner(how=n.get("manner")))  # fmt: skip
    for t in program.get("training", []):
        activities.record_training(
            p,
            t["topic"],
            parse_date(resolve_relative_dates(t["date"], p.today), "date"),
            list(t["attendees"]),
            t.get("doctype"),
            [],
            None,
        )
