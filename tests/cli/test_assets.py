"""Vendors and BAAs, devices and their disposal, and the program section of status."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from ctcm.domain.assets import Device, DeviceType, Tri, Vendor
from ctcm.domain.credentials import Light
from tests.conftest import Cli


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json").stdout)


TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("vendor", "light"),
    [
        (Vendor("a", "A", "billing", True), Light.RED),  # PHI, no BAA
        (Vendor("b", "B", "shredding", True, date(2025, 4, 1)), Light.YELLOW),  # review in 30 days
        (Vendor("c", "C", "shredding", True, date(2024, 1, 1)), Light.YELLOW),  # review overdue
        (Vendor("d", "D", "EHR", True, date(2026, 1, 1)), Light.GREEN),
        (Vendor("e", "E", "coffee", False), Light.GREEN),  # no PHI: no BAA needed
    ],
)
def test_vendor_light_rule(vendor: Vendor, light: Light) -> None:
    assert vendor.light(TODAY, 30)[0] is light


@pytest.mark.parametrize(
    ("device", "light"),
    [
        (Device("a", DeviceType.LAPTOP, None, Tri.NO, Tri.YES, True, TODAY), Light.RED),
        (Device("b", DeviceType.PHONE, None, Tri.UNKNOWN, Tri.YES, True, TODAY), Light.RED),
        (Device("c", DeviceType.LAPTOP, None, Tri.YES, Tri.YES, True, None), Light.YELLOW),
        (
            Device("d", DeviceType.LAPTOP, None, Tri.YES, Tri.YES, True, date(2024, 12, 1)),
            Light.YELLOW,
        ),
        (
            Device("e", DeviceType.LAPTOP, None, Tri.YES, Tri.YES, True, date(2025, 6, 1)),
            Light.GREEN,
        ),
        (
            Device("f", DeviceType.DESKTOP, None, Tri.NO, Tri.NO, False, date(2025, 6, 1)),
            Light.YELLOW,
        ),  # no PHI: not red, but no screen lock
        (
            Device(
                "g",
                DeviceType.LAPTOP,
                None,
                Tri.NO,
                Tri.NO,
                True,
                None,
                date(2026, 1, 1),
                "shredded",
            ),
            Light.GREEN,
        ),  # retired
    ],
)
def test_device_light_rule(device: Device, light: Light) -> None:
    assert device.light(TODAY, 12)[0] is light


def test_vendors_devices_through_the_cli_and_in_status(demo_cli: Cli) -> None:
    cli = demo_cli
    program = _json(cli, "status")["program"]
    assert program["vendors"]["status"] == "yellow" and program["vendors"]["count"] == 0
    r = cli.ok(
        "vendor", "add", "shredco", "--name", "ShredCo", "--service", "shredding", "--phi", "yes"
    )
    assert "RED" in r.stderr and "no signed BAA" in r.stderr
    cli.ok("vendor", "add", "cafe", "--name", "Cafe", "--service", "coffee", "--phi", "no")
    assert _json(cli, "status")["program"]["vendors"]["status"] == "red"
    baa = cli.tmp / "baa.pdf"
    baa.write_bytes(b"%PDF signed BAA")
    cli.ok("vendor", "baa", "shredco", "--signed", "2026-02-01", "--file", str(baa))
    shown = _json(cli, "vendor", "show", "shredco")
    assert shown["status"] == "green" and shown["review_due"] == "2027-02-01"
    assert shown["baa_file"] == "baa.pdf"
    assert {v["key"]: v["status"] for v in _json(cli, "vendor", "list")} == {
        "cafe": "green",
        "shredco": "green",
    }
    r = cli("vendor", "add", "x", "--name", "X", "--service", "s", "--phi", "maybe")
    assert r.exit_code == 1 and "yes or no" in r.stderr
    r = cli(
        "vendor",
        "add",
        "y",
        "--name",
        "Y",
        "--service",
        "s",
        "--phi",
        "yes",
        "--baa-signed",
        "2030-01-01",
    )  # a BAA signed in the future would read GREEN today: refused
    assert r.exit_code == 1 and "in the future" in r.stderr
    assert "y" not in {v["key"] for v in _json(cli, "vendor", "list")}

    cli.ok("device", "add", "laptop-1", "--type", "laptop", "--owner", "ada")
    device = _json(cli, "device", "show", "laptop-1")
    assert device["status"] == "red" and device["encrypted"] == "unknown"
    assert "device" in " ".join(_json(cli, "status")["program"]["devices"]["warnings"]).lower()
    r = cli.ok(
        "device",
        "audit",
        "laptop-1",
        "--date",
        "2026-03-01",
        "--encrypted",
        "yes",
        "--screen-lock",
        "yes",
        "--by",
        "ada",
    )
    assert "log entry" in r.stderr
    assert _json(cli, "device", "show", "laptop-1")["status"] == "green"
    log = _json(cli, "log", "list", "--kind", "device-audit")
    assert log[0]["fields"] == {"device": "laptop-1", "result": "encrypted yes, screen lock yes"}
    assert log[0]["by"] == "ada"  # every log entry names who did it
    due = _json(cli, "due", "--days", "400")["items"]
    assert any(i["area"] == "devices" and i["date"] == "2027-03-01" for i in due)
    assert any(i["area"] == "vendors" and i["date"] == "2027-02-01" for i in due)
    ics = cli.tmp / "cal.ics"
    cli.ok("calendar", "ics", "--out", str(ics), "--days", "400")
    raw = ics.read_bytes()
    assert (
        b"SUMMARY:Vendor ShredCo: review the BAA" in raw and b"DTSTART;VALUE=DATE:20270201" in raw
    )
    assert b"SUMMARY:Device laptop-1: audit it" in raw
    cli.ok("calendar", "ics", "--out", str(ics), "--days", "400", "--private")
    raw = ics.read_bytes()
    assert b"ShredCo" not in raw and b"laptop-1" not in raw
    assert b"SUMMARY:Business associate: BAA review due" in raw and b"Device: audit due" in raw
    r = cli("device", "retire", "laptop-1", "--date", "2026-04-01", "--method", "shredded")
    assert r.exit_code == 1 and "in the future" in r.stderr
    cli.ok("device", "retire", "laptop-1", "--date", "2026-03-02", "--method", "NIST 800-88 purge")
    r = cli(
        "device",
        "audit",
        "laptop-1",
        "--date",
        "2026-03-02",
        "--encrypted",
        "yes",
        "--screen-lock",
        "yes",
    )
    assert r.exit_code == 1 and "retired" in r.stderr
    r = cli("device", "add", "x", "--type", "toaster")
    assert r.exit_code == 1 and "--type must be one of" in r.stderr
    table = cli.ok("status").stdout
    assert "Security program: RED (risk RED, activities YELLOW, incidents GREEN" in table


def test_the_privacy_official_is_reminded_of_baas(demo_cli: Cli, smtp: Any) -> None:
    from tests.conftest import configure_mail

    cli = demo_cli
    configure_mail(cli, smtp)
    cli.ok("practice", "set", "--privacy-officer", "cy")
    cli.ok(
        "vendor", "add", "billing", "--name", "BillRight", "--service", "billing", "--phi", "yes"
    )
    cli.ok(
        "vendor",
        "add",
        "ehr",
        "--name",
        "ChartCloud",
        "--service",
        "EHR",
        "--phi",
        "yes",
        "--baa-signed",
        "2025-03-05",
    )
    cli.ok("remind", "--send")
    to_cy = [
        m.get_body(("plain",)).get_content()
        for m in smtp.parsed()
        if m["To"].addresses[0].addr_spec == "cy@example.org"
    ]
    assert len(to_cy) == 1
    assert "Get a signed BAA from BillRight" in to_cy[0]
    assert "Review the BAA of ChartCloud: due on 5 March" in to_cy[0]
    before = len(smtp.messages)
    cli.ok("remind", "--send")
    assert all(m["To"].addresses[0].addr_spec != "cy@example.org" for m in smtp.parsed()[before:])
    # a missing BAA is asked for weekly, not every day (it mailed the official daily)
    to_cy_by_day = []
    for day in range(3, 17):
        n = len(smtp.messages)
        cli.ok("remind", "--send", env={"CTCM_TODAY": f"2026-03-{day:02d}"})
        new = [
            m.get_body(("plain",)).get_content()
            for m in smtp.parsed()[n:]
            if m["To"].addresses[0].addr_spec == "cy@example.org"
        ]
        to_cy_by_day += [day for text in new if "Get a signed BAA from BillRight" in text]
    assert to_cy_by_day == [9, 16]  # Mondays: a new ISO week each time (2 March was one too)
