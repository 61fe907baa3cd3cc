"""Benchmarks (not tests): vault open/commit, unlock cost, `ctcm status` at scale.

Run with `make bench`; writes BENCHMARKS.md at the top of the repository. Sizes can be cut
down with BENCH_QUICK=1. Timings are medians of wall time on this machine.
"""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CTCM = Path(sys.executable).parent / "ctcm"
QUICK = bool(os.environ.get("BENCH_QUICK"))
PASSPHRASE = "benchmark passphrase 123"


def median_time(fn, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_vault_io(work: Path) -> list[str]:
    """Open (read+decrypt+deserialize) and commit (serialize+encrypt+write+replace) by size."""
    from ctcm.storage.db import Database
    from ctcm.vault import format as fmt
    from ctcm.vault.store import VaultDir

    rows = ["| image | open | commit |", "|---|---|---|"]
    for mb in (1, 10) if QUICK else (1, 10, 100):
        root = work / f"io{mb}"
        dek = secrets.token_bytes(32)
        vault_id, dek_id = fmt.b64e(os.urandom(16)), fmt.b64e(os.urandom(8))
        slot, _ = fmt.make_key_slot("svc:b", "b", dek, vault_id, dek_id)
        db = Database.empty()
        db.conn.execute("CREATE TABLE blobs (x BLOB)")
        chunk = os.urandom(1 << 16)
        for _ in range(mb * 16):
            db.conn.execute("INSERT INTO blobs VALUES (?)", (chunk,))
        image = db.image()
        header = {
            "format": "ctcm-vault",
            "v": 1,
            "vault_id": vault_id,
            "generation": 1,
            "saved_at": "2026-01-01T00:00:00Z",
            "dek_id": dek_id,
            "aead": "A256GCM-STREAM",
            "chunk": fmt.CHUNK,
            "slots": [slot],
        }
        vd = VaultDir(root)
        vd.create(fmt.encrypt(header, dek, image))

        def open_() -> None:
            parsed = vd.read_parsed()
            Database.from_image(fmt.decrypt(parsed, dek))

        def commit() -> None:
            with vd.locked():
                parsed = vd.read_parsed()
                vd.save(parsed.header, dek, image, parsed.generation, datetime.now(UTC))

        rows.append(
            f"| {len(image) / 1e6:.1f} MB | {median_time(open_) * 1000:.1f} ms | "
            f"{median_time(commit) * 1000:.1f} ms |"
        )
        shutil.rmtree(root)
    return rows


def bench_practice_io(work: Path) -> list[str]:
    """Open and commit of the synthetic practices' own vaults, and `ctcm unlock` (passphrase:
    Argon2id, then a read of the vault) as a whole process, by practice size."""
    from ctcm.storage.db import Database
    from ctcm.vault import format as fmt
    from ctcm.vault.store import VaultDir
    from ctcm.vault.unlock import parse_identity

    rows = [
        "| people | vault file | open | commit | `ctcm unlock` (passphrase) |",
        "|---|---|---|---|---|",
    ]
    for n in SIZES:
        vault, identity = shared_practice(work, n)
        vd = VaultDir(vault)
        private = parse_identity(identity.read_text())
        parsed = vd.read_parsed()
        slot = fmt.find_slot_by_private(parsed.header, private)
        dek = fmt.unwrap_dek(private, slot, parsed.header["vault_id"], parsed.header["dek_id"])
        image = fmt.decrypt(parsed, dek)

        def open_(vd: VaultDir = vd, dek: bytes = dek) -> None:
            Database.from_image(fmt.decrypt(vd.read_parsed(), dek))

        def commit(vd: VaultDir = vd, dek: bytes = dek, image: bytes = bytes(image)) -> None:
            with vd.locked():
                current = vd.read_parsed()
                vd.save(current.header, dek, image, current.generation, datetime.now(UTC))

        env = {k: v for k, v in _env(vault, identity, work / "run").items()
               if k != "CTCM_IDENTITY_FILE"} | {"CTCM_PASSPHRASE": PASSPHRASE}  # fmt: skip
        unlock = median_time(
            lambda env=env: subprocess.run(
                [str(CTCM), "--user", "bench", "unlock"], env=env, check=True, capture_output=True
            ),
            runs=3,
        )
        t_open, t_commit = median_time(open_), median_time(commit)
        _record("vault open", n, t_open)
        _record("vault commit", n, t_commit)
        _record("`ctcm unlock`", n, unlock)
        rows.append(
            f"| {n:,} | {vd.file.stat().st_size / 1e6:.1f} MB | {t_open * 1000:.1f} ms | "
            f"{t_commit * 1000:.1f} ms | {unlock * 1000:.0f} ms |"
        )
    return rows


def growth_table() -> list[str]:
    """How each benchmark grows when the practice is ten times larger. Linear growth is at
    most 10x; at small sizes the fixed cost of starting a process keeps ratios far lower."""
    steps = list(zip(SIZES, SIZES[1:], strict=False))
    rows = [
        "| benchmark | " + " | ".join(f"{a:,} -> {b:,}" for a, b in steps) + " | verdict |",
        "|---|" + "---|" * len(steps) + "---|",
    ]
    for name, by_n in GROWTH.items():
        ratios = [by_n[b] / by_n[a] for a, b in steps if a in by_n and b in by_n]
        if not ratios:
            continue
        verdict = "faster than linear: a bug" if max(ratios) > 12 else "linear or better"
        rows.append(f"| {name} | " + " | ".join(f"{r:.1f}x" for r in ratios) + f" | {verdict} |")
    return rows


def bench_unlock() -> str:
    from ctcm.vault import format as fmt

    dek = secrets.token_bytes(32)
    slot = fmt.make_user_slot("user:b", "b", PASSPHRASE, dek, "vid", "did")
    t = median_time(lambda: fmt.open_user_slot(slot, PASSPHRASE, "vid", "did"), runs=5)
    return (
        f"Unlock with the default Argon2id parameters (m=64 MiB, t=3, p=4): "
        f"**{t * 1000:.0f} ms** (median of 5)."
    )


def _env(vault: Path, identity: Path, run: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CTCM_VAULT": str(vault),
        "CTCM_IDENTITY_FILE": str(identity),
        "CTCM_RUNTIME_DIR": str(run),
        "CTCM_STATE_DIR": str(run / "state"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "NO_COLOR": "1",
    }


def _session_env(env: dict[str, str]) -> dict[str, str]:
    """``ctcm unlock`` once, then commands run with the session (as a person at a terminal)."""
    out = subprocess.run(
        [str(CTCM), "unlock"], env=env, check=True, capture_output=True, text=True
    ).stdout
    token = out.strip().removeprefix("export CTCM_SESSION=")
    session = {k: v for k, v in env.items() if k != "CTCM_IDENTITY_FILE"}
    return session | {"CTCM_SESSION": token}


def make_practice(work: Path, people: int, attention: float = 0.30) -> tuple[Path, Path]:
    from ctcm.clock import SystemClock
    from ctcm.environment import Environment
    from ctcm.services.catalog import load_starter
    from ctcm.services.creation import create_vault
    from ctcm.services.practice import add_service_identity, open_practice
    from ctcm.services.synthetic import populate

    root = work / f"practice{people}"
    env = Environment(
        env={
            "CTCM_PASSPHRASE": PASSPHRASE,
            "CTCM_RUNTIME_DIR": str(work / "run"),
            "CTCM_STATE_DIR": str(work / "run" / "state"),
        },
        clock=SystemClock(),
        vault_path=root / "vault",
    )
    create_vault(
        env,
        f"Synthetic {people}",
        "bench",
        PASSPHRASE,
        "UTC",
        False,
        load_starter("small-practice"),
    )
    with open_practice(env, "bench") as p:
        _, text = add_service_identity(p, "bench", "officer")  # the benchmarks configure mail
        populate(p, people, date(2026, 3, 2), attention=attention)
    identity = root / "bench.identity"
    identity.write_text(text)
    identity.chmod(0o600)
    return root / "vault", identity


FLOOR = """
import sqlite3, sys
from pathlib import Path
from ctcm.vault import format as fmt
from ctcm.vault.unlock import parse_identity
private = parse_identity(Path(sys.argv[2]).read_text())
parsed = fmt.parse((Path(sys.argv[1]) / "vault.ctcm").read_bytes())
slot = fmt.find_slot_by_private(parsed.header, private)
dek = fmt.unwrap_dek(private, slot, parsed.header["vault_id"], parsed.header["dek_id"])
conn = sqlite3.connect(":memory:")
conn.deserialize(bytes(fmt.decrypt(parsed, dek)))
rows = conn.execute("SELECT p.id, d.doctype_key, d.expires FROM people p "
                    "LEFT JOIN documents d ON d.person_id = p.id").fetchall()
print(len(rows))
"""


SIZES = (100, 1000) if QUICK else (100, 1000, 10000)
# seconds per benchmark and practice size, for the growth table
GROWTH: dict[str, dict[int, float]] = {}


def _record(name: str, n: int, seconds: float) -> float:
    GROWTH.setdefault(name, {})[n] = seconds
    return seconds


_PRACTICES: dict[int, tuple[Path, Path]] = {}


def shared_practice(work: Path, n: int) -> tuple[Path, Path]:
    """One synthetic practice per size for the read benchmarks (building 10,000 takes ~20 s)."""
    if n not in _PRACTICES:
        where = work / f"shared-{n}"
        where.mkdir()
        _PRACTICES[n] = make_practice(where, n)
    return _PRACTICES[n]


def bench_status(work: Path) -> list[str]:
    rows = [
        "| people | documents | vault file | `ctcm status` | `--format json` | "
        "floor (decrypt + 1 query) | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in SIZES:
        vault, identity = shared_practice(work, n)
        env = _env(vault, identity, work / "run")
        session = _session_env(env)

        def status(*extra: str) -> float:
            return median_time(
                lambda: subprocess.run(  # noqa: B023
                    [str(CTCM), "--as-of", "2026-03-02", "status", *extra],
                    env=session,  # noqa: B023
                    check=True,
                    capture_output=True,
                ),
                runs=5,
            )

        table, as_json = status(), status("--format", "json")
        _record("`ctcm status`", n, table)
        _record("`status --format json`", n, as_json)
        floor = median_time(
            lambda: subprocess.run(  # noqa: B023
                [sys.executable, "-c", FLOOR, str(vault), str(identity)],
                env=env,  # noqa: B023
                check=True,
                capture_output=True,
            ),
            runs=5,
        )
        out = subprocess.run(
            [str(CTCM), "doc", "export-csv"], env=env, check=True, capture_output=True, text=True
        ).stdout
        size = (vault / "vault.ctcm").stat().st_size
        rows.append(
            f"| {n:,} | {out.count(chr(10)) - 1:,} | {size / 1e6:.1f} MB | "
            f"{table * 1000:.0f} ms | {as_json * 1000:.0f} ms | {floor * 1000:.0f} ms | "
            f"{table / floor:.1f}x |"
        )
    return rows


def bench_remind(work: Path) -> list[str]:
    """`ctcm remind --out DIR` for synthetic practices (one run each: it records what it sent,
    so a second run on the same practice would send nothing)."""
    rows = [
        "| people | requirements needing attention | messages written | `ctcm remind --out DIR` |",
        "|---|---|---|---|",
    ]
    rows += [_remind_row(work, n, 0.06) for n in SIZES]
    rows.append(_remind_row(work, SIZES[-1], 0.30))
    return rows


def _remind_row(work: Path, n: int, attention: float) -> str:
    where = work / f"remind-{n}-{attention}"
    where.mkdir()
    vault, identity = make_practice(where, n, attention)
    env = _env(vault, identity, work / "run")
    subprocess.run(
        [str(CTCM), "mail", "configure", "--from", "Bench <office@example.org>"],
        env=env,
        check=True,
        capture_output=True,
    )
    out = where / "eml"
    start = time.perf_counter()
    subprocess.run(
        [str(CTCM), "--as-of", "2026-03-02", "remind", "--out", str(out)],
        env=env,
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - start
    if attention == 0.06:
        _record("`remind --out` (6% due)", n, elapsed)
    messages = len(list(out.iterdir()))
    return (
        f"| {n:,} | {attention:.0%} | {messages:,} ({messages / n:.0%} of people) | "
        f"{elapsed:.1f} s |"
    )


def bench_outputs(work: Path) -> list[str]:
    """The dashboard page, `ctcm due`, the calendar, the digest and the audit packet as
    practices grow (whole process with a session; medians of three, the digest once)."""
    rows = [
        "| people | `status --format html` | `due --days 30` | `calendar ics` | `digest --out` "
        "| `packet build` (directory) |",
        "|---|---|---|---|---|---|",
    ]
    for n in SIZES:
        where = work / f"outputs-{n}"
        where.mkdir()
        vault, identity = shared_practice(work, n)
        session = _session_env(_env(vault, identity, work / "run"))
        runs = iter(range(1_000_000))

        def timed(*args: str, as_of: bool = True, times: int = 3) -> float:
            """Median of ``times`` runs; ``{}`` in an argument is a fresh name per run."""
            samples = []
            for _ in range(times):
                fresh = str(next(runs))  # noqa: B023
                start = time.perf_counter()
                day = ["--as-of", "2026-03-02"] if as_of else []
                subprocess.run(
                    [str(CTCM), *day, *(a.replace("{}", fresh) for a in args)],
                    env=session,  # noqa: B023
                    check=True,
                    capture_output=True,
                )
                samples.append(time.perf_counter() - start)
            return statistics.median(samples)

        html = timed("status", "--format", "html", "--out", str(where / "status{}.html"))
        due = timed("due", "--days", "30")
        ics = timed("calendar", "ics", "--out", str(where / "cal{}.ics"))
        subprocess.run(
            [str(CTCM), "mail", "configure", "--from", "Bench <office@example.org>",
             "--admins", "boss@example.org"],
            env=session, check=True, capture_output=True,
        )  # fmt: skip
        # once: a digest records that it went out (a second would be for nothing)
        digest = timed("digest", "--out", str(where / "digest"), as_of=False, times=1)
        # today, not --as-of: the synthetic records were made today, and a packet as of an
        # earlier day rightly leaves them out
        packet = timed("packet", "build", "--out", str(where / "packet{}"), as_of=False)
        for name, t in [("`status --format html`", html), ("`due --days 30`", due),
                        ("`calendar ics`", ics), ("`digest --out`", digest),
                        ("`packet build`", packet)]:  # fmt: skip
            _record(name, n, t)
        rows.append(
            f"| {n:,} | {html * 1000:.0f} ms | {due * 1000:.0f} ms | {ics * 1000:.0f} ms | "
            f"{digest * 1000:.0f} ms | {packet:.1f} s |"
        )
    return rows


def bench_help() -> str:
    t = median_time(
        lambda: subprocess.run([str(CTCM), "--help"], check=True, capture_output=True), runs=7
    )
    return f"`ctcm --help`: **{t * 1000:.0f} ms** (median of 7; target < 250 ms)."


def synthetic_leie(path: Path, rows: int) -> None:
    """An LEIE full file in the real 18-column layout with ``rows`` synthetic rows."""
    import random

    from ctcm.domain.screening import LEIE_COLUMNS

    rnd = random.Random(7)
    first = ["ANA", "BEN", "CARA", "DEV", "ELI", "FAY", "GUS", "HAL", "IDA", "JON", "KAY", "LEO"]
    lines = [",".join(LEIE_COLUMNS)]
    for i in range(rows):
        dob = f"19{rnd.randint(40, 99)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
        lines.append(
            f"LAST{i:06d},{rnd.choice(first)},,,IND- LIC HC SERV PRO,NURSE,,0000000000,{dob},"
            f"{i} MAIN ST,TOWN,NY,10001,1128b4,20{rnd.randint(10, 26)}0101,00000000,00000000,"
        )
    path.write_text("\n".join(lines) + "\n")


def bench_screening(work: Path) -> list[str]:
    """Importing an LEIE-sized file and screening 1,000 people against it."""
    vault, identity = shared_practice(work, 1000)
    env = _env(vault, identity, work / "run")
    leie = work / "UPDATED.csv"
    synthetic_leie(leie, 83_000)
    size = leie.stat().st_size >> 20
    started = time.perf_counter()
    subprocess.run([str(CTCM), "screen", "import", "leie", str(leie)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    imported = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([str(CTCM), "screen", "run"], env=env, check=True, capture_output=True)
    screened = time.perf_counter() - started
    return [
        "| work | time |",
        "|---|---|",
        f"| `ctcm screen import leie` of a {size} MB, 83,000-row LEIE file | {imported:.1f} s |",
        f"| `ctcm screen run` of 1,000 people against it | {screened:.1f} s |",
    ]


def bench_server(work: Path) -> list[str]:
    """A practice copied to a PostgreSQL server and back, and its portfolio row read there,
    at 1,000 and 10,000 people (a throwaway server on a private socket, as in the tests)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.server import pgserver

    server = pgserver.start()
    rows = ["| people | `migrate --to` | `migrate --to-vault` | portfolio row (vault) | "
            "portfolio row (server) |", "|---|---|---|---|---|"]  # fmt: skip
    try:
        for n in (1000, 10000):
            vault, identity = shared_practice(work, n)
            # a copy to a server is an admin's: the passphrase (one Argon2id per command)
            env = {k: v for k, v in _env(vault, identity, work / "run").items()
                   if k != "CTCM_IDENTITY_FILE"}  # fmt: skip
            env |= {"CTCM_CONFIG_DIR": str(work / f"cfg{n}"), "CTCM_USER": "bench",
                    "CTCM_PASSPHRASE": PASSPHRASE}  # fmt: skip

            def timed(*args: str) -> float:
                started = time.perf_counter()
                subprocess.run([str(CTCM), *args], env=env, check=True, capture_output=True)
                return time.perf_counter() - started

            to = timed("migrate", "--to", server.url(), "--schema", f"p{n}")
            back = timed("migrate", "--from", server.url(), "--schema", f"p{n}", "--to-vault",
                         str(work / f"back{n}"))  # fmt: skip
            timed("practice", "register", "here", str(vault))
            here = timed("portfolio", "--format", "json")
            timed("practice", "unregister", "here")
            timed("practice", "register", "there", "--database-url", server.url(),
                  "--schema", f"p{n}")  # fmt: skip
            there = timed("portfolio", "--format", "json")
            rows.append(f"| {n:,} | {to:.1f} s | {back:.1f} s | {here:.2f} s | {there:.2f} s |")
    finally:
        server.stop()
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ctcm-bench-") as tmp:
        work = Path(tmp)
        sections = [
            "# Benchmarks",
            "",
            f"Measured by `make bench` on {date.today().isoformat()}: {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}. Medians of wall time. "
            "Tests never assert timings; this file records them.",
            "",
            "## Start-up",
            "",
            bench_help(),
            "",
            "## Vault open and commit by database size",
            "",
            "Open = read, authenticate, decrypt, deserialize. Commit = serialize, encrypt, "
            "write a temp file, fsync, hard-link the previous generation as a backup, "
            "replace, fsync the directory, prune backups.",
            "",
            *bench_vault_io(work),
            "",
            "## Unlock",
            "",
            bench_unlock(),
            "Sessions and service identities skip this cost: they unwrap the data key with "
            "X25519 only.",
            "",
            "## `ctcm status` at scale (a session, whole process)",
            "",
            "Each run is a fresh `ctcm` process with an unlock session: start-up, decrypt, "
            "queries, rendering and the audit record appended to the read journal. A read takes "
            "no lock and saves no generation. The floor is a bare Python script that decrypts "
            "the same vault, runs one query and prints. Targets: <= 250 ms at 100 people, "
            "<= 300 ms at 1,000, <= 1 s at 10,000, and JSON no slower than the table; against "
            "the floor, <= 4.5x at 1,000 people and <= 6x at 10,000 (the ratio column). The "
            "number of SQL statements per status is independent of N (tests/services/test_scale.py).",
            "",
            *bench_status(work),
            "",
            "## Open, commit and unlock by practice size",
            "",
            "The same synthetic practices: open and commit of their own vault files (medians of "
            "five), and `ctcm unlock` with a passphrase as a whole process (Argon2id, then a "
            "read; median of three).",
            "",
            *bench_practice_io(work),
            "",
            "## The dashboard page, `ctcm due`, the calendar, the digest and the audit packet",
            "",
            "A fresh process with a session on the same synthetic practices; medians of three "
            "runs, the digest once (it records that it went out). A packet holds the status (html, json, csv), the roster, the document register, the "
            "risk, manual, log, incident, asset, ledger and audit parts and the manifest.",
            "",
            *bench_outputs(work),
            "",
            "## Reminders",
            "",
            "One run of `ctcm remind --out DIR` on a fresh synthetic practice: plan, render three "
            "templates per message, write .eml files, record every delivery in the ledger, save. "
            "Target for 10,000 people with about 20% due: under 30 s. The last row is a harsher "
            "practice where most people are due.",
            "",
            *bench_remind(work),
            "",
            "## Exclusion screening",
            "",
            "A synthetic OIG LEIE full file of the real size in its real layout, imported (read, "
            "checked, kept encrypted with its SHA-256), then every person of a 1,000-person "
            "practice screened against it. Target: the import <= 5 s.",
            "",
            *bench_screening(work),
            "",
            "## A practice on a PostgreSQL server",
            "",
            "`ctcm migrate` to a throwaway local server and back (every row, sealed columns "
            "encrypted and decrypted, checked by row counts and hashes), and the portfolio's "
            "row for the practice read from its vault and from the server (decrypted into a "
            "private working copy). Each a whole process with an identity.",
            "",
            *bench_server(work),
            "",
            "## Growth with the size of the practice",
            "",
            "Each benchmark's time at ten times the people, from the figures above. Linear "
            "growth is at most 10x; below it the fixed cost of a process (start-up, unlock, the "
            "audit record) is what dominates. `make bench` marks anything above 12x as a bug.",
            "",
            *growth_table(),
            "",
        ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(sections))
    print("\n".join(sections))


if __name__ == "__main__":
    main()
