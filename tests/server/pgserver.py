"""A throwaway PostgreSQL server for the tests: initdb into a fresh folder, listening only on a
Unix socket inside it (no TCP port), trust authentication for that socket, stopped and removed
at the end. Debian's postgresql package provides the programs (scripts/test-deps.sh installs
it); the system's own cluster is never touched. Under root the server runs as the
``postgres`` account (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


MISSING = (
    "PostgreSQL is not installed: run scripts/test-deps.sh (or sudo apt-get install postgresql)"
)


@dataclass
class Server:
    root: Path
    socket_dir: Path
    user: str
    run_as: list[str]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@/{database}?host={self.socket_dir}"

    def stop(self) -> None:
        pg_ctl = _bin("pg_ctl")
        if pg_ctl:
            subprocess.run([*self.run_as, pg_ctl, "-D", str(self.root / "data"), "-m", "immediate",
                            "stop"], capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> Server:
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError(MISSING)
    root = Path(tempfile.mkdtemp(prefix="ctcm-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, sock = root / "data", root / "sock"
    subprocess.run([*run_as, "mkdir", "-m", "0700", str(sock)], check=True)
    user = "ctcm"
    subprocess.run(
        [*run_as, initdb, "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8",
         "--no-sync", "--locale=C"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    options = (
        f"-c listen_addresses='' -c unix_socket_directories='{sock}' -c fsync=off "
        "-c full_page_writes=off -c synchronous_commit=off -c max_connections=60"
    )
    subprocess.run(
        [*run_as, pg_ctl, "-D", str(data), "-o", options, "-w", "-t", "60", "-l",
         str(root / "server.log"), "start"],
        check=True, capture_output=True, timeout=90,
    )  # fmt: skip
    if run_as:  # the tests (root) reach the socket folder
        os.chmod(root, 0o755)
        subprocess.run([*run_as, "chmod", "0755", str(sock)], check=True)
    return Server(root, sock, user, run_as)
