"""Vendors and BAAs, devices: the area's files in the audit packet (its as-of date, period and redaction respected)."""

from __future__ import annotations

from ctcm.services.packetparts import PacketFile, PacketSpec, iso, table
from ctcm.services.practice import Practice


def assets_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    entered = p.repo.recorded_at("vendors")
    vendors = table(
        ("key", "name", "service", "phi", "in_service", "baa_signed", "review_due", "status",
         "recorded_at"),
        (
            (v.key, v.name, v.service, "yes" if v.phi else "no", iso(v.in_service),
             iso(v.baa_signed), iso(v.review_due()), v.light(p.today, p.warn_days)[0].value,
             entered.get(v.key, ""))
            for v in p.repo.vendors().values()
        ),
    )  # fmt: skip
    entered = p.repo.recorded_at("devices")
    devices = table(
        ("key", "type", "owner", "encrypted", "screen_lock", "phi", "in_service", "last_audit",
         "retired_on", "recorded_at"),
        (
            (d.key, d.type.value, d.owner, d.encrypted.value, d.screen_lock.value,
             "yes" if d.phi else "no", iso(d.in_service), iso(d.last_audit), iso(d.retired_on),
             entered.get(d.key, ""))
            for d in p.repo.devices().values()
        ),
    )  # fmt: skip
    files = [
        PacketFile("assets/vendors.csv", vendors, "Vendors and BAAs"),
        PacketFile("assets/devices.csv", devices, "Devices"),
    ]
    if spec.with_attachments:
        from ctcm.domain.files import packet_name

        shown = set(p.repo.vendors())
        files += [
            PacketFile(
                f"assets/baa/{packet_name(vendor + '-baa', name)}",
                p.vault.get_blob(key, blob_id),
                f"The BAA of vendor {vendor}, as stored",
            )
            for vendor, name, blob_id, key in p.repo.baa_files()
            if vendor in shown
        ]
    return files
