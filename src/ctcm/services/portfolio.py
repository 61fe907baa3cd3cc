"""A consultant's portfolio: one vault per client practice, registered by name in the user's
config directory (names and paths only: nothing about patients or staff), and one row per
practice over all of them. A practice whose key is not at hand shows as locked: the portfolio
never prompts unless asked to (``--unlock``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import timedelta
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


@dataclass(frozen=True, slots=True)
class ServerRef:
    """A practice kept on a PostgreSQL server (``ctcm migrate --to``): the server's URL (never
    with a password) and the practice's schema there."""

    url: str
    schema: str

    def __str__(self) -> str:
        return f"schema {self.schema} on {self.url}"


Entry = Path | ServerRef


def registered(env: Environment) -> dict[str, Entry]:
    path = registry_path(env)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
        raise InvalidInput(f"{path} is damaged ({err}); fix or delete it") from None
    out: dict[str, Entry] = {}
    for k, v in sorted(data.get("practices", {}).items()):
        out[k] = ServerRef(str(v["url"]), str(v["schema"])) if "url" in v else Path(v["path"])
    return out


def register_server(env: Environment, name: str, url: str, schema: str) -> ServerRef:
    """A practice on a server under a short name: the portfolio reads it from there."""
    from ctcm.storage.server import check_schema, check_url

    check_key(name, "practice name")
    check_url(url)
    check_schema(schema)
    known = registered(env)
    if name in known:
        raise AlreadyExists(f"a practice named {name} is registered already ({known[name]})")
    known[name] = ServerRef(url, schema)
    _write_registry(env, known)
    return ServerRef(url, schema)


def register(env: Environment, name: str, vault: Path) -> Path:
    from ctcm.vault.store import VaultDir

    check_key(name, "practice name")
    known = registered(env)
    if name in known:
        raise AlreadyExists(f"a practice named {name} is registered already ({known[name]})")
    vault = vault.expanduser().resolve()
    if not VaultDir(vault).exists():
        raise NotFound(f"no vault at {vault}")
    known[name] = vault
    _write_registry(env, known)
    return vault


def _write_registry(env: Environment, known: dict[str, Entry]) -> None:
    import json

    path = registry_path(env)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = ["# ctcm: the practices this user works on (ctcm practice register NAME PATH)"]
    for key, where in known.items():
        # JSON string escaping is valid TOML basic-string escaping
        lines += ["", f"[practices.{key}]"]
        if isinstance(where, ServerRef):
            lines += [f"url = {json.dumps(where.url)}", f"schema = {json.dumps(where.schema)}"]
        else:
            lines.append(f"path = {json.dumps(str(where))}")
    import os
    import secrets

    # 0600 from the first byte, at an unguessable name, renamed over the list
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    tmp.replace(path)


def resolve(env: Environment, name: str) -> Path:
    known = registered(env)
    if name not in known:
        names = ", ".join(known) or "none yet"
        raise NotFound(
            f"no practice named {name!r} is registered ({names}): ctcm practice register"
        )
    found = known[name]
    if isinstance(found, ServerRef):
        raise InvalidInput(
            f"{name} is kept on a server ({found}): the portfolio reads it there; to work on it, "
            f"copy it into a vault with ctcm migrate --from URL --schema {found.schema} "
            "--to-vault DIR"
        )
    return found


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
    overdue_tasks: int = 0  # mitigation tasks past their date
    overdue: int = 0  # every obligation past its date, of every area
    items: tuple[Any, ...] = ()  # the practice's due items (DueItem), most urgent first
    page: str | None = None  # its own dashboard page, next to the portfolio's (html)

    TOP = 3

    @property
    def urgency(self) -> tuple[int, int, str, str]:
        """Sort key: open practices with red items first (most red, then soonest), then the
        others; locked and failing ones last (their state is unknown, said in the row)."""
        if self.state != "open":
            return (2, 0, "", self.name)
        red = [i for i in self.items if i.light.value == "red"]
        soonest = min((i.on.isoformat() for i in self.items), default="9999")
        return (0 if red else 1, -len(red), soonest, self.name)

    @property
    def top(self) -> list[str]:
        return [_line(i) for i in self.items[: self.TOP]]

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
            "overdue": self.overdue,
            "top": self.top,
            "page": self.page,
        }


# what a consultant acts on first: breach notice deadlines (whatever their light), people at
# work without a valid credential, patients' requests past their deadline, people on an
# exclusion list; then every other red item; then the yellow ones (legal clocks first)
LEGAL_HORIZON = 60  # days: a breach or request deadline this far ahead is listed already


def _rank(item: Any) -> int:
    red = item.light.value == "red"
    if item.area == "incidents":
        return 0
    if red:
        return {"credentials": 1, "privacy": 2, "screening": 3}.get(item.area, 4)
    return 5 if item.area == "privacy" else 6


def triage(items: list[Any]) -> list[Any]:
    """Most urgent first (see ``_rank``), then by date."""
    return sorted(items, key=lambda i: (_rank(i), i.on, i.area, i.what))


def _line(item: Any) -> str:
    who = f" ({item.who})" if item.who else ""
    return f"{item.light.value.upper()} {item.on.isoformat()} {item.area}: {item.what}{who}"


def _row(env: Environment, name: str, path: Path, days: int = 30, pages: Path | None = None) -> Row:
    from ctcm.areas.credentials import service as cred
    from ctcm.areas.risk.program import program_status
    from ctcm.render.views import worst_light
    from ctcm.services.practice import open_practice
    from ctcm.services.program import due, program_sections

    try:
        with open_practice(replace(env, vault_path=path), "portfolio", write=False) as p:
            board = cred.dashboard(p)
            summary = board.summary()
            program = program_status(p)
            sections = program_sections(p)
            light = worst_light(program, sections)
            horizon = p.today + timedelta(days=days)
            items = triage(
                [
                    i
                    for i in due(p, max(days, LEGAL_HORIZON))[1]
                    if i.light.value in ("red", "yellow")
                    and (i.on <= horizon or i.area in ("incidents", "privacy"))
                ]
            )
            page = None
            if pages is not None:
                page = _write_page(p, pages, name, board, program, sections)
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
                overdue=sum(1 for i in items if i.on < p.today),
                items=tuple(items),
                page=page,
            )
    except VaultLocked:
        return Row(name, path, "locked", f"no key at hand: ctcm --practice {name} unlock")
    except WrongKey as err:
        if (env.identity or env.env.get("CTCM_IDENTITY_FILE")) and "no key slot" in str(err):
            # the identity at hand belongs to another practice's vault: try without it
            bare = {k: v for k, v in env.env.items() if k != "CTCM_IDENTITY_FILE"}
            return _row(replace(env, identity=None, env=bare), name, path, days, pages)
        return Row(name, path, "error", str(err))
    except CtcmError as err:
        return Row(name, path, "error", str(err))


def portfolio(
    env: Environment, unlock: bool, days: int = 30, pages: Path | None = None
) -> list[Row]:
    """Every registered practice, most urgent first; without ``unlock`` nothing prompts
    (locked ones say so). ``pages``: write each open practice's dashboard page there."""
    if not 0 <= days <= 3650:
        raise InvalidInput("--days must be between 0 and 3650")
    known = registered(env)
    quiet = replace(env, interactive=env.interactive and unlock)
    rows = []
    for name, path in known.items():
        if unlock and env.warn:
            env.warn(f"{name} ({path}):")
        if isinstance(path, ServerRef):
            rows.append(_server_row(quiet, name, path, days, pages))
            continue
        rows.append(_row(quiet, name, path, days, pages))
    return sorted(rows, key=lambda r: r.urgency)


def _server_row(env: Environment, name: str, ref: ServerRef, days: int, pages: Path | None) -> Row:
    """A server practice's row: decrypted on this machine into a private, encrypted working
    copy (the runtime folder, removed at once), read as any vault is."""
    import os
    import tempfile

    from ctcm.services.migrate import to_vault

    base = env.env.get("CTCM_RUNTIME_DIR") or os.environ.get("XDG_RUNTIME_DIR") or None
    if base:
        Path(base).mkdir(mode=0o700, parents=True, exist_ok=True)
    where = Path(str(ref))
    with tempfile.TemporaryDirectory(prefix="ctcm-server-", dir=base) as tmp:
        copy = Path(tmp) / "vault"
        try:
            to_vault(env, ref.url, ref.schema, copy)
        except VaultLocked:
            return Row(name, where, "locked", f"no key at hand for {name}")
        except CtcmError as err:
            return Row(name, where, "error", str(err))
        private = replace(env, warn=None,
                          env={**env.env, "CTCM_STATE_DIR": str(Path(tmp) / "state")})  # fmt: skip
        return replace(_row(private, name, copy, days, pages), path=where)


def _write_page(p: Any, pages: Path, name: str, board: Any, program: Any, sections: Any) -> str:
    """The practice's own dashboard, beside the portfolio page (0600, never followed)."""
    from ctcm.render.private import replace_private
    from ctcm.services.dashboard import render_html as dashboard_html

    page = f"{pages.stem}-{name}.html"
    html = dashboard_html(p, board.people, board, program, sections)
    replace_private(pages.with_name(page), html.encode("utf-8"))
    return page


def unregister(env: Environment, name: str) -> Entry:
    known = registered(env)
    if name not in known:
        raise NotFound(f"no practice named {name!r} is registered (ctcm practice list)")
    where = known.pop(name)
    _write_registry(env, known)
    return where


def rename(env: Environment, old: str, new: str) -> None:
    check_key(new, "practice name")
    known = registered(env)
    if old not in known:
        raise NotFound(f"no practice named {old!r} is registered (ctcm practice list)")
    if new in known:
        raise AlreadyExists(f"a practice named {new} is registered already ({known[new]})")
    known = {new if k == old else k: v for k, v in known.items()}
    _write_registry(env, dict(sorted(known.items())))


def render_html(env: Environment, rows: list[Row]) -> str:
    from ctcm.render.templates import make_environment, render

    generated = env.clock.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return render(
        make_environment(None),
        "status/portfolio.html.j2",
        {"rows": [r.to_json() for r in rows], "generated_at": generated},
    )
