"""Bad-input corpus: every parser a user feeds gets arbitrary text or bytes (hypothesis) and
either accepts it or refuses it with a CtcmError (one line, exit 1 at the edge): never any
other exception. Found cases are kept below as regression examples."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ctcm.errors import CtcmError
from tests.cli.test_users import admin
from tests.conftest import ROOT

# one worker runs the whole module under pytest-xdist: its figures are counted per module
pytestmark = [pytest.mark.reliability, pytest.mark.xdist_group("bad_input")]
# make test runs the short form (CTCM_FUZZ_SCALE=1); make reliability five times as many
SCALE = int(os.environ.get("CTCM_FUZZ_SCALE", "1"))  # read at import: fixtures clear CTCM_*
FAST = settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
# inputs tried and refused per parser, for RELIABILITY.md (written when the module ends)
TRIED: Counter[str] = Counter()
REFUSED: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _record_figures() -> Iterator[None]:
    yield
    artifacts = ROOT / "build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "bad_input.json").write_text(
        json.dumps({k: {"tried": TRIED[k], "refused": REFUSED[k]} for k in sorted(TRIED)}, indent=2)
        + "\n"
    )


def _parser_name() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "?").split("::")[-1].split(" ")[0]


def refuses_cleanly(fn, *args):  # type: ignore[no-untyped-def]
    name = _parser_name()
    TRIED[name] += 1
    try:
        fn(*args)
    except CtcmError as err:
        REFUSED[name] += 1
        assert str(err) and "\n" not in str(err).strip("\n"), repr(err)


def command_refuses_cleanly(cli, *args: str) -> Any:  # type: ignore[no-untyped-def]
    """Run a command with hostile arguments: exit 0, or 1/2 with a reason, no traceback, and
    a refusal writes nothing (the vault's generation is unchanged)."""
    from ctcm.vault.store import VaultDir

    name = _parser_name()
    TRIED[name] += 1
    before = VaultDir(cli.vault).read_parsed().generation
    r = cli(*args)
    assert r.exit_code in (0, 1, 2), (args, r.exit_code, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    if r.exit_code != 0:
        REFUSED[name] += 1
        assert r.stderr.strip(), "a refusal says why"
        assert VaultDir(cli.vault).read_parsed().generation == before, "half-written"
    return r


@FAST
@given(TEXT, st.one_of(st.none(), st.sampled_from(["%m/%d/%Y", "%d.%m.%Y", "%Y%m%d", "%"])))
@example("2026-02-30", None)
@example("\x00", None)
@example("9999999-01-01", None)
@example("0000-01-00", None)  # found by test_doc_arguments: a traceback (year 0)
@example("0000-02-30", None)
def test_dates(text: str, fmt: str | None) -> None:
    from ctcm.domain.dates import parse_date

    refuses_cleanly(parse_date, text, "date", fmt)


@FAST
@given(TEXT)
@example("id,name\n\x00,\u202e\n")
@example('"unterminated\n')
@example("id;name;email\n" + "a;" * 5000)
def test_csv_rows(text: str) -> None:
    from ctcm.areas.credentials.csvio import read_rows

    refuses_cleanly(read_rows, text, "people.csv", ("id", "name", "email"), ("id",))


@FAST
@given(st.sampled_from(["screen_lock_minutes", "remote_work", "public_wifi", "messaging_tools",
                        "practice_name"]), st.one_of(TEXT, st.integers(), st.booleans(),
                        st.lists(TEXT, max_size=5)))  # fmt: skip
def test_manual_answers(key: str, value: object) -> None:
    from ctcm.areas.manual.service import get_question

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
    from ctcm.areas.manual.service import read_answer_file

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


@settings(max_examples=80 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(ARG, ARG, ARG)
@example("../../etc/passwd", "Name", "a@example.org")
@example("a" * 5000, "\u202eevil", "x@y.z")
@example("ok-id", "line\nbreak", "a@example.org")
def test_command_arguments(cli, person: str, name: str, email: str) -> None:  # type: ignore[no-untyped-def]
    before = json.loads(cli.ok("person", "list", "-f", "json").stdout)
    r = command_refuses_cleanly(cli, "person", "add", person, "--name", name, "--email", email)
    after = json.loads(cli.ok("person", "list", "-f", "json").stdout)
    if r.exit_code != 0:
        assert after == before  # nothing half-written
    else:
        cli.ok("person", "deactivate", person)


def _with_person(cli) -> None:  # type: ignore[no-untyped-def]
    """Person ``a``, once per test (the vault is shared by a test's examples)."""
    if not hasattr(cli, "_person"):
        cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
        cli._person = True


# about half of each argument well formed, so the checks after the first one are reached
DATE_ARG = st.one_of(
    st.dates(date(2000, 1, 1), date(2026, 3, 1)).map(str),
    st.one_of(ARG, st.dates().map(str), st.sampled_from(["2026-02-30", "0000-01-01", ""])),
)
KEY_ARG = st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True), ARG)
ARGS = settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))


@ARGS
@given(st.one_of(st.sampled_from(["npi", "state-license"]), ARG), ARG, DATE_ARG, DATE_ARG)
@example("npi", "../../x", "2026-01-01", "2025-01-01")
@example("npi", "A" * 5000, "2026-13-01", "")
@example("", "", "", "0000-01-00")
def test_doc_arguments(cli, doctype: str, number: str, issued: str, expires: str) -> None:  # type: ignore[no-untyped-def]
    _with_person(cli)
    command_refuses_cleanly(
        cli, "doc", "add", "a", doctype, "--number", number, "--issued", issued,
        "--expires", expires,
    )  # fmt: skip


@ARGS
@given(
    st.sampled_from(["log-review", "risk-analysis", "nonsense", ""]),
    st.one_of(ARG.map(lambda v: f"findings={v}"), ARG),
    ARG,
    DATE_ARG,
)
@example("log-review", "systems=" + "x" * 5000, "\u202e", "2026-03-02")
@example("log-review", "=nothing", "note", "2026-03-02")
@example("log-review", "systems", "note", "9999-12-31")
def test_log_arguments(cli, kind: str, field: str, note: str, on: str) -> None:  # type: ignore[no-untyped-def]
    command_refuses_cleanly(
        cli, "log", "add", kind, "--field", "systems=EHR", "--field", field, "--note", note,
        "--date", on,
    )  # fmt: skip


@ARGS
@given(KEY_ARG, ARG, ARG, st.sampled_from(["yes", "no", "maybe", ""]), DATE_ARG)
@example("../vendor", "V", "svc", "yes", "2026-01-01")
@example("v" * 300, "V", "svc", "no", "")
def test_vendor_arguments(cli, key: str, name: str, service: str, phi: str, signed: str) -> None:  # type: ignore[no-untyped-def]
    command_refuses_cleanly(
        cli, "vendor", "add", key, "--name", name, "--service", service, "--phi", phi,
        "--baa-signed", signed,
    )  # fmt: skip


@ARGS
@given(
    KEY_ARG,
    st.sampled_from(["laptop", "phone", "toaster", ""]),
    st.one_of(st.just("a"), ARG),
    st.sampled_from(["yes", "no", "unknown", "maybe"]),
)
@example("laptop-1", "laptop", "nobody-here", "yes")
@example("\x1b[31m", "laptop", "", "unknown")
def test_device_arguments(cli, key: str, kind: str, owner: str, encrypted: str) -> None:  # type: ignore[no-untyped-def]
    _with_person(cli)
    command_refuses_cleanly(
        cli, "device", "add", key, "--type", kind, "--owner", owner, "--encrypted", encrypted
    )


# ----------------------------------------------------------------------- risk answer files

CELL = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
CITATIONS = st.sampled_from(["164.308(a)(1)(ii)(A)", "164.312(a)(2)(iv)", "nope", ""])
STATUSES = st.sampled_from(["implemented", "partial", "not_implemented", "na", "later", ""])
YAML_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | CELL,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(CELL, inner, max_size=3),
    max_leaves=8,
)


def _answer_docs() -> Any:
    import csv
    import io

    def as_csv(rows: list[list[str]]) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["citation", "status", "note", "evidence", "reason", "alternative"])
        writer.writerows(rows)
        return buf.getvalue().encode()

    def as_yaml(value: Any) -> bytes:
        import yaml

        return yaml.safe_dump(value, allow_unicode=True).encode()

    row = st.tuples(CITATIONS, STATUSES, CELL, CELL, CELL, CELL).map(list)
    entry = st.fixed_dictionaries(
        {"citation": CITATIONS, "status": STATUSES},
        optional={"note": YAML_VALUE, "evidence": CELL, "reason": CELL, "bogus": CELL},
    )
    return st.one_of(
        st.tuples(st.just(".csv"), st.lists(row, max_size=5).map(as_csv)),
        st.tuples(
            st.just(".yaml"), st.lists(st.one_of(entry, YAML_VALUE), max_size=4).map(as_yaml)
        ),
        st.tuples(st.just(".yaml"), YAML_VALUE.map(as_yaml)),
        st.tuples(st.sampled_from([".csv", ".yaml"]), st.binary(max_size=300)),
    )


@pytest.fixture(scope="module")
def risk_vault(template, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One vault with a risk assessment in progress, opened read-only per example (an import
    changes only the in-memory copy, so examples do not see each other's answers)."""
    import shutil

    from tests.conftest import Cli

    root = Path(tmp_path_factory.mktemp("risk"))
    shutil.copytree(template.vault, root / "vault")
    (root / "id").write_text(template.identity_text)
    (root / "id").chmod(0o600)
    cli = Cli(root / "vault", root / "id", root)
    aid = int(cli.ok("risk", "new", "--year", "2026", "--scope", "EHR").stdout)
    return cli, aid


@FAST
@given(_answer_docs())
@example((".yaml", b"- citation: 164.312(a)(2)(iv)\n  status: implemented\n  note: [1, 2]\n"))
@example((".yaml", b"answers: 3\n"))
@example((".csv", b"citation,status\n164.312(a)(2)(iv),implemented,extra,cells\n"))
@example((".yaml", b"!!python/object/apply:os.system ['true']\n"))
def test_risk_answer_files(risk_vault, tmp_path_factory, doc) -> None:  # type: ignore[no-untyped-def]
    from ctcm.areas.risk.service import import_answers
    from ctcm.services.practice import open_practice

    cli, aid = risk_vault
    suffix, data = doc
    path = Path(tmp_path_factory.mktemp("answers")) / f"answers{suffix}"
    path.write_bytes(data)
    with open_practice(cli.environment(), "status", write=False) as p:
        refuses_cleanly(import_answers, p, aid, path)


# ------------------------------------------------------- hostile submissions, file names out

FILENAME = st.one_of(
    ARG,
    st.sampled_from(["../../../../tmp/evil.pdf", "/etc/passwd", "..", ".", ".hidden", "a/../b",
                     "C:\\Windows\\x.pdf", "\u202egpj.exe", "con", "x" * 400, "", " . "]),
)  # fmt: skip
META = st.one_of(
    st.fixed_dictionaries(
        {"person": st.one_of(st.just("ada"), YAML_VALUE), "doctype": st.just("npi") | YAML_VALUE},
        optional={"issued": st.just("2026-01-02") | YAML_VALUE, "expires": YAML_VALUE,
                  "filename": FILENAME | YAML_VALUE, "submitted_on": YAML_VALUE},
    ),
    YAML_VALUE,
)  # fmt: skip


@settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(META)
@example({"person": "ada", "doctype": "npi", "filename": "../../../../tmp/evil.pdf"})
@example({"person": ["ada"], "doctype": "npi"})
@example([])
@example({"person": "ada", "doctype": "npi", "issued": 20260102})
@example({"person": "ada", "doctype": "npi", "filename": None})  # crashed accept (found 2026-12-07)
def test_hostile_submissions(cli, tmp_path_factory, meta) -> None:  # type: ignore[no-untyped-def]
    """Whoever holds the submission key writes the metadata: any JSON at all. Listing, showing
    and accepting it never crash, and an accepted scan exports inside the folder asked for."""
    from ctcm.areas.credentials.inbox import inbox_key
    from ctcm.services.practice import open_practice
    from ctcm.vault import submission as sub

    root = Path(tmp_path_factory.mktemp("sub"))
    drop = root / "drop"
    drop.mkdir()
    if not hasattr(cli, "_inbox"):
        cli.ok("person", "add", "ada", "--name", "Ada", "--email", "ada@example.org")
        admin(cli, "inbox", "key", "--out", str(root / "key"), "--drop", str(drop))
        cli._inbox = True
    with open_practice(cli.environment(), "status", write=False) as p:
        key = inbox_key(p, None)
    (drop / "one.ctcmsub").write_bytes(sub.seal(key, meta, b"scan bytes"))
    listed = command_refuses_cleanly(cli, "inbox", "list", "--dir", str(drop), "-f", "json")
    assert listed.exit_code == 0
    [entry] = json.loads(listed.stdout)
    command_refuses_cleanly(cli, "inbox", "show", entry["id"], "--dir", str(drop))
    r = command_refuses_cleanly(cli, "inbox", "accept", entry["id"], "--dir", str(drop))
    if r.exit_code == 0:
        docs = json.loads(cli.ok("doc", "list", "ada", "--all", "-f", "json").stdout)
        out = root / "export"
        cli.ok("doc", "export", str(max(d["id"] for d in docs)), "--out", str(out))
        [written] = list(out.iterdir())
        assert written.parent == out and not written.name.startswith(".")


@FAST
@given(FILENAME)
def test_exported_file_names_stay_in_their_folder(name: str) -> None:
    from ctcm.areas.credentials.service import safe_filename

    TRIED["test_exported_file_names_stay_in_their_folder"] += 1
    safe = safe_filename(name, "scan")
    assert safe and "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert safe not in (".", "..") and not safe.startswith(".") and len(safe) <= 120
    assert all(ch.isprintable() for ch in safe)
