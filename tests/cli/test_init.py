"""``ctcm init``: creating a vault, with and without a terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ctcm.cli.app import app
from ctcm.cli.context import AppContext
from ctcm.clock import FixedClock
from ctcm.environment import Environment
from tests.conftest import PASSPHRASE


def _run(
    tmp_path: Path,
    args: list[str],
    env: dict[str, str] | None = None,
    interactive: bool = False,
    prompts: list[str] | None = None,
    input: str | None = None,
):  # type: ignore[no-untyped-def]
    answers = list(prompts or [])
    environment = Environment(
        env={"CTCM_RUNTIME_DIR": str(tmp_path / "run"), "CTCM_NO_KEYRING": "1", **(env or {})},
        clock=FixedClock(),
        vault_path=tmp_path / "v",
        interactive=interactive,
        prompt_secret=lambda _: answers.pop(0),
    )
    return CliRunner().invoke(app, args, obj=AppContext(environment), input=input)


@pytest.mark.slow
def test_init_non_interactive_with_starter_and_recovery(tmp_path: Path) -> None:
    r = _run(
        tmp_path,
        [
            "init",
            "--practice",
            "Lakeside",
            "--user",
            "alice",
            "--timezone",
            "America/Denver",
            "--starter",
            "small-practice",
            "--recovery-code",
        ],
        env={"CTCM_PASSPHRASE": PASSPHRASE},
    )
    assert r.exit_code == 0, r.stderr
    code = r.stdout.strip()
    assert len(code.replace("-", "")) == 52
    assert PASSPHRASE not in r.stdout + r.stderr
    listed = _run(
        tmp_path, ["doctype", "list", "--format", "json"], env={"CTCM_PASSPHRASE": PASSPHRASE}
    )
    assert len(json.loads(listed.stdout)) >= 10
    again = _run(
        tmp_path, ["init", "--practice", "X", "--user", "bob"], env={"CTCM_PASSPHRASE": PASSPHRASE}
    )
    assert again.exit_code == 1 and "refusing to overwrite" in again.stderr


@pytest.mark.slow
def test_init_interactive_asks_everything(tmp_path: Path) -> None:
    # a bad user name and a bad time zone are asked again before any passphrase is asked
    r = _run(
        tmp_path,
        ["init"],
        interactive=True,
        prompts=[PASSPHRASE, PASSPHRASE],
        input="Hilltop Therapy\nCarol Smith\ncarol\nMars/Olympus\nUTC\n\n",
    )
    assert r.exit_code == 0, r.stderr
    assert "bad user name 'Carol Smith'" in r.stderr and "unknown time zone" in r.stderr
    # the recovery code is offered (default yes) and printed once, with how to keep it
    code = r.stdout.strip().splitlines()[-1]
    assert len(code.replace("-", "")) == 52 and "write it on paper" in r.stderr
    status = _run(tmp_path, ["status", "--format", "json"], env={"CTCM_PASSPHRASE": PASSPHRASE})
    assert json.loads(status.stdout)["practice"] == "Hilltop Therapy"


def test_init_user_after_the_command_and_no_recovery(tmp_path: Path) -> None:
    r = _run(
        tmp_path,
        ["init", "--practice", "P", "--user", "dana", "--no-recovery-code"],
        interactive=True,
        prompts=[PASSPHRASE, PASSPHRASE],
        input="UTC\n",
    )
    assert r.exit_code == 0, r.stderr
    assert "user 'dana' is admin" in r.stderr and "Recovery code" not in r.stderr


def test_init_after_a_global_vault_option_keeps_its_own_practice_name(tmp_path: Path) -> None:
    """Found by the leak session: with --vault DIR before the command, init's own --practice
    NAME was taken for the global --practice ("give --practice or --vault, not both")."""
    import typer.main

    group: Any = typer.main.get_command(app)
    own = group._own_options(["--vault", "/x", "init", "--practice", "P"])
    assert "--practice" in own and "--timezone" in own
    assert "--practice" not in group._own_options(["--vault", "/x", "status"])
    from tests.conftest import run_ctcm

    r = run_ctcm(
        "--vault", str(tmp_path / "v2"), "init", "--practice", "Second", "--user", "zoe",
        "--timezone", "UTC", "--no-recovery-code",
        env={"CTCM_PASSPHRASE": PASSPHRASE, "CTCM_RUNTIME_DIR": str(tmp_path / "run")},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "for 'Second'" in r.stderr


@pytest.mark.parametrize(
    ("args", "env", "prompts", "message"),
    [
        (
            ["init", "--practice", "P", "--user", "u"],
            {"CTCM_PASSPHRASE": "short"},
            None,
            "at least 12 characters",
        ),
        (["init", "--practice", "P", "--user", "u"], {}, None, "set CTCM_PASSPHRASE_FILE"),
        (["init"], {}, None, "give --practice NAME and --user NAME"),
        (
            ["init", "--practice", "P", "--user", "Bad User"],
            {"CTCM_PASSPHRASE": PASSPHRASE},
            None,
            "bad user name",
        ),
        (
            ["init", "--practice", "P", "--user", "u", "--timezone", "Mars/Olympus"],
            {"CTCM_PASSPHRASE": PASSPHRASE},
            None,
            "unknown time zone",
        ),
        (
            ["init", "--practice", "P", "--user", "u", "--starter", "huge"],
            {"CTCM_PASSPHRASE": PASSPHRASE},
            None,
            "unknown starter",
        ),
    ],
)
def test_init_errors(
    tmp_path: Path, args: list[str], env: dict[str, str], prompts: list[str] | None, message: str
) -> None:
    r = _run(tmp_path, args, env=env)
    assert r.exit_code == 1
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "v" / "vault.ctcm").exists()


def test_init_passphrases_must_match(tmp_path: Path) -> None:
    r = _run(
        tmp_path,
        ["init", "--practice", "P", "--user", "u", "--timezone", "UTC", "--no-recovery-code"],
        interactive=True,
        prompts=[PASSPHRASE, PASSPHRASE + "x"],
    )
    assert r.exit_code == 1 and "differ" in r.stderr


def test_missing_and_corrupt_vault(tmp_path: Path) -> None:
    r = _run(tmp_path, ["status"], env={"CTCM_PASSPHRASE": PASSPHRASE})
    assert r.exit_code == 1 and "no vault at" in r.stderr
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "vault.ctcm").write_bytes(b"not a vault")
    r = _run(tmp_path, ["status"], env={"CTCM_PASSPHRASE": PASSPHRASE})
    assert r.exit_code == 1 and r.stderr.strip() == "ctcm: not a ctcm vault file"
