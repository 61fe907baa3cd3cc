"""`make demo-pg`: the demo practice on a PostgreSQL server and back.

Starts a throwaway PostgreSQL on a private socket (Debian's postgresql package; the system's
own cluster is never touched), builds the demo vault, copies it to the server with
`ctcm migrate --to`, shows what the server holds (row counts, and a document number as the
server stores it: ciphertext), copies it back into a new vault with `--to-vault`, checks that
both give the same `status --format json`, and stops the server.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.server import pgserver  # noqa: E402 - the same throwaway server as the tests

CTCM = str(Path(sys.executable).with_name("ctcm"))
WORK = ROOT / ".demo-pg"


def ctcm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([CTCM, *args], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"ctcm {' '.join(args)} failed: {r.stderr.strip()}")
    return r


def main() -> None:
    import psycopg

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTCM_")}
    env |= {"CTCM_PASSPHRASE": "correct horse battery demo", "CTCM_USER": "demo",
            "CTCM_STATE_DIR": str(WORK / "state"), "CTCM_VAULT": str(WORK / "vault")}  # fmt: skip
    print("Starting a throwaway PostgreSQL on a private socket ...")
    server = pgserver.start()
    try:
        ctcm("demo", "--vault", str(WORK / "vault"), env=env)
        url = server.url()
        copied = json.loads(ctcm("migrate", "--to", url, "--schema", "riverbend", "--format",
                                 "json", env=env).stdout)  # fmt: skip
        print(f"Copied the demo to schema riverbend: {copied['rows']} rows in "
              f"{len(copied['tables'])} tables, {copied['files']} encrypted file(s); checked.")  # fmt: skip
        with psycopg.connect(url) as conn:
            number, = conn.execute(
                "SELECT number FROM riverbend.documents WHERE number IS NOT NULL LIMIT 1"
            ).fetchone()
            people, = conn.execute("SELECT count(*) FROM riverbend.people").fetchone()
        print(f"The server sees {people} people; a license number there reads: {number[:40]}...")
        ctcm("migrate", "--from", url, "--schema", "riverbend", "--to-vault",
             str(WORK / "back"), env=env)  # fmt: skip
        here = ctcm("status", "--format", "json", env=env).stdout
        back = ctcm("--vault", str(WORK / "back"), "status", "--format", "json", env=env).stdout
        same = "the same" if here == back else "NOT the same"
        print(f"Copied back into {WORK / 'back'}: its status is {same} as the original's.")
        if here != back:
            sys.exit(1)
    finally:
        server.stop()
        print("The throwaway server is stopped and removed; the two vaults stay in .demo-pg/.")


if __name__ == "__main__":
    main()
