"""The list of what the prove-it suites found (findings.toml, shown in RELIABILITY.md) names a
regression test for each finding: every one of them exists."""

from __future__ import annotations

import ast
import tomllib

from tests.conftest import ROOT


def test_every_finding_names_a_regression_test_that_exists() -> None:
    findings = tomllib.loads((ROOT / "tests" / "reliability" / "findings.toml").read_text())
    assert findings["finding"]
    for f in findings["finding"]:
        assert f["found_by"] and f["what"] and f["fix"], f
        path, _, name = f["test"].partition("::")
        tree = ast.parse((ROOT / path).read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert name in names, f"{f['test']} does not exist"
