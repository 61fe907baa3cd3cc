"""Staff self-service submissions: sealed by `ctcm submit` with no vault access (the real entry
point in a subprocess), opened, accepted or rejected by the office."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path
from typing import Any

from ctcm.areas.credentials.inbox import inbox_key
from ctcm.services.practice import open_practice
from ctcm.vault import submission as sub
from tests.cli.test_users import admin
from tests.conftest import Cli, run_ctcm

SCAN = b"%PDF-1.4 renewed license of Ada, number L-12345"


def _key_and_drop(cli: Cli, tmp_path: Path) -> tuple[Path, Path]:
    drop = tmp_path / "drop"
    drop.mkdir()
    key = tmp_path / "practice.ctcmkey"
    r = admin(cli, "inbox", "key", "--out", str(key), "--drop", str(drop))
    assert f"--out {drop}" in r.stderr
    return key, drop


def _submit(key: Path, drop: Path, tmp_path: Path, person: str = "ada", *extra: str) -> Path:
    scan = tmp_path / "license.pdf"
    scan.write_bytes(SCAN)
    before = set(drop.iterdir())
    r = run_ctcm(
        "submit", "--key", str(key), "--person", person, "--type", "state-license",
        "--issued", "2026-02-20", "--file", str(scan), "--out", str(drop), *extra,
        env={"CTCM_VAULT": str(tmp_path / "no-vault-here")},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    (made,) = set(drop.iterdir()) - before
    return made


def test_round_trip_a_submission_becomes_a_document(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    key, drop = _key_and_drop(cli, tmp_path)
    sealed = _submit(key, drop, tmp_path)
    raw = sealed.read_bytes()
    # the submitter holds nothing that opens it: neither the scan nor who it is for shows
    assert SCAN not in raw and b"ada" not in raw and b"state-license" not in raw
    listed = json.loads(cli.ok("inbox", "list", "--format", "json").stdout)
    assert [(e["status"], e["person"], e["doctype"]) for e in listed] == [
        ("pending", "ada", "state-license")
    ]
    entry = listed[0]["id"]
    r = cli.ok("inbox", "accept", entry[:6])
    assert "Recorded state-license for Ada Lovelace" in r.stderr
    assert not sealed.exists()  # accepted into the vault, the file goes
    docs = json.loads(cli.ok("doc", "list", "ada", "--format", "json").stdout)
    doc = next(d for d in docs if d["doctype"] == "state-license" and d["in_force"])
    assert doc["issued"] == "2026-02-20" and doc["attachments"] == 1
    out = tmp_path / "exported"
    cli.ok("doc", "export", str(doc["id"]), "--out", str(out))
    assert next(out.iterdir()).read_bytes() == SCAN
    assert "No submissions waiting" in cli.ok("inbox", "list").stdout


def test_tampered_foreign_and_unknown_submissions_are_refused(
    demo_cli: Cli, tmp_path: Path
) -> None:
    cli = demo_cli
    key, drop = _key_and_drop(cli, tmp_path)
    altered = _submit(key, drop, tmp_path)
    data = bytearray(altered.read_bytes())
    data[-5] ^= 0x01
    altered.write_bytes(bytes(data))
    other = sub.InboxKey(sub.new_key_pair()[1], "zzzz", "another-vault", "Elsewhere")
    (drop / "foreign.ctcmsub").write_bytes(sub.seal(other, {"person": "ada"}, b"x"))
    (drop / "junk.ctcmsub").write_bytes(b"not a submission at all")
    stranger = _submit(key, drop, tmp_path, "zed")
    listed = {e["file"]: e for e in json.loads(cli.ok("inbox", "list", "-f", "json").stdout)}
    assert "altered or damaged" in listed[altered.name]["refused"]
    assert "another practice's key" in listed["foreign.ctcmsub"]["refused"]
    assert "not a ctcm submission" in listed["junk.ctcmsub"]["refused"]
    assert listed[stranger.name]["status"] == "pending"
    r = cli("inbox", "accept", listed[altered.name]["id"])
    assert r.exit_code == 1 and "altered or damaged" in r.stderr and altered.exists()
    r = cli("inbox", "accept", listed[stranger.name]["id"])
    assert r.exit_code == 1 and "names person 'zed', who is not in this vault" in r.stderr
    assert stranger.exists()  # nothing changed
    cli.ok("inbox", "reject", listed[stranger.name]["id"], "--reason", "no such person here")
    assert not stranger.exists()
    audit = cli.ok("audit", "list", "--format", "json").stdout
    assert "rejected" in audit and "no such person here" in audit


def test_a_sealed_submission_with_forged_metadata_is_refused_not_a_crash(
    demo_cli: Cli, tmp_path: Path
) -> None:
    """Whoever has the key file writes the metadata; the bad-input corpus found that a date
    given as a number (or a list for a person) ended in a traceback at accept."""
    cli = demo_cli
    _key_and_drop(cli, tmp_path)
    with open_practice(cli.environment(), "status", write=False) as p:
        key = inbox_key(p, None)
    drop = tmp_path / "drop"
    for name, meta in [
        ("number.ctcmsub", {"person": "ada", "doctype": "npi", "issued": 20260102}),
        ("list.ctcmsub", {"person": ["ada"], "doctype": "npi"}),
        ("array.ctcmsub", []),
    ]:
        (drop / name).write_bytes(sub.seal(key, meta, b"scan"))
    listed = {e["file"]: e for e in json.loads(cli.ok("inbox", "list", "-f", "json").stdout)}
    assert "issued is not text" in listed["number.ctcmsub"]["refused"]
    assert "no person" in listed["list.ctcmsub"]["refused"]
    assert "no metadata" in listed["array.ctcmsub"]["refused"]
    for entry in listed.values():
        r = cli("inbox", "accept", entry["id"])
        assert r.exit_code == 1 and "is refused: its contents are not a ctcm submission" in r.stderr


def test_submit_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    bad_key = tmp_path / "k"
    bad_key.write_text("{}")
    scan = tmp_path / "s.pdf"
    scan.write_bytes(b"x")
    for args, needle in [
        (("--key", str(bad_key)), "is not a ctcm submission key"),
        (("--key", str(tmp_path / "missing")), "does not exist"),
    ]:
        r = run_ctcm(
            "submit", *args, "--person", "ada", "--type", "npi", "--file", str(scan),
            "--out", str(tmp_path),
        )  # fmt: skip
        assert r.returncode == 1 and needle in r.stderr and "Traceback" not in r.stderr


def test_status_mail_tells_staff_how_to_submit(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    cli.ok("mail", "configure", "--from", "Office <office@example.org>")
    out = tmp_path / "before"
    cli.ok("notify", "status", "bob", "--out", str(out))
    text = _body(next(out.iterdir()))
    assert "ctcm submit" not in text
    _key_and_drop(cli, tmp_path)
    out = tmp_path / "after"
    cli.ok("notify", "status", "bob", "--out", str(out), "--again")  # the same month
    mail = next(out.iterdir())
    text = " ".join(_body(mail).split())
    assert "ctcm submit --card submit-card-bob.ctcmcard --file SCAN" in text


def _body(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return str(msg.get_body(("plain",)).get_content())


def test_a_missing_drop_folder_is_an_error_not_an_empty_inbox(
    demo_cli: Cli, tmp_path: Path
) -> None:
    cli = demo_cli
    assert "No submissions waiting" in cli.ok("inbox", "list").stdout  # never set up: empty
    _key_and_drop(cli, tmp_path)
    (tmp_path / "drop").rmdir()  # the share is not mounted today
    r = cli("inbox", "list")
    assert r.exit_code == 1 and "does not exist (or is not mounted)" in r.stderr
    r = cli("inbox", "list", "--dir", str(tmp_path / "typo"))
    assert r.exit_code == 1 and "typo" in r.stderr


def _card(cli: Cli, tmp_path: Path, person: str) -> Path:
    """The submit card attached to ``person``'s status mail, saved as they would save it."""
    out = tmp_path / f"mail-{person}"
    cli.ok("notify", "status", person, "--out", str(out), "--again")
    msg = email.message_from_bytes(next(out.iterdir()).read_bytes(), policy=email.policy.default)
    (part,) = list(msg.iter_attachments())
    card = tmp_path / str(part.get_filename())
    card.write_bytes(part.get_content())
    return card


def test_the_submit_card_carries_only_that_persons_outstanding_types(
    demo_cli: Cli, tmp_path: Path
) -> None:
    cli = demo_cli
    cli.ok("mail", "configure", "--from", "Office <office@example.org>")
    _key_and_drop(cli, tmp_path)
    card = _card(cli, tmp_path, "bob")
    data = json.loads(card.read_text())
    status = json.loads(cli.ok("status", "bob", "--format", "json").stdout)
    outstanding = {r["doctype"] for r in status["requirements"] if r["status"] in ("red", "yellow")}
    assert {t["key"] for t in data["types"]} <= outstanding and data["person"] == "bob"
    assert data["types"], "bob has something to renew in the demo"
    people = json.loads(cli.ok("person", "list", "--format", "json").stdout)
    others = [x for x in people if x["id"] != "bob"]
    text = card.read_text()
    assert not any(o["id"] in text.split('"') or o["name"] in text for o in others)
    assert data["fingerprint"] == sub.fingerprint(sub.parse_key(text, "card").pub)


def test_submit_with_a_card_offers_types_by_name_and_refuses_others(
    demo_cli: Cli, tmp_path: Path
) -> None:
    cli = demo_cli
    cli.ok("mail", "configure", "--from", "Office <office@example.org>")
    key, drop = _key_and_drop(cli, tmp_path)
    card = _card(cli, tmp_path, "bob")
    types = json.loads(card.read_text())["types"]
    scan = tmp_path / "renewed.pdf"
    scan.write_bytes(SCAN)
    env = {"CTCM_VAULT": str(tmp_path / "no-vault-here")}
    base = ("submit", "--card", str(card), "--file", str(scan))
    if len(types) > 1:  # no terminal: the choices are named, nothing sealed
        r = run_ctcm(*base, env=env)
        assert r.returncode == 1 and types[0]["name"] in r.stderr and "--type" in r.stderr
    r = run_ctcm(*base, "--type", "Background check", env=env)
    assert r.returncode == 1 and "not one of the documents the office asked of you" in r.stderr
    assert list(drop.iterdir()) == []
    # by its name, any case, with a US date and a month name echoed back in the preview
    name = types[0]["name"]
    r = run_ctcm(*base, "--type", name.upper(), "--issued", "3/1/2026",
                 "--expires", "March 31, 2028", env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Person:   bob" in r.stderr and f"Document: {name} ({types[0]['key']})" in r.stderr
    assert "March 1, 2026 (2026-03-01)" in r.stderr and "March 31, 2028 (2028-03-31)" in r.stderr
    assert "renewed.pdf (PDF, 1 KB)" in r.stderr
    (sealed,) = list(drop.iterdir())
    listed = json.loads(cli.ok("inbox", "list", "--format", "json").stdout)
    assert [(e["person"], e["doctype"], e["expires"]) for e in listed] == [
        ("bob", types[0]["key"], "2028-03-31")
    ]
    # the card is for bob: naming someone else is refused
    r = run_ctcm(*base, "--person", "ada", "--type", name, env=env)
    assert r.returncode == 1 and "your submit card is for bob" in r.stderr


def test_submit_checks_the_file_by_content_and_size(tmp_path: Path, demo_cli: Cli) -> None:
    key, drop = _key_and_drop(demo_cli, tmp_path)
    args = ("submit", "--key", str(key), "--person", "ada", "--type", "npi", "--out", str(drop))
    for name, data, needle in [
        ("license.pdf", b"MZ\x90\x00 not a pdf at all", "is not a PDF, PNG, JPEG or HEIC file"),
        ("empty.pdf", b"", "is empty"),
        ("big.pdf", b"%PDF-" + b"0" * (26 * 1024 * 1024), "the limit is"),
    ]:
        f = tmp_path / name
        f.write_bytes(data)
        r = run_ctcm(*args, "--file", str(f))
        assert r.returncode == 1 and needle in r.stderr, (name, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1
    for name, data in [
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * 64),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64),
        ("photo.heic", b"\x00\x00\x00\x18ftypheic" + b"0" * 64),
    ]:
        f = tmp_path / name
        f.write_bytes(data)
        r = run_ctcm(*args, "--file", str(f))
        assert r.returncode == 0, (name, r.stderr)
    r = run_ctcm(*args, "--file", str(f), "--expires", "31/3/2027")
    assert r.returncode == 1 and "no month 31 (month comes first" in r.stderr


def test_submit_at_a_terminal_asks_which_document_and_confirms(
    demo_cli: Cli, tmp_path: Path
) -> None:
    cli = demo_cli
    cli.ok("mail", "configure", "--from", "Office <office@example.org>")
    _, drop = _key_and_drop(cli, tmp_path)
    card = _card(cli, tmp_path, "bob")
    types = json.loads(card.read_text())["types"]
    scan = tmp_path / "renewed.pdf"
    scan.write_bytes(SCAN)
    r = cli("submit", "--card", str(card), "--file", str(scan), interactive=True,
            input=f"{len(types)}\nn\n")  # fmt: skip
    assert r.exit_code == 0 and "Nothing sealed." in r.stderr
    assert f"Document: {types[-1]['name']}" in r.stderr and list(drop.iterdir()) == []
    r = cli("submit", "--card", str(card), "--file", str(scan), interactive=True,
            input=f"{len(types)}\ny\n")  # fmt: skip
    assert r.exit_code == 0 and "Sealed renewed.pdf" in r.stderr
    assert len(list(drop.iterdir())) == 1


def test_documents_the_practice_provides_are_never_asked_of_staff(cli: Cli, tmp_path: Path) -> None:
    shown = json.loads(cli.ok("doctype", "show", "background-check", "--format", "json").stdout)
    assert shown["provided_by_practice"] is True
    cli.ok("doctype", "add", "drug-test", "--name", "Drug test", "--no-expiry",
           "--provided-by-practice")  # fmt: skip
    cli.ok("person", "add", "nia", "--name", "Nia New", "--email", "nia@example.org")
    for t in ("background-check", "i9", "drug-test", "hipaa-training"):
        cli.ok("person", "require", "nia", t)
    cli.ok("mail", "configure", "--from", "Office <office@example.org>")
    _key_and_drop(cli, tmp_path)
    plan = json.loads(cli.ok("remind", "--format", "json").stdout)
    (nia,) = [d for d in plan["due"] if d["person"] == "nia"]
    assert [i["doctype"] for i in nia["items"]] == ["hipaa-training"]
    card = json.loads(_card(cli, tmp_path, "nia").read_text())
    assert [t["key"] for t in card["types"]] == ["hipaa-training"]
    out = tmp_path / "mail-nia"
    text = " ".join(_body(next(out.iterdir())).split())
    assert "Background check: not on file yet; the office takes care of it." in text
    assert "HIPAA" in text and "Please send it" in text
    due = json.loads(cli.ok("due", "--person", "nia", "--format", "json").stdout)["items"]
    assert any(i["what"] == "Drug test: missing, the practice obtains it" for i in due)
    cli.ok("doctype", "edit", "drug-test", "--from-staff")
    plan = json.loads(cli.ok("remind", "--format", "json").stdout)
    (nia,) = [d for d in plan["due"] if d["person"] == "nia"]
    assert sorted(i["doctype"] for i in nia["items"]) == ["drug-test", "hipaa-training"]


def test_a_rejection_reason_goes_back_to_the_person_once(
    demo_cli: Cli, tmp_path: Path, smtp: Any
) -> None:
    from tests.conftest import configure_mail

    cli = demo_cli
    configure_mail(cli, smtp)
    key, drop = _key_and_drop(cli, tmp_path)
    _submit(key, drop, tmp_path, "ada")
    (entry,) = json.loads(cli.ok("inbox", "list", "--format", "json").stdout)
    cli.ok("inbox", "reject", entry["id"], "--reason", "the scan is cut off at the bottom")
    cli.ok("remind", "--send")
    to_ada = [m for m in smtp.parsed() if "ada@" in str(m["To"])]
    assert len(to_ada) == 1
    body = " ".join(to_ada[0].get_body(("plain",)).get_content().split())
    assert "could not accept a document you sent in" in body
    assert "the scan is cut off at the bottom" in body, body
    assert "State professional license you sent in (rejected on March 2)" in body
    before = len(smtp.messages)
    cli.ok("remind", "--send")  # told once: not again
    again = [m for m in smtp.parsed()[before:] if "ada@" in str(m["To"])]
    assert all("cut off" not in m.get_body(("plain",)).get_content() for m in again)


def test_a_submission_is_decided_once_even_when_dropped_again(
    demo_cli: Cli, tmp_path: Path
) -> None:
    cli = demo_cli
    key, drop = _key_and_drop(cli, tmp_path)
    sealed = _submit(key, drop, tmp_path)
    copy = sealed.read_bytes()
    (entry,) = json.loads(cli.ok("inbox", "list", "--format", "json").stdout)
    cli.ok("inbox", "accept", entry["id"])
    sealed.write_bytes(copy)  # a crash before the file went, or the same file dropped again
    r = cli.ok("inbox", "accept", entry["id"])
    assert "Nothing to do" in r.stderr and "accepted on" in r.stderr
    assert not sealed.exists()  # removed this time
    docs = json.loads(cli.ok("doc", "list", "ada", "--format", "json").stdout)
    assert (
        sum(1 for d in docs if d["doctype"] == "state-license" and d["issued"] == "2026-02-20") == 1
    )
    # a symbolic link or an oversized file in the drop folder is listed as refused, never read
    (drop / "evil.ctcmsub").symlink_to("/etc/passwd")
    big = drop / "big.ctcmsub"
    with big.open("wb") as fh:
        fh.truncate(64 << 20)
    listed = {e["id"]: e for e in json.loads(cli.ok("inbox", "list", "--format", "json").stdout)}
    reasons = sorted(e["refused"] or "" for e in listed.values())
    assert any("symbolic link" in r for r in reasons) and any("larger than" in r for r in reasons)


def test_staff_can_check_the_keys_fingerprint(demo_cli: Cli, tmp_path: Path) -> None:
    cli = demo_cli
    drop = tmp_path / "drop"
    drop.mkdir()
    key = tmp_path / "k.ctcmkey"
    r = admin(cli, "inbox", "key", "--out", str(key), "--drop", str(drop))
    told = r.stderr.split("fingerprint ", 1)[1].split(":", 1)[0]
    assert told == sub.fingerprint(sub.parse_key(key.read_text(), "k").pub)
    scan = tmp_path / "s.pdf"
    scan.write_bytes(SCAN)
    base = ("submit", "--key", str(key), "--person", "ada", "--type", "npi", "--file", str(scan),
            "--out", str(drop))  # fmt: skip
    r = run_ctcm(*base, "--fingerprint", "0000 1111 2222 3333")
    assert r.returncode == 1 and "do not use it" in r.stderr and not list(drop.iterdir())
    r = run_ctcm(*base, "--fingerprint", told.lower())
    assert r.returncode == 0, r.stderr
    assert f"key {told}" in r.stderr  # the preview shows it too
