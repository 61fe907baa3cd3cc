"""Document types and compliance policies: what a practice tracks, and who must hold what."""

from __future__ import annotations

from dataclasses import replace

from ctcm.areas.credentials.service import get_doctype, get_policy
from ctcm.domain.credentials import Category, DocType, Policy, check_key, check_text
from ctcm.errors import AlreadyExists, InvalidInput
from ctcm.services.practice import Practice


def _check_months(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 600:
        raise InvalidInput("validity must be between 1 and 600 months")
    return value


def _check_warn(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 3650:
        raise InvalidInput("warning window must be between 0 and 3650 days")
    return value


def _category(value: str | None) -> Category:
    try:
        return Category(value or "other")
    except ValueError:
        choices = ", ".join(c.value for c in Category)
        raise InvalidInput(f"unknown category {value!r} (choose from {choices})") from None


def _check_validity(months: int | None, days: int | None, no_expiry: bool) -> None:
    if (months is not None) + (days is not None) + no_expiry > 1:
        raise InvalidInput("--validity-months, --validity-days and --no-expiry exclude each other")
    if days is not None and not 1 <= days <= 36500:
        raise InvalidInput("validity must be between 1 and 36500 days")


def add_doctype(
    p: Practice,
    key: str,
    name: str,
    validity_months: int | None,
    no_expiry: bool,
    warn_days: int | None,
    category: str | None,
    validity_days: int | None = None,
    provided: bool = False,
) -> DocType:
    check_key(key, "document type key")
    if key in p.repo.doctypes():
        raise AlreadyExists(f"document type {key!r} exists already")
    if validity_months is None and validity_days is None and not no_expiry:
        raise InvalidInput(
            "give --validity-months N (or --validity-days N), or --no-expiry for a document "
            "that never expires"
        )
    _check_validity(validity_months, validity_days, no_expiry)
    dt = DocType(
        key,
        check_text(name, "name"),
        _category(category),
        _check_months(validity_months),
        _check_warn(warn_days),
        validity_days=validity_days,
        provided=provided,
    )
    p.repo.put_doctype(dt, p.now_iso)
    p.touch(f"doctype:{key}")
    return dt


def edit_doctype(
    p: Practice,
    key: str,
    name: str | None = None,
    validity_months: int | None = None,
    no_expiry: bool = False,
    warn_days: int | None = None,
    category: str | None = None,
    remind: str | None = None,
    validity_days: int | None = None,
    provided: bool | None = None,
) -> DocType:
    """Change a document type; ``remind`` sets its own reminder schedule ("default" clears);
    ``provided``: whether the practice obtains it itself (never asked of staff)."""
    from ctcm.domain.reminders import parse_schedule

    dt = get_doctype(p, key)
    options = (name, validity_months, warn_days, category, remind, validity_days, provided)
    if options == (None,) * 7 and not no_expiry:
        raise InvalidInput("nothing to change: give at least one option (see --help)")
    _check_validity(validity_months, validity_days, no_expiry)
    months, days = dt.validity_months, dt.validity_days
    if no_expiry:
        months = days = None
    elif validity_months is not None:
        months, days = _check_months(validity_months), None
    elif validity_days is not None:
        months, days = None, validity_days
    dt = replace(
        dt,
        name=check_text(name, "name") if name is not None else dt.name,
        category=_category(category) if category is not None else dt.category,
        validity_months=months,
        validity_days=days,
        warn_days=_check_warn(warn_days) if warn_days is not None else dt.warn_days,
        provided=dt.provided if provided is None else provided,
    )
    p.repo.put_doctype(dt, p.now_iso)
    if remind is not None:
        p.repo.set_schedule(key, None if remind in ("", "default") else str(parse_schedule(remind)))
    p.touch(f"doctype:{key}")
    return dt


def archive_doctype(p: Practice, key: str) -> DocType:
    dt = replace(get_doctype(p, key), archived=True)
    p.repo.put_doctype(dt, p.now_iso)
    p.touch(f"doctype:{key}")
    return dt


def list_doctypes(p: Practice, include_archived: bool = False) -> list[DocType]:
    p.touch("doctypes")
    return [d for d in p.repo.doctypes().values() if include_archived or not d.archived]


def add_policy(p: Practice, key: str, name: str, requires: list[str]) -> Policy:
    check_key(key, "policy key")
    if key in p.repo.policies():
        raise AlreadyExists(f"policy {key!r} exists already")
    for dt in requires:
        get_doctype(p, dt)
    policy = Policy(key, check_text(name, "name"), tuple(sorted(set(requires))))
    p.repo.put_policy(policy, p.now_iso)
    p.touch(f"policy:{key}")
    return policy


def policy_require(p: Practice, key: str, doctype: str, required: bool) -> Policy:
    policy = get_policy(p, key)
    get_doctype(p, doctype)
    reqs = set(policy.requires)
    if required:
        reqs.add(doctype)
    elif doctype not in reqs:
        raise InvalidInput(f"policy {key!r} does not require {doctype!r}")
    else:
        reqs.discard(doctype)
    policy = replace(policy, requires=tuple(sorted(reqs)))
    p.repo.put_policy(policy, p.now_iso)
    p.touch(f"policy:{key}", f"doctype:{doctype}")
    return policy


def list_policies(p: Practice) -> list[Policy]:
    p.touch("policies")
    return list(p.repo.policies().values())
