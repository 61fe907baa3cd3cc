"""What the manual reads from the record rather than from the answers, so a policy never
claims what the vault shows is not in place: the notice of privacy practices in force, the
safeguards the newest risk analysis answers as gaps (off-site backups, visitor and repair
records), and the vendors that see PHI without a signed BAA. Where the vault shows a practice
is not in place, the policy states the plan instead of the claim, and ``manual render`` lists
each such contradiction. Also: the check every rendered policy passes (no doubled punctuation,
no sentence starting in lower case, no unfilled slot)."""

from __future__ import annotations

import re
from typing import Any

from ctcm.domain.privacy import NPP_FACT_PREFIX
from ctcm.services.practice import Practice

# safeguard (risk analysis citation) -> what the manual would otherwise claim
CLAIMS = {
    "164.308(a)(7)(ii)(A)": ("backup_offsite", "a backup copy kept away from the office"),
    "164.310(a)(2)(iii)": ("visitor_records", "visitors' access recorded"),
    "164.310(a)(2)(iv)": ("repair_records", "repairs to doors, locks and alarms recorded"),
}


def record_facts(p: Practice) -> dict[str, Any]:
    """The template context the record provides: ``npp`` (the notice in force: version,
    effective date, where posted) and ``vault`` (what is and is not in place)."""
    return {"npp": _npp(p), "vault": vault_facts(p)}


def _npp(p: Practice) -> dict[str, Any] | None:
    from ctcm.areas.privacy.service import npp_in_force

    version = npp_in_force(p)
    if version is None:
        return None
    places = sorted({x.place for x in p.repo.npp_postings() if x.version_id == version.id})
    return {
        "id": version.id,
        "effective": version.effective.isoformat(),
        "posted": " and ".join(f"at the {x}" if x == "office" else f"on the {x}" for x in places),
    }


def _gaps(p: Practice) -> set[str]:
    """The citations the newest risk analysis (draft or final) answers partial or not
    implemented."""
    assessments = p.repo.assessments()
    if not assessments:
        return set()
    newest = max(assessments, key=lambda a: a.id)
    return {c for c, a in p.repo.answers(newest.id).items() if a.status.is_gap}


def vault_facts(p: Practice) -> dict[str, Any]:
    gaps = _gaps(p)
    facts: dict[str, Any] = {key: citation not in gaps for citation, (key, _) in CLAIMS.items()}
    facts["vendors_without_baa"] = sorted(
        v.name for v in p.repo.vendors().values() if v.phi and v.baa_signed is None
    )
    return facts


def contradictions(p: Practice) -> list[str]:
    """What the vault shows is not in place, which the manual states as a plan, not a claim."""
    facts = vault_facts(p)
    out = [
        f"{what}: the risk analysis answers {citation} as a gap"
        for citation, (key, what) in CLAIMS.items()
        if not facts[key]
    ]
    if facts["vendors_without_baa"]:
        out.append(
            "no patient information before a signed BAA: "
            f"{', '.join(facts['vendors_without_baa'])} see(s) PHI without one"
        )
    return out


def normalise_answers(answers: dict[str, Any], text_keys: set[str]) -> dict[str, Any]:
    """Free-text answers as sentences take them: no surrounding space, no closing full stop
    or comma (the template ends the sentence)."""
    out = dict(answers)
    for key in text_keys:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = value.strip().rstrip(".,;").strip()
    return out


_ABBREVIATIONS = ("e.g", "i.e", "etc", "vs", "no", "p.m", "a.m")
# (a citation's nested parentheses close twice, "(164.308(a)(8))": never opened twice)
_DOUBLED = re.compile(r"(?<!\.)[.,;:]{2}(?!\.)|\(\(|\(\s*\)")
_LOWER_START = re.compile(r"(\S+)\. ([a-z])")
_UNFILLED = re.compile(r"\{\{|\}\}|\bNone\b|\bundefined\b")


def sentence_problems(text: str) -> list[str]:
    """What reads wrong in a rendered policy: doubled punctuation or parentheses, a sentence
    starting in lower case, an unfilled slot. One line each (empty: none)."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("**Rule:**") or line.startswith(NPP_FACT_PREFIX.strip()):
            continue
        if _DOUBLED.search(line):
            problems.append(f"line {number}: doubled punctuation: {line.strip()[:80]}")
        for m in _LOWER_START.finditer(line):
            word = m[1].lower().rstrip(")")
            if not word.endswith(_ABBREVIATIONS) and not word[-1:].isdigit():
                problems.append(
                    f"line {number}: a sentence starts in lower case: {line.strip()[:80]}"
                )
        if _UNFILLED.search(line):
            problems.append(f"line {number}: an unfilled slot: {line.strip()[:80]}")
    return problems
