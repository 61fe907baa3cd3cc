"""Bad-input corpus: every parser a user feeds gets arbitrary text or bytes (hypothesis) and
either accepts it or refuses it with a CtcmError (one line, exit 1 at the edge): never any
other exception. Found cases are kept below as regression examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ctcm.errors import CtcmError

pytestmark = pytest.mark.reliability
FAST = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)


def refuses_cleanly(fn, *args):  # type: ignore[no-untyped-def]
    try:
        fn(*args)
    except CtcmError as err:
        assert str(err) and "\n" not in str(err).strip("\n"), repr(err)


@FAST
@given(TEXT, st.one_of(st.none(), st.sampled_from(["%m/%d/%Y", "%d.%m.%Y", "%Y%m%d", "%"])))
@example("2026-02-30", None)
@example("\x00", None)
@example("9999999-01-01", None)
def test_dates(text: str, fmt: str | None) -> None:
    from ctcm.domain.dates import parse_date

    refuses_cleanly(parse_date, text, "date", fmt)


@FAST
@given(TEXT)
@example("id,name\n\x00,\u202e\n")
@example('"unterminated\n')
@example("id;name;email\n" + "a;" * 5000)
def test_csv_rows(text: str) -> None:
    from ctcm.services.csvio import read_rows

    refuses_cleanly(read_rows, text, "people.csv", ("id", "name", "email"), ("id",))


@FAST
@given(st.sampled_from(["screen_lock_minutes", "remote_work", "public_wifi", "messaging_tools",
                        "practice_name"]), st.one_of(TEXT, st.integers(), st.booleans(),
                        st.lists(TEXT, max_size=5)))  # fmt: skip
def test_manual_answers(key: str, value: object) -> None:
    from ctcm.services.manual import get_question

    refuses_cleanly(get_question(key).parse, value)


@FAST
@given(st.binary(max_size=2000))
@example(b"CTCM-SUBMISSION/1\n\xff\xff\xff\xff")
@example(b"CTCM-SUBMISSION/1\n\x00\x00\x00\x02{}")
def test_submission_files(data: bytes) -> None:
    from ctcm.vault import submission as sub

    private, _ = sub.new_key_pair()
    refuses_cleanly(sub.open_sealed, data, private, "vault", "key")


@FAST
@given(TEXT)
@example('{"format": "ctcm-inbox-key", "v": 1, "pub": "!!", "key_id": 1, "vault_id": 2}')
def test_submission_key_files(text: str) -> None:
    from ctcm.vault import submission as sub

    refuses_cleanly(sub.parse_key, text, "key")


@FAST
@given(TEXT)
@example("CTCM-IDENTITY-1:" + "A" * 43)
def test_identity_files(text: str) -> None:
    from ctcm.vault.unlock import parse_identity

    refuses_cleanly(parse_identity, text)


@FAST
@given(st.binary(max_size=400))
def test_answer_files(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    from ctcm.services.manual import read_answer_file

    for suffix in (".toml", ".yaml"):
        path = Path(tmp_path_factory.mktemp("answers")) / f"a{suffix}"
        path.write_bytes(data)
        refuses_cleanly(read_answer_file, path)


@FAST
@given(TEXT)
@example("{{ ''.__class__.__mro__ }}")
@example("{{ missing_answer }}")
def test_template_overrides_in_a_sandbox(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    from ctcm.render.templates import make_environment, render

    root = Path(tmp_path_factory.mktemp("tpl"))
    (root / "email").mkdir()
    (root / "email" / "test.txt.j2").write_text(text)
    env = make_environment(root)
    refuses_cleanly(render, env, "email/test.txt.j2", {"practice": "P", "as_of": "2026-01-01"})


ARG = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=80)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(ARG, ARG, ARG)
@example("../../etc/passwd", "Name", "a@example.org")
@example("a" * 5000, "\u202eevil", "x@y.z")
@example("ok-id", "line\nbreak", "a@example.org")
def test_command_arguments(cli, person: str, name: str, email: str) -> None:  # type: ignore[no-untyped-def]
    import json

    before = json.loads(cli.ok("person", "list", "-f", "json").stdout)
    r = cli("person", "add", person, "--name", name, "--email", email)
    assert r.exit_code in (0, 1, 2), r.stderr
    assert "Traceback" not in r.stderr
    after = json.loads(cli.ok("person", "list", "-f", "json").stdout)
    if r.exit_code != 0:
        assert after == before  # nothing half-written
        assert r.stderr.strip(), "a refusal says why"
    else:
        cli.ok("person", "deactivate", person)
