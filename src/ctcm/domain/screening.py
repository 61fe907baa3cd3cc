"""Exclusion screening and numbers that check themselves (pure).

The OIG List of Excluded Individuals/Entities (LEIE) full file and its monthly supplements, and
the SAM.gov exclusions extract, read into one row shape; names normalised for matching (case,
accents, hyphens, spaces, suffixes); the matching rule: an NPI agreeing exactly, or a name
agreeing with the date of birth where both are known. A name alone is never called a match: it
is a candidate to verify. NPI (Luhn over the prefix 80840) and DEA registration check digits.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ctcm.errors import InvalidInput

LEIE_COLUMNS = (
    "LASTNAME", "FIRSTNAME", "MIDNAME", "BUSNAME", "GENERAL", "SPECIALTY", "UPIN", "NPI", "DOB",
    "ADDRESS", "CITY", "STATE", "ZIP", "EXCLTYPE", "EXCLDATE", "REINDATE", "WAIVERDATE",
    "WVRSTATE",
)  # fmt: skip
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "v", "md", "do", "phd", "rn", "lpn", "np", "pa"}


@dataclass(frozen=True, slots=True)
class Excluded:
    """One row of an exclusion list, as matching needs it."""

    source: str  # leie | sam
    last: str
    first: str
    middle: str
    business: str
    npi: str | None
    dob: date | None
    state: str
    kind: str  # the exclusion type (1128(a)(1) ...), or SAM's program
    since: date | None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity of a row across a full file and its supplements (a reinstatement names the
        same person and exclusion date)."""
        return (norm(self.last), norm(self.first), self.dob.isoformat() if self.dob else "",
                self.since.isoformat() if self.since else "")  # fmt: skip

    def describe(self) -> str:
        who = " ".join(x for x in (self.first, self.middle, self.last) if x) or self.business
        extra = [f"NPI {self.npi}" if self.npi else "", f"born {self.dob}" if self.dob else "",
                 self.state, f"{self.kind} since {self.since}" if self.since else self.kind]  # fmt: skip
        return f"{self.source.upper()}: {who} (" + ", ".join(x for x in extra if x) + ")"


def norm(name: str) -> str:
    """A name as matching compares it: no accents, lower case, letters only, hyphens and
    apostrophes dropped, suffixes and credentials removed."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z]+", plain.replace("'", "").replace("-", "")) if w]
    return "".join(w for w in words if w not in _SUFFIXES)


def _yyyymmdd(text: str) -> date | None:
    text = text.strip()
    if not text or set(text) == {"0"} or len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _mdy(text: str) -> date | None:
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", text.strip())
    if not m:
        return None
    try:
        return date(int(m[3]), int(m[1]), int(m[2]))
    except ValueError:
        return None


def _npi(text: str) -> str | None:
    digits = text.strip()
    return digits if digits.isdigit() and len(digits) == 10 and set(digits) != {"0"} else None


def read_leie(text: str, where: str) -> list[Excluded]:
    """The LEIE full file (UPDATED.csv) or a supplement (YYMMEXCL.csv, YYMMREIN.csv): the
    18 columns named in the header."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip().upper() for h in next(reader, [])]
    if tuple(header[: len(LEIE_COLUMNS)]) != LEIE_COLUMNS:
        raise InvalidInput(
            f"{where} is not an LEIE file: its header should be {','.join(LEIE_COLUMNS[:4])},... "
            "(download UPDATED.csv or a monthly supplement from oig.hhs.gov)"
        )
    out = []
    for row in reader:
        if len(row) < len(LEIE_COLUMNS):
            continue
        r = dict(zip(LEIE_COLUMNS, row, strict=False))
        out.append(
            Excluded(
                "leie",
                r["LASTNAME"].strip(),
                r["FIRSTNAME"].strip(),
                r["MIDNAME"].strip(),
                r["BUSNAME"].strip(),
                _npi(r["NPI"]),
                _yyyymmdd(r["DOB"]),
                r["STATE"].strip(),
                r["EXCLTYPE"].strip(),
                _yyyymmdd(r["EXCLDATE"]),
            )  # fmt: skip
        )
    return out


def read_sam(text: str, where: str) -> list[Excluded]:
    """The SAM.gov exclusions public extract (CSV with a header: First, Middle, Last, Name,
    NPI, Active Date, Exclusion Program ...)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    if "last" not in fields or "first" not in fields:
        raise InvalidInput(f"{where} is not a SAM exclusions extract: no First and Last columns")

    def get(row: dict[str, str], name: str) -> str:
        key = fields.get(name)
        return (row.get(key) or "").strip() if key else ""

    return [
        Excluded(
            "sam",
            get(r, "last"),
            get(r, "first"),
            get(r, "middle"),
            get(r, "name"),
            _npi(get(r, "npi")),
            None,
            get(r, "state / province") or get(r, "state"),
            get(r, "exclusion program") or get(r, "exclusion type"),
            _mdy(get(r, "active date")),
        )  # fmt: skip
        for r in reader
    ]


@dataclass(frozen=True, slots=True)
class Subject:
    """Who is screened: a person's names (legal, other or maiden), NPI and date of birth."""

    id: str
    names: tuple[tuple[str, str], ...]  # (first, last)
    npi: str | None
    dob: date | None


@dataclass(frozen=True, slots=True)
class Candidate:
    subject: str
    row: Excluded
    basis: str  # "npi" | "name and date of birth" | "name only (date of birth unknown)"


def screen(subjects: Iterable[Subject], rows: Sequence[Excluded]) -> list[Candidate]:
    """Every candidate: an NPI agreeing, or a name agreeing with the DOB agreeing where both
    are known (a name with a different DOB is no candidate)."""
    by_npi: dict[str, list[Excluded]] = {}
    by_name: dict[tuple[str, str], list[Excluded]] = {}
    for r in rows:
        if r.npi:
            by_npi.setdefault(r.npi, []).append(r)
        if r.last:
            by_name.setdefault((norm(r.first), norm(r.last)), []).append(r)
    out = []
    for s in subjects:
        seen: set[tuple[str, str, str, str]] = set()
        for r in by_npi.get(s.npi or "", []):
            seen.add(r.key)
            out.append(Candidate(s.id, r, "npi"))
        for first, last in s.names:
            for r in by_name.get((norm(first), norm(last)), []):
                if r.key in seen:
                    continue
                if s.dob and r.dob:
                    if s.dob != r.dob:
                        continue
                    basis = "name and date of birth"
                else:
                    basis = "name only (date of birth unknown): verify"
                seen.add(r.key)
                out.append(Candidate(s.id, r, basis))
    return out


# words a business name carries that say nothing of who it is
_BUSINESS_WORDS = {"the", "and", "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited",
                   "corp", "corporation", "co", "company", "pc", "pllc", "pa"}  # fmt: skip
BUSINESS_BASIS = "business name: verify"
VENDOR = "vendor:"  # a vendor screened by business name is the subject "vendor:KEY"


def norm_business(name: str) -> str:
    """A business name as matching compares it: no accents or punctuation, lower case, legal
    forms (Inc, LLC, Corp ...) and "the" / "and" / "&" dropped."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", plain.replace("'", "").replace(".", "")) if w]
    return " ".join(w for w in words if w not in _BUSINESS_WORDS)


def screen_businesses(
    businesses: Iterable[tuple[str, str]], rows: Sequence[Excluded]
) -> list[Candidate]:
    """Every (subject, business name) whose normalised name is a listed business's: a
    candidate to verify (a business has no date of birth; the note says how it was checked)."""
    by_name: dict[str, list[Excluded]] = {}
    for r in rows:
        if r.business.strip():
            by_name.setdefault(norm_business(r.business), []).append(r)
    out = []
    for subject, name in businesses:
        key = norm_business(name)
        if len(key) >= 3:  # "The Co." says nothing
            out += [Candidate(subject, r, BUSINESS_BASIS) for r in by_name.get(key, [])]
    return out


def npi_valid(number: str) -> bool:
    """10 digits, the last a Luhn check digit computed over 80840 + the first nine."""
    if not re.fullmatch(r"\d{10}", number):
        return False
    digits = [int(c) for c in "80840" + number[:9]]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10 == int(number[9])


def dea_valid(number: str) -> bool:
    """Two letters and seven digits: (d1 + d3 + d5) + 2 * (d2 + d4 + d6), last digit = d7."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z9]\d{7}", number):
        return False
    d = [int(c) for c in number[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


CHECKED_NUMBERS = ("npi", "dea")  # document types whose numbers carry a check digit


def check_number(doctype_key: str, number: str) -> None:
    """Refuse an NPI or DEA number that fails its own check digit (one line, says why)."""
    value = number.strip()
    if doctype_key == "npi" and not npi_valid(value):
        raise InvalidInput(
            f"NPI {value!r} fails its check: an NPI is 10 digits whose last is a Luhn check "
            "digit (look it up in the NPPES registry; --force records it anyway)"
        )
    if doctype_key == "dea" and not dea_valid(value):
        raise InvalidInput(
            f"DEA number {value!r} fails its check: two letters, seven digits, the last a check "
            "digit (--force records it anyway)"
        )
