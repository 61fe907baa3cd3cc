"""A consultant's portfolio: one vault per client practice, registered by name in the user's
config directory (names and paths only: nothing about patients or staff), and one row per
practice over all of them. A practice whose key is not at hand shows as locked: the portfolio
never prompts unless asked to (``--unlock``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ctcm.domain.credentials import check_key
from ctcm.environment import Environment
from ctcm.errors import AlreadyExists, CtcmError, InvalidInput, NotFound, VaultLocked, WrongKey


def registry_path(env: Environment) -> Path:
    if env.env.get("CTCM_CONFIG_DIR"):
        return Path(env.env["CTCM_CONFIG_DIR"]) / "practices.toml"
    from platformdirs import user_config_dir

    return Path(user_config_dir("ctcm", appauthor=False)) / "practices.toml"


def registered(env: Environment) -> dict[str, Path]:
    path = registry_path(env)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
        raise InvalidInput(f"{path} is damaged ({err}); fix or delete it") from None
    return {k: Path(v["path"]) for k, v in sorted(data.get("practices", {}).items())}


def register(env: Environment, name: str, vault: Path) -> Path:
    import json

    from ctcm.vault.store import VaultDir

    check_key(name, "practice name")
    known = registered(env)
    if name in known:
        raise AlreadyExists(f"a practice named {name} is registered already ({known[name]})")
    vault = vault.expanduser().resolve()
    if not VaultDir(vault).exists():
        raise NotFound(f"no vault at {vault}")
    known[name] = vault
    path = registry_path(env)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = ["# ctcm: the practices this user works on (ctcm practice register NAME PATH)"]
    for key, where in known.items():
        # JSON string escaping is valid TOML basic-string escaping
        lines += ["", f"[practices.{key}]", f"path = {json.dumps(str(where))}"]
    import os
    import secrets

    # 0600 from the first byte, at an unguessable name, renamed over the list
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    tmp.replace(path)
    return vault


def resolve(env: Environment, name: str) -> Path:
    known = registered(env)
    if name not in known:
        names = ", ".join(known) or "none yet"
        raise NotFound(
            f"no practice named {name!r} is registered ({names}): ctcm practice register"
        )
    return known[name]


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    path: Path
    state: str  # open | locked | error
    detail: str = ""
    practice: str = ""
    red: int = 0
    yellow: int = 0
    green: int = 0
    program: str = ""  # the security program's light
    last_risk_analysis: str | None = None
    overdue_tasks: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "state": self.state,
            "detail": self.detail or None,
            "practice": self.practice or None,
            "people": {"red": self.red, "yellow": self.yellow, "green": self.green},
            "program": self.program or None,
            "last_risk_analysis": self.last_risk_analysis,
            "overdue_tasks": self.overdue_tasks,
        }


def _row(env: Environment, name: str, path: Path) -> Row:
    from ctcm.areas.credentials import service as cred
    from ctcm.areas.risk.program import program_status
    from ctcm.render.views import worst_light
    from ctcm.services.practice import open_practice
    from ctcm.services.program import program_sections

    try:
        with open_practice(replace(env, vault_path=path), "portfolio", write=False) as p:
            summary = cred.dashboard(p).summary()
            program = program_status(p)
            light = worst_light(program, program_sections(p))
            return Row(
                name,
                path,
                "open",
                practice=p.settings.get("practice_name", ""),
                red=summary["red"],
                yellow=summary["yellow"],
                green=summary["green"],
                program=light.value,
                last_risk_analysis=program.signed.on.isoformat() if program.signed else None,
                overdue_tasks=len(program.overdue_tasks),
            )
    except VaultLocked:
        return Row(name, path, "locked", f"no key at hand: ctcm --practice {name} unlock")
    except WrongKey as err:
        if (env.identity or env.env.get("CTCM_IDENTITY_FILE")) and "no key slot" in str(err):
            # the identity at hand belongs to another practice's vault: try without it
            bare = {k: v for k, v in env.env.items() if k != "CTCM_IDENTITY_FILE"}
            return _row(replace(env, identity=None, env=bare), name, path)
        return Row(name, path, "error", str(err))
    except CtcmError as err:
        return Row(name, path, "error", str(err))


def portfolio(env: Environment, unlock: bool) -> list[Row]:
    """Every registered practice; without ``unlock`` nothing prompts (locked ones say so)."""
    known = registered(env)
    quiet = replace(env, interactive=env.interactive and unlock)
    rows = []
    for name, path in known.items():
        if unlock and env.warn:
            env.warn(f"{name} ({path}):")
        rows.append(_row(quiet, name, path))
    return rows


def render_html(env: Environment, rows: list[Row]) -> str:
    from ctcm.render.templates import make_environment, render

    generated = env.clock.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return render(
        make_environment(None),
        "status/portfolio.html.j2",
        {"rows": [r.to_json() for r in rows], "generated_at": generated},
    )
