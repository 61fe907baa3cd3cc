"""Loading the packaged risk-analysis catalogs (checklists and threat scenarios)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from ctcm.domain.risk import Catalog, Rule, Scenario, parse_catalog, parse_scenarios

_FILES = {Rule.SECURITY: "security-rule.toml", Rule.PRIVACY: "privacy-rule.toml"}


@cache
def load_catalog(rule: str) -> Catalog:
    name = _FILES[Rule(rule)]
    data = tomllib.loads(resources.files("ctcm.catalog").joinpath(name).read_text())
    return parse_catalog(data, name)


@cache
def load_scenarios() -> tuple[Scenario, ...]:
    data = tomllib.loads(resources.files("ctcm.catalog").joinpath("scenarios.toml").read_text())
    known = set(load_catalog("security").citations) | set(load_catalog("privacy").citations)
    return parse_scenarios(data, known, "scenarios.toml")
