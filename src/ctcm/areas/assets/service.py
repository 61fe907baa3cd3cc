"""Vendors and BAAs, devices and their disposal: records, lights and the dated actions of both
program areas (BAA reviews, device audits)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from ctcm.areas.credentials import service as cred
from ctcm.domain.assets import Device, DeviceType, Vendor, parse_tri
from ctcm.domain.credentials import Light, check_key, check_text
from ctcm.domain.dates import add_months
from ctcm.domain.program import DueItem
from ctcm.errors import AlreadyExists, InvalidInput, NotFound
from ctcm.services.practice import Practice


def _yes_no(value: str, what: str) -> bool:
    answer = value.strip().lower()
    if answer not in ("yes", "no"):
        raise InvalidInput(f"{what} must be yes or no")
    return answer == "yes"


def _months(value: int) -> int:
    if not 1 <= value <= 120:
        raise InvalidInput("--review-months must be between 1 and 120")
    return value


# ----------------------------------------------------------------------------- vendors


def add_vendor(
    p: Practice,
    key: str,
    name: str,
    service: str,
    phi: str,
    baa_signed: date | None,
    baa_file: Path | None,
    review_months: int,
    since: date | None = None,
) -> Vendor:
    check_key(key, "vendor key")
    if key in p.repo.vendors():
        raise AlreadyExists(f"vendor {key!r} exists already")
    vendor = Vendor(
        key,
        check_text(name, "--name", 200),
        check_text(service, "--service", 300),
        _yes_no(phi, "--phi"),
        baa_signed,
        _months(review_months),
        in_service=_since(p, since),
    )
    if baa_file is not None and baa_signed is None:
        raise InvalidInput("a BAA file needs --baa-signed DATE")
    if baa_signed is not None and baa_signed > p.today:
        raise InvalidInput(f"--baa-signed {baa_signed} is in the future: record a BAA once signed")
    p.repo.put_vendor(vendor, p.now_iso)
    if baa_file is not None:
        _store_baa(p, key, baa_file)
    p.touch(f"vendor:{key}")
    return vendor


def _since(p: Practice, since: date | None) -> date | None:
    """--since: in service since (back-dated onboarding), never in the future."""
    if since is not None and since > p.today:
        raise InvalidInput(f"--since {since} is in the future: give the day it came into use")
    return since


def _store_baa(p: Practice, key: str, path: Path) -> None:
    att = cred.store_blob(p, 0, path.name, cred.read_upload(path))
    p.repo.set_vendor_baa_file(key, att.id, att.key, att.filename)


def get_vendor(p: Practice, key: str) -> Vendor:
    found = p.repo.vendors().get(key)
    if found is None:
        raise NotFound(f"unknown vendor {key!r} (see 'ctcm vendor list')")
    return found


def edit_vendor(
    p: Practice,
    key: str,
    name: str | None,
    service: str | None,
    phi: str | None,
    review_months: int | None,
    since: date | None = None,
) -> Vendor:
    v = get_vendor(p, key)
    if (name, service, phi, review_months, since) == (None,) * 5:
        raise InvalidInput("nothing to change: give at least one option (see --help)")
    v = replace(
        v,
        name=check_text(name, "--name", 200) if name is not None else v.name,
        service=check_text(service, "--service", 300) if service is not None else v.service,
        phi=_yes_no(phi, "--phi") if phi is not None else v.phi,
        review_months=_months(review_months) if review_months is not None else v.review_months,
        in_service=_since(p, since) if since is not None else v.in_service,
    )
    p.repo.put_vendor(v, p.now_iso)
    p.touch(f"vendor:{key}")
    return v


def record_baa(p: Practice, key: str, signed: date, path: Path | None) -> Vendor:
    v = get_vendor(p, key)
    if signed > p.today:
        raise InvalidInput(f"--signed {signed} is in the future: record a BAA once signed")
    v = replace(v, baa_signed=signed)
    p.repo.put_vendor(v, p.now_iso)
    if path is not None:
        _store_baa(p, key, path)
    p.touch(f"vendor:{key}", "baa")
    return get_vendor(p, key)


# ----------------------------------------------------------------------------- devices


def add_device(
    p: Practice,
    key: str,
    kind: str,
    owner: str | None,
    encrypted: str,
    screen_lock: str,
    phi: str,
    since: date | None = None,
) -> Device:
    check_key(key, "device key")
    if key in p.repo.devices():
        raise AlreadyExists(f"device {key!r} exists already")
    if owner is not None:
        cred.get_person(p, owner)
    try:
        dtype = DeviceType(kind)
    except ValueError:
        choices = ", ".join(t.value for t in DeviceType)
        raise InvalidInput(f"--type must be one of {choices}") from None
    device = Device(
        key,
        dtype,
        owner,
        parse_tri(encrypted, "--encrypted"),
        parse_tri(screen_lock, "--screen-lock"),
        _yes_no(phi, "--phi"),
        in_service=_since(p, since),
    )
    p.repo.put_device(device, p.now_iso)
    p.touch(f"device:{key}")
    return device


def get_device(p: Practice, key: str) -> Device:
    found = p.repo.devices().get(key)
    if found is None:
        raise NotFound(f"unknown device {key!r} (see 'ctcm device list')")
    return found


def edit_device(
    p: Practice,
    key: str,
    owner: str | None,
    encrypted: str | None,
    screen_lock: str | None,
    phi: str | None,
    since: date | None = None,
) -> Device:
    d = get_device(p, key)
    if (owner, encrypted, screen_lock, phi, since) == (None,) * 5:
        raise InvalidInput("nothing to change: give at least one option (see --help)")
    if owner is not None:
        cred.get_person(p, owner)
    d = replace(
        d,
        owner=owner if owner is not None else d.owner,
        encrypted=parse_tri(encrypted, "--encrypted") if encrypted else d.encrypted,
        screen_lock=parse_tri(screen_lock, "--screen-lock") if screen_lock else d.screen_lock,
        phi=_yes_no(phi, "--phi") if phi is not None else d.phi,
        in_service=_since(p, since) if since is not None else d.in_service,
    )
    p.repo.put_device(d, p.now_iso)
    p.touch(f"device:{key}")
    return d


def audit_device(
    p: Practice,
    key: str,
    on: date,
    encrypted: str,
    screen_lock: str,
    note: str | None,
    by: str | None = None,
) -> tuple[Device, int]:
    """Record a device audit: the device's state, and a device-audit log entry by ``by`` (a
    person; default: the person of the user running the command)."""
    from ctcm.areas.activities.service import add_entry

    d = get_device(p, key)
    if d.retired_on is not None:
        raise InvalidInput(f"device {key} was retired on {d.retired_on}")
    enc, lock = parse_tri(encrypted, "--encrypted"), parse_tri(screen_lock, "--screen-lock")
    d = replace(d, encrypted=enc, screen_lock=lock, last_audit=on)
    p.repo.put_device(d, p.now_iso)
    result = f"encrypted {enc.value}, screen lock {lock.value}"
    entry = add_entry(p, "device-audit", on, by, note, [], [f"device={key}", f"result={result}"])
    p.touch(f"device:{key}")
    return d, entry


def retire_device(p: Practice, key: str, on: date, method: str) -> Device:
    """The disposal record of 164.310(d)(2)(i)."""
    d = get_device(p, key)
    if d.retired_on is not None:
        raise InvalidInput(f"device {key} was retired on {d.retired_on} already")
    if on > p.today:
        raise InvalidInput(f"--date {on} is in the future: record the disposal once done")
    d = replace(d, retired_on=on, retire_method=check_text(method, "--method", 300))
    p.repo.put_device(d, p.now_iso)
    p.touch(f"device:{key}", "retired")
    return d


def audit_months(p: Practice) -> int:
    """The device audit cadence: yearly unless the calendar says otherwise (months between
    occurrences of its rule)."""
    schedule = {s.kind: s for s in p.repo.activity_schedules()}.get("device-audit")
    if schedule and "FREQ=MONTHLY" in schedule.rrule:
        interval = 1
        for part in schedule.rrule.split(";"):
            if part.startswith("INTERVAL="):
                interval = int(part.split("=", 1)[1])
        return interval
    return 12


# ----------------------------------------------------------------------------- areas


@dataclass(frozen=True, slots=True)
class AreaStatus:
    """One area's light, counts and lines (the one rule applied to every record)."""

    light: Light
    count: int
    red: int
    yellow: int
    lines: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.light.value,
            "count": self.count,
            "red": self.red,
            "yellow": self.yellow,
            "warnings": list(self.lines),
        }


def _area(results: list[tuple[str, Light, str]], empty: str | None) -> AreaStatus:
    light = Light.GREEN
    for _, lit, _ in results:
        if lit.severity > light.severity:
            light = lit
    lines = [f"{name}: {why}" for name, lit, why in results if lit is not Light.GREEN]
    if not results and empty:
        lines.append(empty)
        light = Light.YELLOW
    return AreaStatus(
        light,
        len(results),
        sum(1 for _, lit, _ in results if lit is Light.RED),
        sum(1 for _, lit, _ in results if lit is Light.YELLOW),
        tuple(lines),
    )


def vendors_status(p: Practice) -> AreaStatus:
    today, warn = p.today, p.warn_days
    results = [(f"Vendor {v.name}", *v.light(today, warn)) for v in p.repo.vendors().values()]
    return _area(results, "No vendors on record (ctcm vendor add)")


def devices_status(p: Practice) -> AreaStatus:
    today, months = p.today, audit_months(p)
    results = [
        (f"Device {d.key}", *d.light(today, months))
        for d in p.repo.devices().values()
        if d.retired_on is None
    ]
    return _area(results, "No devices on record (ctcm device add)")


def assets_due(p: Practice, until: date) -> Iterable[DueItem]:
    today, warn = p.today, p.warn_days
    officer = p.settings.get("privacy_officer") or p.settings.get("security_officer")
    for v in p.repo.vendors().values():
        lit, why = v.light(today, warn)
        if v.phi and v.baa_signed is None:
            yield DueItem(
                today, "vendors", f"Vendor {v.name}: {why}", officer, lit, f"vendor:{v.key}"
            )
        elif v.phi and (due := v.review_due()) is not None and due <= until:
            yield DueItem(
                due,
                "vendors",
                f"Vendor {v.name}: review the BAA",
                officer,
                lit if lit is not Light.GREEN else Light.YELLOW,
                f"vendor:{v.key}",
            )
    months = audit_months(p)
    for d in p.repo.devices().values():
        if d.retired_on is not None:
            continue
        lit, why = d.light(today, months)
        if lit is Light.RED:
            yield DueItem(
                today, "devices", f"Device {d.key}: {why}", d.owner, lit, f"device:{d.key}"
            )
            continue
        due = add_months(d.last_audit, months) if d.last_audit else today
        if due <= until:
            yield DueItem(
                due,
                "devices",
                f"Device {d.key}: audit it",
                d.owner,
                lit if lit is not Light.GREEN else Light.YELLOW,
                f"device:{d.key}",
            )
