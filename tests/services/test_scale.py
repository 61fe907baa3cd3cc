"""Status cost does not grow in SQL statements with the number of people."""

from __future__ import annotations

from datetime import date

import pytest

from ctcm.areas.credentials import service as cred
from ctcm.services.practice import open_practice
from ctcm.services.synthetic import populate
from tests.conftest import Cli


def _statements_for_dashboard(cli: Cli, people: int) -> tuple[int, int]:
    with open_practice(cli.environment(), "person import") as p:
        populate(p, people, date(2026, 3, 2))
    with open_practice(cli.environment(), "status") as p:
        statements: list[str] = []
        p.db.conn.set_trace_callback(statements.append)
        board = cred.dashboard(p)
        p.db.conn.set_trace_callback(None)
    return len(statements), len(board.people)


@pytest.mark.parametrize("sizes", [(5, 60)])
def test_status_statement_count_is_independent_of_n(
    cli: Cli, tmp_path_factory: pytest.TempPathFactory, template, sizes: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    counts = []
    for n in sizes:
        other = tmp_path_factory.mktemp(f"scale{n}")
        shutil.copytree(template.vault, other / "vault")
        c = Cli(other / "vault", cli.identity, other, cli.clock)
        statements, shown = _statements_for_dashboard(c, n)
        assert shown == n
        counts.append(statements)
    assert counts[0] == counts[1], counts


def test_synthetic_practice_shows_every_light(cli: Cli) -> None:
    with open_practice(cli.environment(), "person import") as p:
        assert populate(p, 80, date(2026, 3, 2)) > 80
    with open_practice(cli.environment(env={}), "status") as p:
        p.env.as_of = date(2026, 3, 2)
        summary = cred.dashboard(p).summary()
    assert all(summary[k] > 0 for k in ("green", "yellow", "red"))
