"""The HTML dashboard in a real headless browser (the system's chromium, driven by Playwright):
no console errors, no network request, and every light visibly drawn. The screenshot is kept
in build/test-artifacts/."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from tests.conftest import ROOT, Cli, system_chromium

ARTIFACTS = ROOT / "build" / "test-artifacts"
COLOURS = {"green": (0x2E, 0x7D, 0x32), "yellow": (0xF2, 0xB6, 0x00), "red": (0xC6, 0x28, 0x28)}


def pixels(png: bytes) -> set[tuple[int, int, int]]:
    """The RGB colours of an 8-bit RGB/RGBA PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, _, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            bpp = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    out: set[tuple[int, int, int]] = set()
    for row in range(len(raw) // (stride + 1)):
        f, line = (
            raw[row * (stride + 1)],
            bytearray(raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        out.update(tuple(line[i : i + 3]) for i in range(0, stride, bpp))  # type: ignore[misc]
        prev = line
    return out


def open_in_browser(page_path: Path, shot: Path) -> tuple[list[str], list[str], bytes]:
    chromium = system_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors: list[str] = []
        requests: list[str] = []
        page.on(
            "console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_path.as_uri())
        png = page.screenshot(path=str(shot), full_page=True)
        browser.close()
    return errors, [r for r in requests if r != page_path.as_uri()], png


def test_the_dashboard_page_in_a_browser(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    cli.ok("person", "waive", "bob", "i9", "--reason", "shown waived")
    out = tmp_path / "status.html"
    cli.ok("status", "--format", "html", "--out", str(out))
    html = out.read_text()
    assert "<script" not in html and "http" not in html.split("<body>", 1)[1]
    assert 'aria-label="RED"' in html and "Nothing tracked" in html  # cy has no policy
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors, requests, png = open_in_browser(out, ARTIFACTS / "dashboard.png")
    assert errors == [] and requests == []
    colours = pixels(png)
    for name, rgb in COLOURS.items():
        assert rgb in colours, f"no {name} light drawn"


def test_html_needs_its_format_and_one_person_page(demo_cli: Cli, tmp_path: Path) -> None:
    r = demo_cli("status", "--out", str(tmp_path / "x.html"))
    assert r.exit_code == 1 and "--format html" in r.stderr
    page = demo_cli.ok("status", "ada", "--format", "html").stdout
    assert "Ada Lovelace only" in page and "Security program" not in page


def test_the_packet_index_in_a_browser(demo_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "packet"
    demo_cli.ok("packet", "build", "--out", str(out))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors, requests, _ = open_in_browser(out / "index.html", ARTIFACTS / "packet-index.png")
    assert errors == [] and requests == []
    errors, requests, png = open_in_browser(out / "status" / "status.html", tmp_path / "s.png")
    assert errors == [] and requests == []
    assert COLOURS["red"] in pixels(png)
