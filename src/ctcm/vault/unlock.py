"""Finding the data key: session, identity file, passphrase file, passphrase variable, prompt."""

from __future__ import annotations

import contextlib
import getpass
import os
import stat
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from ctcm.environment import Environment
from ctcm.errors import InvalidInput, NotFound, VaultError, VaultLocked, WrongKey
from ctcm.vault import format as fmt
from ctcm.vault.session import (
    KEYRING_SERVICE,
    SessionStore,
    decode_token,
    decode_tokens,
    encode_token,
    live_session_keys,
    runtime_dir,
    usable_backend,
)

IDENTITY_PREFIX = "CTCM-IDENTITY-1:"
MIN_PASSPHRASE = 12


@dataclass(frozen=True, slots=True)
class Unlocked:
    dek: bytes
    slot_id: str
    source: str  # session | identity | passphrase-file | passphrase-env | prompt
    seal: dict[str, Any] | None = None  # a fresher seal of the slot, stored at the next save
    authenticated: bool = True  # False: a vault written before data-key authentication
    signing: bytes = b""  # the slot's signing seed (b"": a session begun by an older ctcm)
    private: bytes = b""  # the slot's own X25519 key: opens secrets sealed to it (SMTP password)


def read_private_file(path: Path, what: str) -> str:
    """Read a secret file, refusing anything but a regular file of ours with mode 0600 or less."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise NotFound(f"{what} {path} does not exist") from None
    except OSError:
        raise VaultError(
            f"cannot open {what} {path} (missing, a symlink, or not permitted)"
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise VaultError(f"{what} {path} is not a regular file")
        if info.st_uid != os.geteuid():
            raise VaultError(f"{what} {path} belongs to another user; refusing it")
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise VaultError(
                f"{what} {path} is readable by group or others; run 'chmod 600 {path}'"
            )
        with os.fdopen(os.dup(fd), "rb") as fh:
            raw = fh.read(1 << 16)
    finally:
        os.close(fd)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise VaultError(f"{what} {path} is not text") from None


def parse_identity(text: str) -> bytes:
    """Return the 32-byte private key from an identity file or a recovery code."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(IDENTITY_PREFIX):
            try:
                raw = fmt.b64d(line[len(IDENTITY_PREFIX) :])
            except ValueError:
                break
            if len(raw) == 32:
                return raw
    recovered = parse_recovery_code(text)
    if recovered is not None:
        return recovered
    raise InvalidInput("not a ctcm identity file (expected a line starting CTCM-IDENTITY-1:)")


def format_identity(private: bytes, vault_id: str, slot_id: str) -> str:
    return (
        f"# ctcm identity for slot {slot_id} of vault {vault_id}. Keep it 0600; it opens "
        f"the vault without a passphrase.\n{IDENTITY_PREFIX}{fmt.b64e(private)}\n"
    )


def format_recovery_code(private: bytes) -> str:
    import base64

    text = base64.b32encode(private).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_code(text: str) -> bytes | None:
    import base64
    import binascii

    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(cleaned) != 52:
        return None
    try:
        raw = base64.b32decode(cleaned + "====")
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def user_slots(header: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in header["slots"] if s.get("type") == "x25519+argon2id"]


def choose_user_slot(header: dict[str, Any], environment: Environment) -> dict[str, Any]:
    """--user / CTCM_USER; else the only user; else the OS login name."""
    users = user_slots(header)
    wanted = environment.user or environment.env.get("CTCM_USER")
    if not wanted:
        if len(users) == 1:
            return users[0]
        with contextlib.suppress(OSError, KeyError):
            wanted = getpass.getuser()
    for slot in users:
        if slot["id"] == f"user:{wanted}":
            return slot
    names = ", ".join(s["id"].removeprefix("user:") for s in users)
    raise WrongKey(f"no user '{wanted}' in this vault (users: {names}); pass --user NAME")


def session_store(
    environment: Environment, header: dict[str, Any], slot_id: str | None = None
) -> SessionStore:
    return SessionStore(
        runtime_dir(dict(environment.env)), header["vault_id"], environment.clock, slot_id
    )


def session_stores(environment: Environment, header: dict[str, Any]) -> list[SessionStore]:
    """The session files to consider: the named user's (``--user`` / ``CTCM_USER``), else
    every user's session of this vault in this OS account."""
    directory = runtime_dir(dict(environment.env))
    every = SessionStore.all_of(directory, header["vault_id"], environment.clock)
    explicit = environment.user or environment.env.get("CTCM_USER")
    if explicit:
        wanted = f"user:{explicit}"
        return [s for s in every if s.slot_id in (wanted, None)]
    return every


def _live_session(environment: Environment, header: dict[str, Any]) -> Any:
    """The one live session that applies, or None; several users' sessions open in this OS
    account with no user named is a question only the person at the keyboard can answer."""
    explicit = environment.user or environment.env.get("CTCM_USER")
    found = []
    for store in session_stores(environment, header):
        key = _session_key(environment, store)
        if key is None:
            continue
        state = store._read(key)
        if state is None or state.expired(store.clock.now()):
            continue
        if state.os_user not in (-1, os.getuid()):
            continue  # opened by another OS account: a copied file is never used
        if explicit and state.slot_id != f"user:{explicit}":
            continue
        if not explicit and not environment.env.get("CTCM_SESSION"):
            _check_shared_account(header, state.slot_id)
        found.append((store, key))
    if len(found) > 1:
        users = ", ".join(sorted(s.slot_id or "?" for s, _ in found))
        raise VaultLocked(
            f"several users have a session open for this vault here ({users}): "
            "say which you are with --user NAME or CTCM_USER"
        )
    if not found:
        return None
    store, key = found[0]
    return store.use(key)


def _check_shared_account(header: dict[str, Any], slot_id: str) -> None:
    """A session found in the OS keyring with no ctcm user named is used silently only when it
    can only be the caller's: the vault's one user, or the user named like the OS login. On an
    OS account shared by several people the next person must say who they are."""
    users = user_slots(header)
    if len(users) <= 1 or not slot_id.startswith("user:"):
        return
    with contextlib.suppress(OSError, KeyError):
        if slot_id == f"user:{getpass.getuser()}":
            return
    name = slot_id.removeprefix("user:")
    raise VaultLocked(
        f"a session of ctcm user {name} is open in this OS account: if you are {name}, say so "
        f"with 'ctcm --user {name} ...' (or CTCM_USER={name}); if not, unlock as yourself "
        "with 'ctcm --user NAME unlock'"
    )


def _session_key(environment: Environment, store: SessionStore) -> bytes | None:
    token = environment.env.get("CTCM_SESSION")
    if token:
        # several vaults' sessions can be active at once: the one that opens this vault's
        return next((key for key in decode_tokens(token) if store.opens(key)), None)
    if not store.path.exists():
        return None  # no session: do not pay for importing and asking the keyring
    backend = _secure_keyring(environment)
    if backend is None:
        return None
    try:
        stored = backend.get_password(KEYRING_SERVICE, store.account)
    except Exception:  # noqa: BLE001 - any keyring failure means "no session here"
        return None
    return decode_token(stored) if stored else None


def _secure_keyring(environment: Environment) -> Any:
    try:
        backend = environment.get_keyring()
    except Exception:  # noqa: BLE001 - an unusable keyring is no keyring
        return None
    if backend is None:
        return None
    return usable_backend(backend, environment.keyring_trust)


def unlock(
    environment: Environment, parsed: fmt.Parsed, pin: tuple[int, str] | None = None
) -> Unlocked:
    """Return the data key from the first available source, or raise VaultLocked/WrongKey.

    A key from a slot secret is proved authentic (``fmt.open_slot``; ``pin`` is what this
    machine saw last); a session's key was proved when the session began, and a file written
    under another data key does not decrypt with it.
    """
    header = parsed.header
    vault_id = header["vault_id"]

    with contextlib.suppress(OSError):
        from ctcm.environment import RehearsalClock
        from ctcm.vault.session import remove_expired

        clock = environment.clock  # a rehearsal's date never ends a real session
        real = clock.base if isinstance(clock, RehearsalClock) else clock
        remove_expired(runtime_dir(dict(environment.env)), real.now())
    with contextlib.suppress(PermissionError, OSError):
        state = _live_session(environment, header)
        if state is not None:
            return Unlocked(
                state.dek,
                state.slot_id,
                "session",
                signing=state.signing,
                private=state.private,
            )

    identity = environment.identity or (
        Path(environment.env["CTCM_IDENTITY_FILE"])
        if environment.env.get("CTCM_IDENTITY_FILE")
        else None
    )
    if identity is not None:
        private = parse_identity(read_private_file(identity, "identity file"))
        slot = fmt.find_slot_by_private(header, private)
        return _opened(fmt.open_slot(header, slot, private, pin), "identity", private)

    slot = choose_user_slot(header, environment)  # an unknown --user fails before any prompt
    env = environment.env
    if (
        env.get("CTCM_SESSION")
        and not environment.interactive
        and not (env.get("CTCM_PASSPHRASE_FILE") or env.get("CTCM_PASSPHRASE"))
    ):
        raise VaultLocked(
            "the vault is locked: the session in CTCM_SESSION belongs to another vault or has "
            "ended; run 'ctcm unlock' for this vault too (sessions of several vaults can be "
            "active at once), or set CTCM_IDENTITY_FILE or CTCM_PASSPHRASE_FILE"
        )
    passphrase, source = read_passphrase(environment, "Passphrase")
    private = fmt.user_private_key(slot, passphrase, vault_id)
    return _opened(fmt.open_slot(header, slot, private, pin), source, private)


def unlock_own_slot(
    environment: Environment, parsed: fmt.Parsed, pin: tuple[int, str] | None = None
) -> Unlocked:
    """A user's own slot opened with its passphrase, never a session (``user passwd``: on a
    shared OS account another user's session may be open). The user is --user / CTCM_USER, the
    only user, or the OS login name; when none of those is a user (a new user on a shared
    account), the passphrase typed finds its slot."""
    header = parsed.header
    users = user_slots(header)
    wanted = environment.user or environment.env.get("CTCM_USER")
    names = [s["id"].removeprefix("user:") for s in users]
    if wanted and f"user:{wanted}" not in {s["id"] for s in users}:
        raise WrongKey(
            f"no user '{wanted}' in this vault (users: {', '.join(names)}); name yours: "
            "ctcm --user NAME user passwd"
        )
    if not wanted and len(users) == 1:
        wanted = names[0]
    if not wanted:
        with contextlib.suppress(OSError, KeyError):
            login = getpass.getuser()
            wanted = login if login in names else None
    prompt = (
        f"Current passphrase for {wanted}"
        if wanted
        else ("Your passphrase (your one-time enrolment passphrase if you are new)")
    )
    passphrase, source = read_passphrase(environment, prompt)
    for slot in users:
        if wanted and slot["id"] != f"user:{wanted}":
            continue
        try:
            private = fmt.user_private_key(slot, passphrase, header["vault_id"])
        except WrongKey:
            continue
        return _opened(fmt.open_slot(header, slot, private, pin), source, private)
    who = f"user {wanted}" if wanted else "any user of this vault"
    raise WrongKey(
        f"that passphrase does not open {who}; name yours: ctcm --user NAME user passwd "
        f"(users: {', '.join(names)})"
    )


def _opened(result: fmt.SlotOpened, source: str, private: bytes = b"") -> Unlocked:
    return Unlocked(
        result.dek,
        result.slot_id,
        source,
        result.seal,
        result.authenticated,
        result.signing,
        private,
    )


def read_passphrase(
    environment: Environment, prompt: str, confirm: bool = False
) -> tuple[str, str]:
    """CTCM_PASSPHRASE_FILE, CTCM_PASSPHRASE, or a hidden prompt at a terminal."""
    env = environment.env
    if env.get("CTCM_PASSPHRASE_FILE"):
        text = read_private_file(Path(env["CTCM_PASSPHRASE_FILE"]), "passphrase file")
        return text.splitlines()[0] if text else "", "passphrase-file"
    if env.get("CTCM_PASSPHRASE"):
        return env["CTCM_PASSPHRASE"], "passphrase-env"
    if not environment.interactive:
        raise VaultLocked(
            "the vault is locked and no key is available without a prompt: run 'ctcm unlock' "
            "in this shell first, or for unattended runs set CTCM_IDENTITY_FILE (a service "
            "identity from 'ctcm slot add-service') or CTCM_PASSPHRASE_FILE (a 0600 file)"
        )
    first = environment.prompt_secret(f"{prompt}: ")
    if confirm and environment.prompt_secret(f"{prompt} (again): ") != first:
        raise InvalidInput("the two passphrases differ")
    return first, "prompt"


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(f"the passphrase must have at least {MIN_PASSPHRASE} characters")


def start_session(
    environment: Environment,
    parsed: fmt.Parsed,
    unlocked: Unlocked,
    idle: timedelta,
    maximum: timedelta,
) -> tuple[str | None, bool]:
    """Create a session; return (token to export or None, whether the keyring holds it)."""
    store = session_store(environment, parsed.header, unlocked.slot_id)
    key = store.create(
        unlocked.dek, unlocked.slot_id, idle, maximum, unlocked.signing, unlocked.private
    )
    token = encode_token(key)
    # Keep the shell's sessions of other vaults: unlocking one never ends another.
    others = decode_tokens(environment.env.get("CTCM_SESSION", ""))
    others = [k for k in live_session_keys(store.path.parent, others) if k != key]
    if others:
        token = ",".join([token, *(encode_token(k) for k in others[:7])])
    backend = _secure_keyring(environment)
    if backend is not None:
        try:
            backend.set_password(KEYRING_SERVICE, store.account, token)
            return None, True
        except Exception:  # noqa: BLE001 - fall back to the exported token
            pass
    return token, False


def end_session(environment: Environment, parsed: fmt.Parsed, everyone: bool = False) -> bool:
    """End the caller's session of this vault: the named user's, or with no user named the one
    session open in this OS account; ``everyone`` (an admin's ``lock --all``) ends them all.
    With several users' sessions open and no user named, which is the caller's is a question:
    refused, nothing ended."""
    header = parsed.header
    stores = (
        SessionStore.all_of(
            runtime_dir(dict(environment.env)), header["vault_id"], environment.clock
        )
        if everyone
        else session_stores(environment, header)
    )
    explicit = environment.user or environment.env.get("CTCM_USER")
    if not explicit and not everyone:
        open_ = sorted({s.slot_id or "" for s in stores if s.path.exists()})
        if len(open_) > 1:
            names = ", ".join(x.removeprefix("user:") or "(unnamed)" for x in open_)
            raise InvalidInput(
                f"sessions of several users are open in this account ({names}): "
                "'ctcm lock --user NAME' ends yours; 'ctcm lock --all' ends them all (an admin)"
            )
    ended = [store.end() for store in stores]
    backend = _secure_keyring(environment) if stores else None
    if backend is not None:
        for store in stores:
            with contextlib.suppress(Exception):
                backend.delete_password(KEYRING_SERVICE, store.account)
    return any(ended)
