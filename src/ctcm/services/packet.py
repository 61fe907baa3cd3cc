"""The audit packet: everything an auditor asks for, as of a date, in one folder or zip with an
index and a SHA-256 manifest (``sha256sum -c MANIFEST.sha256``). The parts come from the
program areas' parts (ctcm.registry); this module only assembles.

Reproducible: the same vault, as-of date and period give the same bytes, except the one
generated-at line of index.html (and so its line in the manifest).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ctcm.errors import AlreadyExists, InvalidInput
from ctcm.registry import packet_functions
from ctcm.services.packetparts import PacketFile, PacketSpec
from ctcm.services.practice import Practice


def spec_for(
    p: Practice, start: date | None, end: date | None, redact: bool, attachments: bool
) -> PacketSpec:
    as_of = p.today
    end = end or as_of
    start = start or (end - timedelta(days=365) + timedelta(days=1))
    if start > end:
        raise InvalidInput(f"--from {start} is after --to {end}")
    if end > as_of:
        raise InvalidInput(f"--to {end} is after the as-of date {as_of}")
    return PacketSpec(as_of, start, end, redact, attachments)


def _cutoff(p: Practice, as_of: date) -> str | None:
    """The end of the as-of day in the practice's zone, in UTC (None: today, everything)."""
    if p.env.as_of is None:
        return None
    return p.end_of(as_of)


@dataclass(frozen=True, slots=True)
class Built:
    files: list[PacketFile]  # index, parts, manifest
    spec: PacketSpec


def build(p: Practice, spec: PacketSpec, progress: Any = None) -> Built:
    from ctcm.render.templates import make_environment, render

    p.repo.cutoff = p.repo.as_of_cutoff = _cutoff(p, spec.as_of)
    p.repo.in_effect_day = spec.as_of.isoformat() if p.repo.cutoff else None
    parts: list[PacketFile] = []
    for make in packet_functions():
        parts += make(p, spec)
        if progress is not None:
            progress()
    seen: set[str] = set()
    for f in parts:
        if f.path in seen or f.path in ("index.html", "MANIFEST.sha256"):
            raise AssertionError(f"two packet parts write {f.path}")
        seen.add(f.path)
    from zoneinfo import ZoneInfo

    context = {
        "practice": p.settings.get("practice_name", ""),
        "as_of": spec.as_of.isoformat(),
        "start": spec.start.isoformat(),
        "end": spec.end.isoformat(),
        "redact": spec.redact,
        "with_attachments": spec.with_attachments,
        "generation": p.generation,
        "audit_head": p.repo.audit_head(),
        "generated_at": p.now.astimezone(ZoneInfo(p.timezone)).strftime("%Y-%m-%d %H:%M %Z"),
        "parts": [
            {"path": f.path, "title": f.title, "draft": f.draft, "size": len(f.data)}
            for f in parts
            if not f.path.startswith(tuple(prefix for prefix, _ in _KINDS))
        ],
    }
    context["requests"] = request_map(parts)
    context["preview"] = spec.as_of > p.env.clock.now().astimezone(ZoneInfo(p.timezone)).date()
    context["attachments_by_kind"] = _attachments_by_kind(parts)
    env = make_environment(p.vault.root / "templates")
    index = PacketFile("index.html", render(env, "packet/index.html.j2", context).encode(), "")
    files = [index, *parts]
    manifest = "".join(
        f"{hashlib.sha256(f.data).hexdigest()}  {f.path}\n"
        for f in sorted(files, key=lambda f: f.path)
    )
    p.touch("packet", f"as of {spec.as_of}", f"{spec.start}..{spec.end}",
            *(["redacted"] if spec.redact else []),
            *(["with attachments"] if spec.with_attachments else []))  # fmt: skip
    return Built([*files, PacketFile("MANIFEST.sha256", manifest.encode(), "")], spec)


def request_map(parts: list[PacketFile]) -> list[dict[str, Any]]:
    """The packet's answer to each request of an investigation (catalog/ocr-requests.toml):
    the files that answer it, or "not on record". A table whose only row is its header answers
    nothing."""
    import tomllib
    from fnmatch import fnmatch
    from importlib import resources

    text = resources.files("ctcm.catalog").joinpath("ocr-requests.toml").read_text()
    out = []
    for request in tomllib.loads(text)["requests"]:
        found = [f for f in parts if any(fnmatch(f.path, pat) for pat in request["files"])]
        answering = [f.path for f in found if not _empty_table(f)]
        empty = [f.path for f in found if _empty_table(f)]
        out.append(
            {
                "id": request["id"],
                "title": request["title"],
                "ref": request["ref"],
                "files": answering[:12],
                "more": max(0, len(answering) - 12),
                "empty": empty,
            }
        )
    return out


def _empty_table(f: PacketFile) -> bool:
    return f.path.endswith(".csv") and f.data.count(b"\n") <= 1


_KINDS = (
    ("personnel/scans/", "document scan(s)"),
    ("activities/evidence/", "log and training evidence file(s)"),
    ("assets/baa/", "BAA copy(ies)"),
    ("privacy/npp/", "notice(s) of privacy practices"),
    ("privacy/letters/", "request letter(s)"),
)


def _attachments_by_kind(parts: list[PacketFile]) -> list[str]:
    counts = [(sum(1 for f in parts if f.path.startswith(prefix)), what) for prefix, what in _KINDS]
    return [f"{n} {what}" for n, what in counts if n]


def write_dir(built: Built, out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise AlreadyExists(f"{out} exists and is not an empty directory")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    for f in built.files:
        target = out / f.path
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(f.data)


# the characters of a generated packet password: no 0/o, 1/l/i to misread on the phone
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_password() -> str:
    """28 characters of a 31-letter alphabet (138 bits), in groups of four: the zip format's
    weak key derivation does not matter against a password no one can guess."""
    import secrets

    chars = "".join(secrets.choice(_ALPHABET) for _ in range(28))
    return "-".join(chars[i : i + 4] for i in range(0, 28, 4))


COVER_NOTE = """ctcm compliance packet as of {as_of}

The packet is inside packet.zip, encrypted with AES-256; its file names are hidden until it is
opened. The password comes separately, never with this file. To open it:

1. Extract packet.zip with the password: 7-Zip (7z x {name}), the macOS Archive Utility or
   Windows' 7-Zip / WinZip. (Plain unzip cannot open AES-encrypted entries.)
2. Unzip packet.zip with any zip tool: it holds index.html and the packet's folders.
3. Check every file against the manifest: sha256sum -c MANIFEST.sha256
   (macOS: shasum -a 256 -c MANIFEST.sha256).
"""


def _plain_zip(built: Built, target: Any) -> None:
    """The packet as a zip whose entries carry the as-of date (two builds: the same bytes)."""
    import zipfile

    stamp = (built.spec.as_of.year, built.spec.as_of.month, built.spec.as_of.day, 0, 0, 0)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for f in built.files:
            info = zipfile.ZipInfo(f.path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, f.data)


def write_zip(built: Built, out: Path, password: str | None) -> None:
    """A zip of the packet. With a password, an outer archive whose only entries are a cover
    note (how to open it, nothing of the practice) and ``packet.zip``, AES-256 encrypted
    (WinZip AES: 7-Zip, macOS and Windows tools), holding the packet: no file name inside is
    readable without the password. The inner zip is built in memory, never on disk."""
    if out.exists():
        raise AlreadyExists(f"{out} exists; refusing to overwrite it")
    import io
    import secrets

    for stale in out.parent.glob(f".{out.name}.tmp-*"):  # what a killed build left
        stale.unlink(missing_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{secrets.token_hex(8)}")
    # 0600 from the first byte, never through a link planted at the name
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            if password is None:
                _plain_zip(built, fh)
            else:
                import pyzipper

                inner = io.BytesIO()
                _plain_zip(built, inner)
                note = COVER_NOTE.format(as_of=built.spec.as_of, name=out.name)
                with pyzipper.AESZipFile(fh, "w", compression=pyzipper.ZIP_DEFLATED) as archive:
                    archive.writestr("README.txt", note.encode())
                    archive.setpassword(password.encode())
                    archive.setencryption(pyzipper.WZ_AES, nbits=256)
                    archive.writestr("packet.zip", inner.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
