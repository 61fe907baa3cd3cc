from tests.conftest import Cli


def test_demo_fixture(demo_cli: Cli) -> None:
    r = demo_cli.ok("--as-of", "2026-03-02", "status")
    print(r.stdout)
    assert "ada" in r.stdout
