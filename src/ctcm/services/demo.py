"""``ctcm demo``: the demo practice built from examples/ into a fresh vault, and the demo
portfolio (two client practices registered in a list of their own, never the user's)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from ctcm.environment import Environment
from ctcm.errors import InvalidInput
from ctcm.services.catalog import DEMO_PASSPHRASE, DEMO_USER, DemoLoaded, examples_dir

# the demo portfolio: (registered name, folder of examples/ it is built from)
PORTFOLIO = (("riverbend", "."), ("lakeside", "lakeside"))


@dataclass(frozen=True, slots=True)
class DemoBuilt:
    env: Environment  # opens the demo vault as its admin
    loaded: DemoLoaded
    board: Any
    program: Any
    sections: Any
    half_year_ago: str


def demo_env(base: Environment, vault: Path | None) -> Environment:
    return replace(
        base,
        env={**base.env, "CTCM_PASSPHRASE": DEMO_PASSPHRASE},
        user=DEMO_USER,
        identity=None,
        vault_path=vault or base.vault_path,
    )


def build_demo(base: Environment, vault: Path | None, directory: Path | None = None) -> DemoBuilt:
    """A fresh vault at ``vault`` holding the practice of ``directory`` (examples/ by default)."""
    from ctcm.areas.credentials import service as cred
    from ctcm.areas.risk.program import program_status
    from ctcm.services.catalog import load_demo
    from ctcm.services.creation import create_vault
    from ctcm.services.practice import open_practice
    from ctcm.services.program import program_sections

    env = demo_env(base, vault)
    directory = directory or examples_dir()
    meta = tomllib.loads((directory / "practice.toml").read_text())["practice"]
    create_vault(env, meta["name"], DEMO_USER, DEMO_PASSPHRASE, meta["timezone"], False, None)
    with open_practice(env, "demo") as p:
        loaded = load_demo(p, directory)
        return DemoBuilt(
            env,
            loaded,
            cred.dashboard(p),
            program_status(p),
            program_sections(p),
            (p.today - timedelta(days=180)).isoformat(),
        )


def build_portfolio(base: Environment, folder: Path) -> Environment:
    """Two demo client practices in ``folder`` (one vault each) and their own practice list
    (``folder/practices.toml``); returns the environment that reads that list."""
    from ctcm.services.portfolio import register

    folder = folder.expanduser().resolve()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InvalidInput(f"{folder} is not an empty folder; refusing to overwrite it")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = replace(demo_env(base, None), env={**demo_env(base, None).env,
                                             "CTCM_CONFIG_DIR": str(folder)})  # fmt: skip
    for name, source in PORTFOLIO:
        build_demo(env, folder / name, (examples_dir() / source).resolve())
        register(env, name, folder / name)
    return env
