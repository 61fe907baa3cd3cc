"""Leak checks after a full session of every command through the real `ctcm`.

The session runs each command of the permission table (services/roles.COMMANDS) at least once
against the demo practice, with a real SMTP server. Afterwards: no secret (passphrases, the
SMTP password, service identities, session tokens) in anything a command printed, mailed or
recorded in the audit trail, except the one command that hands it over; no plaintext of the
practice's records under the vault, the temp directory, the state or runtime directories; no
traceback; every file ctcm wrote private to its owner. A redacted packet has no document
numbers or email addresses, and no email names an incident.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ctcm.errors import ExitCode
from ctcm.services.roles import COMMANDS
from tests.conftest import ROOT, fork_ctcm

pytestmark = pytest.mark.reliability
PASSPHRASE = "correct horse battery demo"  # the demo's, documented
SMTP_PASSWORD = "smtp-secret"  # what the test server accepts
FRANK = "frank's own long passphrase"
FRANK_NEW = "frank changed it to this one"
MARKERS = (
    b"Chioma Okafor",
    b"chioma.okafor@riverbend.example",
    b"LIC-4",
    b"two clients' diagnoses",
    b"Zed Leak",
    b"SCANLEAKMARKER",
    b"LEAKSUMMARY",
    b"NOTE-LEAK",
    b"LEAKREF",
)
GLOBAL_WITH_VALUE = {"--vault", "--user", "--identity", "--practice", "--as-of"}


def _command_of(args: tuple[str, ...]) -> str | None:
    """The permission-table name of a command line (global options skipped)."""
    words, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in GLOBAL_WITH_VALUE:
            skip = True
            continue
        words.append(a)
    for n in range(min(len(words), 3), 0, -1):
        if " ".join(words[:n]) in COMMANDS:
            return " ".join(words[:n])
    return None


class Session:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.runs: list[tuple[tuple[str, ...], subprocess.CompletedProcess[str]]] = []
        # an unlocked session for the runs that name no key of their own (the passphrase's
        # KDF once, as a user at a terminal would have it, not once per command)
        self.default: dict[str, str] = {}

    def __call__(
        self, *args: str, ok: bool | None = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run one command; ``ok``: it must succeed (True), fail with a reason (False), or
        may end either way with a documented exit code (None)."""
        own_key = {"CTCM_PASSPHRASE", "CTCM_SESSION", "CTCM_USER", "CTCM_IDENTITY_FILE"}
        default = {} if env and own_key & env.keys() else self.default
        r = fork_ctcm(*args, env=self.env | default | (env or {}), timeout=120)
        self.runs.append((args, r))
        assert r.returncode in iter(ExitCode), (args, r.returncode, r.stderr)
        assert "Traceback" not in r.stderr, (args, r.stderr)
        if ok:
            assert r.returncode == 0, (args, r.stderr)
        elif ok is False:
            assert r.returncode != 0 and r.stderr.strip(), (args, r.stdout)
        return r

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--format", "json").stdout)


def _files(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def _token(r: subprocess.CompletedProcess[str], handed: dict[str, str]) -> str:
    """The session token `unlock` printed, recorded as handed over by `unlock`."""
    token = re.search(r"CTCM_SESSION=(\S+)", r.stdout)
    assert token, r.stdout
    handed[token[1]] = "unlock"
    return token[1]


def _session(run: Session, t: Path, smtp: Any) -> dict[str, str]:
    """Every command once (most several times). Returns the secrets handed over on purpose,
    each with the command that hands it over."""
    out, src, drop = t / "out", t / "src", t / "drop"
    for d in (out, src, drop):
        d.mkdir()
    (src / "scan.pdf").write_bytes(b"%PDF-1.4 SCANLEAKMARKER " * 20)
    (src / "evidence.txt").write_bytes(b"SCANLEAKMARKER evidence")
    (src / "people.csv").write_text("id,name,email\nzy,Zed Leak Two,zy@example.org\n")
    (src / "docs.csv").write_text("person,doctype,issued\nzz,confidentiality,2026-11-02\n")
    (src / "answers.csv").write_text("citation,status,evidence\n164.312(b),implemented,logs\n")
    (src / "acks.csv").write_text("person,date\nkbrown,2026-12-01\n")
    (src / "manual.toml").write_text("screen_lock_minutes = 10\n")
    handed: dict[str, str] = {}

    run("demo")
    # reads of every area, in an unlocked session (the passphrase's KDF once, not per read)
    session = {"CTCM_SESSION": _token(run("unlock"), handed), "CTCM_PASSPHRASE": ""}
    for args in [
        ("status",), ("status", "bchen"), ("status", "--format", "json"),
        ("status", "--format", "html", "--out", str(out / "status.html")), ("due",),
        ("calendar",), ("calendar", "ics", "--out", str(out / "cal.ics")),
        ("person", "list"), ("person", "show", "cokafor"),
        ("person", "export", "--out", str(out / "people.csv")), ("doctype", "list"),
        ("doctype", "show", "npi"), ("policy", "list"), ("policy", "show", "clinician"),
        ("doc", "list", "cokafor"), ("doc", "export-csv", "--out", str(out / "docs.csv")),
        ("risk", "list"), ("risk", "show", "1"), ("risk", "scenarios"), ("risk", "tasks"),
        ("risk", "checklist", "--format", "csv", "--out", str(out / "checklist.csv")),
        ("risk", "report", "1", "--format", "html", "--out", str(out / "risk.html")),
        ("incident", "list"), ("incident", "show", "1"),
        ("incident", "letter", "1", "--out", str(out / "letter.txt")),
        ("log", "kinds"), ("log", "list"), ("training", "list"), ("training", "matrix"),
        ("vendor", "list"), ("vendor", "show", "chartcloud"), ("device", "list"),
        ("device", "show", "laptop-1"), ("manual", "versions"), ("manual", "show", "1"),
        ("manual", "answers"), ("manual", "acks"),
        ("manual", "render", "--out", str(out / "manual")), ("practice", "show"),
        ("slot", "list"), ("user", "list"), ("backup", "list"), ("backup", "verify"),
        ("audit", "head"),
    ]:  # fmt: skip
        run(*args, env=session)
    run.default = session  # until the keys change hands below
    run("doctor", ok=None)  # exit 1 while it has warnings (the demo has no recovery code)
    run("log", "show", str(run.json("log", "list")[0]["id"]))

    # people and documents
    run("person", "add", "zz", "--name", "Zed Leak", "--email", "zed@example.org",
        "--policy", "office-staff")  # fmt: skip
    for args in [
        ("person", "edit", "zz", "--title", "Leak tester"), ("person", "assign", "zz", "clinician"),
        ("person", "unassign", "zz", "clinician"), ("person", "require", "zz", "npi"),
        ("person", "unrequire", "zz", "npi"),
        ("person", "waive", "zz", "i9", "--reason", "contractor", "--until", "2027-01-01"),
        ("person", "unwaive", "zz", "i9"), ("person", "deactivate", "zz"),
        ("person", "reactivate", "zz"), ("person", "import", str(src / "people.csv")),
        ("doctype", "add", "cpr-x", "--name", "CPR X", "--validity-months", "24",
         "--category", "certification"),
        ("doctype", "edit", "cpr-x", "--warn-days", "45"), ("doctype", "archive", "cpr-x"),
        ("policy", "add", "leakers", "--name", "Leakers", "--require", "npi"),
        ("policy", "require", "leakers", "i9"), ("policy", "unrequire", "leakers", "i9"),
        ("doc", "add", "zz", "hipaa-training", "--issued", "2026-11-01", "--number", "LIC-4LEAK",
         "--note", "NOTE-LEAK", "--file", str(src / "scan.pdf")),
        ("doc", "import", str(src / "docs.csv")),
    ]:  # fmt: skip
        run(*args)
    doc = str(run.json("doc", "list", "zz")[0]["id"])
    run("doc", "show", doc)
    run("doc", "attach", doc, "--file", str(src / "scan.pdf"))
    run("doc", "export", doc, "--out", str(out / "scans"))
    run("doc", "void", doc, "--reason", "entered twice")

    # Privacy Rule records: a patient's reference and notes never reach a mail
    (src / "npp.txt").write_text("SCANLEAKMARKER notice of privacy practices")
    for ref, received in (
        ("LEAKREF-9", "2026-10-20"),
        ("LEAKREF-8", "2026-11-20"),
        ("LEAKREF-7", "2026-11-01"),
    ):
        run("request", "add", "access", "--received", received, "--patient-ref", ref,
            "--note", "NOTE-LEAK wants the whole chart")  # fmt: skip
    ids = {d["patient_ref"]: str(d["id"]) for d in run.json("request", "list")}
    doc_id = str(run.json("doc", "list", "bchen")[0]["id"])
    run("complaint", "add", "--received", "2026-11-02", "--about", "LEAKSUMMARY voicemail")
    complaint = str(max(c["id"] for c in run.json("complaint", "list")))
    for args in [
        ("request", "extend", ids["LEAKREF-8"], "--reason", "NOTE-LEAK clinician away",
         "--notified", "2026-11-25"),
        ("request", "close", ids["LEAKREF-8"], "--denied", "--date", "2026-11-30",
         "--denial-basis", "NOTE-LEAK not held by us", "--file", str(src / "scan.pdf")),
        ("request", "close", ids["LEAKREF-7"], "--partly", "--date", "2026-11-10",
         "--denial-basis", "NOTE-LEAK harm to another", "--reviewable"),
        ("request", "review", ids["LEAKREF-7"], "--by", "Dr. Rosa Diaz", "--date", "2026-11-20",
         "--upheld"),
        ("request", "show", ids["LEAKREF-9"]),
        ("complaint", "close", complaint, "--disposition", "retrained", "--date", "2026-11-20"),
        ("sanction", "add", "bchen", "--date", "2026-11-15", "--reason", "NOTE-LEAK snooping",
         "--action", "written warning"),
        ("sanction", "list"),
        ("npp", "adopt", str(src / "npp.txt"), "--effective", "2026-11-01"),
        ("npp", "posted", "--where", "office", "--date", "2026-11-02"),
        ("npp", "ack", "--month", "2026-11", "--given", "10", "--acknowledged", "9"),
        ("npp", "list"),
        ("request", "import", str(ROOT / "examples" / "import" / "requests.csv")),
        ("vendor", "import", str(ROOT / "examples" / "import" / "vendors.csv"), "--dry-run"),
        ("device", "import", str(ROOT / "examples" / "import" / "devices.csv")),
        ("risk", "import-ratings", "1", str(ROOT / "examples" / "import" / "risk-ratings.csv")),
        ("doctype", "verification", "cpr-bls", "--every-days", "365"),
        ("doc", "verify", doc_id, "--source", "https://board.example", "--result", "active",
         "--date", "2026-11-20", "--file", str(src / "scan.pdf"), "--note", "NOTE-LEAK"),
        ("doc", "verify-import", str(ROOT / "examples" / "import" / "verifications.csv")),
        ("doc", "verifications"),
    ]:  # fmt: skip
        run(*args)

    # mail, with a password, to a real server
    run("mail", "configure", "--host", "127.0.0.1", "--port", str(smtp.port),
        "--security", "none", "--username", "office", "--password",
        "--from", "Riverbend <office@riverbend.example>", "--admins", "boss@example.org",
        env={"CTCM_SMTP_PASSWORD": SMTP_PASSWORD})  # fmt: skip
    for args in [
        ("mail", "show"), ("mail", "schedule", "60,30,7,0"), ("mail", "templates", "check"),
        ("mail", "test", "boss@example.org"), ("remind",),
        ("remind", "--out", str(out / "mail")), ("remind", "--send"),
        ("notify", "status", "--all", "--out", str(out / "status-mail")),
        ("notify", "status", "bchen", "--send"), ("digest", "--out", str(out / "digest")),
        ("digest", "--send", "--force"), ("awareness", "send", "--out", str(out / "tips")),
        ("awareness", "send", "--send"), ("mail", "log"),
    ]:  # fmt: skip
        run(*args)

    # the security program
    for args in [
        ("risk", "answer", "1", "164.312(a)(2)(iv)", "--status", "implemented",
         "--evidence", "BitLocker on all laptops"),
        ("risk", "import", "1", str(src / "answers.csv")),
        ("risk", "rate", "1", "S02", "--likelihood", "low", "--impact", "high"),
        ("risk", "mitigate", "1", "S02", "--action", "Encrypt", "--owner", "fnguyen",
         "--due", "2027-02-01"),
        ("risk", "task", "start", "1"), ("risk", "task", "done", "1"),
        ("risk", "task", "reopen", "1"),
        ("risk", "task", "accept", "3", "--reason", "cost", "--by", "amartinez"),
        ("risk", "new", "--year", "2027", "--scope", "EHR"),
        ("incident", "add", "--discovered", "2026-11-28", "--summary",
         "LEAKSUMMARY sent to the wrong fax", "--reported-by", "kbrown"),
        ("incident", "assess", "2", "--secured", "yes", "--device", "the fax server's inbox",
         "--encryption", "AES-256 PDF encryption of the file", "--powered", "locked",
         "--key-location", "sent to the clinic by phone, never with the file"),
        ("incident", "close", "2"),
        ("log", "add", "log-review", "--field", "systems=EHR", "--field", "findings=none",
         "--note", "NOTE-LEAK", "--file", str(src / "evidence.txt")),
        ("log", "kind-add", "fire-drill", "--name", "Fire drill", "--cadence", "FREQ=YEARLY",
         "--cite", "164.310(a)(2)(iii)"),
        ("calendar", "set", "fire-drill", "--rrule", "FREQ=YEARLY", "--owner", "fnguyen",
         "--first", "2027-01-01"),
        ("calendar", "waive", "fire-drill", "--for", "2027-01-01", "--reason",
         "LEAK drill not held this year"),
        ("calendar", "off", "fire-drill"),
        ("training", "record", "--topic", "Phishing", "--attendee", "bchen",
         "--doctype", "hipaa-training", "--date", "2026-11-20"),
        ("vendor", "add", "leakco", "--name", "LeakCo", "--service", "shredding", "--phi", "yes"),
        ("vendor", "edit", "leakco", "--review-months", "24"),
        ("vendor", "baa", "leakco", "--signed", "2026-11-01", "--file", str(src / "scan.pdf")),
        ("device", "add", "laptop-9", "--type", "laptop", "--owner", "bchen",
         "--encrypted", "yes", "--screen-lock", "yes"),
        ("device", "edit", "laptop-9", "--phi", "no"),
        ("device", "audit", "laptop-9", "--date", "2026-11-30", "--encrypted", "yes",
         "--screen-lock", "yes"),
        ("device", "retire", "laptop-9", "--date", "2026-11-30", "--method", "NIST purge"),
        ("manual", "import", str(src / "manual.toml")),
        ("manual", "set", "screen_lock_minutes", "5"), ("manual", "settings", "--days", "30"),
        ("manual", "adopt", "--effective", "2026-12-01"), ("manual", "diff", "1", "2"),
        ("manual", "ack", "bchen", "--date", "2026-12-01"),
        ("manual", "ack-import", str(src / "acks.csv")),
        ("practice", "set", "--warn-days", "45"),
    ]:  # fmt: skip
        run(*args)
    incident = run.json("incident", "list")[0]["id"]
    run("incident", "delay", str(incident), "--oral", "--official", "Det. LEAK Ruiz, Sheriff",
        "--date", "2026-12-01", ok=None)  # fmt: skip
    run("incident", "notify", str(incident), "--to", "individuals", "--date", "2026-12-01")
    run("incident", "media-decision", str(incident), "--reason", "no more than 500 anywhere",
        ok=False)  # fmt: skip
    # commands that need a terminal, or refuse a draft: a clear line, no secret
    run("risk", "walk", "1", ok=False)
    run("manual", "configure", ok=False)
    run("risk", "finalize", "2", "--by", "amartinez", ok=False)
    run("incident", "show", "999", ok=False)
    run("status", env={"CTCM_PASSPHRASE": "a wrong passphrase"}, ok=False)

    # staff submissions
    run("inbox", "key", "--out", str(out / "practice.ctcmkey"), "--drop", str(drop))
    for _ in range(2):
        run("submit", "--key", str(out / "practice.ctcmkey"), "--person", "bchen",
            "--type", "npi", "--file", str(src / "scan.pdf"), "--out", str(drop))  # fmt: skip
    first, second = (e["id"] for e in run.json("inbox", "list"))
    run("inbox", "show", first)
    run("inbox", "accept", first)
    run("inbox", "reject", second, "--reason", "sent twice")

    # exclusion screening
    lists = ROOT / "tests" / "fixtures" / "screening"
    leie = src / "UPDATED.csv"  # the demo imported the fixture itself: a later month's file
    leie.write_text((lists / "UPDATED.csv").read_text() + "LEAKNAME,ZED,,,IND,X,,0000000000,"
                    "19600101,1 ST,X,NY,10001,1128a1,20261101,00000000,00000000,\n")  # fmt: skip
    run("screen", "import", "leie", str(leie), "--published", "2026-11")
    run("screen", "import", "sam", str(lists / "SAM_Exclusions_Public_Extract.csv"), ok=False)
    run("screen", "person", "bchen", "--dob", "1984-03-02")
    run("screen", "run")
    for c in run.json("screen", "list")["candidates"]:
        if c["resolution"] is not None:
            continue
        run("screen", "resolve", str(c["id"]), "--cleared", "--note",
            "OIG online verification LEAK-NOTE: not the same person")  # fmt: skip

    # packets, backups, the audit trail
    run("packet", "build", "--redact", "--out", str(out / "packet"))
    run("packet", "build", "--with-attachments", "--encrypt", "--out", str(out / "packet.zip"),
        env={"CTCM_PACKET_PASSWORD": "packet zip password"})  # fmt: skip
    run("backup", "export", str(out / "export"))
    # a copy to a real (throwaway) PostgreSQL server and back
    from tests.server import pgserver

    server = pgserver.start()
    try:
        run("migrate", "--to", server.url(), "--schema", "leaks")
        run("migrate", "--from", server.url(), "--schema", "leaks", "--to-vault",
            str(out / "from-server"))  # fmt: skip
    finally:
        server.stop()
    run("rehearse", str(t / "rehearsal"))
    generation = run.json("backup", "list")[0]["generation"]
    run("backup", "restore", str(generation))
    run("backup", "retention", "--last", "12")
    run("backup", "accept", str(generation), ok=False)  # nothing older on disk: refused
    run("audit", "list", "--format", "json")
    run("audit", "verify")
    run("audit", "anchor", "--out", str(out / "vault.anchor"))
    run("audit", "anchor", "--check", str(out / "vault.anchor"))
    run("audit", "anchor", "--send")

    # keys, users, sessions, consultants
    run.default = {}
    run("lock", env=session)
    run("slot", "add-service", "leakbot", "--out", str(out / "leakbot.identity"))
    handed[(out / "leakbot.identity").read_text().strip()] = "slot add-service"
    run("slot", "remove", "leakbot")
    r = run("slot", "add-recovery")
    handed[r.stdout.strip().splitlines()[-1].strip()] = "slot add-recovery"
    run("slot", "add-recovery", ok=False)  # one is enough: refused
    run("user", "add", "frank", "--role", "manager", "--person", "fnguyen",
        env={"CTCM_NEW_PASSPHRASE": FRANK})  # fmt: skip
    run("user", "role", "frank", "officer", env={"CTCM_USER": "demo"})
    run("user", "passwd", "frank", env={"CTCM_USER": "frank", "CTCM_PASSPHRASE": FRANK,
                                         "CTCM_NEW_PASSPHRASE": FRANK_NEW})  # fmt: skip
    run("status", env={"CTCM_USER": "frank", "CTCM_PASSPHRASE": FRANK_NEW})
    run("user", "add-service", "leakcron", "--out", str(out / "cron.identity"),
        env={"CTCM_USER": "demo"})  # fmt: skip
    handed[(out / "cron.identity").read_text().strip()] = "user add-service"
    run("user", "remove", "frank", env={"CTCM_USER": "demo"})
    r = run("unlock", env={"CTCM_USER": "demo"})
    token = _token(r, handed)
    run("status", env={"CTCM_SESSION": token, "CTCM_PASSPHRASE": ""})
    run("lock", env={"CTCM_USER": "demo"})
    run("practice", "register", "riverbend", str(run.env["CTCM_VAULT"]))
    run("practice", "list")
    run("portfolio")
    run("portfolio", "due", "--days", "14")
    run("practice", "rename", "riverbend", "riverbend2")
    run("practice", "unregister", "riverbend2")
    run("--vault", str(t / "second"), "init", "--practice", "Second", "--user", "zoe",
        "--timezone", "UTC", "--no-recovery-code",
        env={"CTCM_PASSPHRASE": "zoe's long passphrase"})  # fmt: skip
    return handed


def test_a_full_session_of_every_command_leaks_nothing(tmp_path: Path, smtp: Any) -> None:
    t = tmp_path
    vault, tmp = t / "vault", t / "tmp"
    tmp.mkdir()
    state, runtime = t / "state", t / "run"
    run = Session(
        {
            "CTCM_VAULT": str(vault),
            "CTCM_PASSPHRASE": PASSPHRASE,
            "CTCM_STATE_DIR": str(state),
            "CTCM_RUNTIME_DIR": str(runtime),
            "CTCM_CONFIG_DIR": str(t / "config"),
            "CTCM_NO_KEYRING": "1",
            "TMPDIR": str(tmp),
        }
    )
    handed = _session(run, t, smtp)

    # every command of the permission table ran
    ran = {_command_of(args) for args, _ in run.runs}
    assert not set(COMMANDS) - ran, sorted(set(COMMANDS) - ran)

    # no secret in anything printed, but where a command hands one over on purpose
    secrets = {PASSPHRASE: "demo", SMTP_PASSWORD: None, FRANK: None, FRANK_NEW: None,
               "packet zip password": None, **handed}  # fmt: skip
    for args, r in run.runs:
        printed = r.stdout + r.stderr
        for secret, owner in secrets.items():
            if secret in printed:
                assert _command_of(args) == owner, (args, "printed a secret")
    # ...nor in any email
    mails = [raw for _, raw in smtp.messages] + [p.read_bytes() for p in _files(t / "out")
                                                  if p.suffix == ".eml"]  # fmt: skip
    assert len(mails) > 10
    for raw in mails:
        assert not [s for s in secrets if s.encode() in raw]
        assert b"two clients' diagnoses" not in raw and b"LEAKSUMMARY" not in raw
        assert b"LEAKREF" not in raw and b"MRN-" not in raw and b"NOTE-LEAK" not in raw
    # nothing readable under the vault, the temp, state and runtime directories
    for path in _files(vault, tmp, state, runtime, t / "second", t / "rehearsal"):
        data = path.read_bytes()
        hit = [m for m in MARKERS if m in data] + [s for s in secrets if s.encode() in data]
        assert not hit, (path, hit)
    # the redacted packet has no document numbers or email addresses
    for path in _files(t / "out" / "packet"):
        data = path.read_bytes()
        assert b"LIC-4" not in data and b"@riverbend.example" not in data, path
        assert b"LEAKREF" not in data and b"NOTE-LEAK" not in data, path
    # file modes: the vault and what ctcm wrote for the user are private to the owner
    for path in [vault, *vault.rglob("*"), *_files(t / "out")]:
        if path.parent == t / "drop" or path.suffix == ".ctcmkey":
            continue  # sealed submissions and the public submission key: 0644, to share
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))
    artifacts = ROOT / "build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "leaks.json").write_text(
        json.dumps(
            {
                "commands": len(ran - {None}),
                "runs": len(run.runs),
                "files_checked": len(_files(vault, tmp, state, runtime, t / "second", t / "out")),
                "emails_checked": len(mails),
                "secrets_checked": len(secrets),
                "leaks": 0,
            },
            indent=2,
        )
        + "\n"
    )
