"""Jinja templates for messages and reports.

Templates ship in templates/ and a practice may override any of them with a file of the same
name under ``<vault>/templates/``. Every template runs in Jinja's SandboxedEnvironment with
StrictUndefined (a misspelt variable is an error, never an empty string) and autoescaping for
``*.html.j2``. Services build the view models; templates only loop and branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ctcm.errors import CtcmError


class TemplateProblem(CtcmError):
    """A template that does not parse or render: names the file and line."""


def _autoescape(name: str | None) -> bool:
    return bool(name) and (name.endswith(".html.j2") or name.endswith(".html"))  # type: ignore[union-attr]


MAX_TEMPLATE = 256 << 10  # an override larger than this is not a template
MAX_OUTPUT = 8 << 20  # a render larger than this is refused (a runaway template)


def _override_loader(root: Path) -> Any:
    """The practice's overrides (``<vault>/templates``), read safely: a symlink anywhere under
    the folder, a file of another OS user, a file open to others' writes or an oversized file
    is refused with one line (a symlinked template would mail out any file the running user can
    read); a missing one falls through to the shipped template."""
    import os
    import stat

    from jinja2 import BaseLoader, TemplateNotFound

    class OverrideLoader(BaseLoader):
        def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
            parts = [p for p in template.split("/") if p]
            if any(p in (".", "..") for p in parts):
                raise TemplateNotFound(template)
            path = root
            for part in parts:
                path = path / part
                try:
                    info = os.lstat(path)
                except FileNotFoundError:
                    raise TemplateNotFound(template) from None
                if stat.S_ISLNK(info.st_mode):
                    raise TemplateProblem(f"template override {path} is a symlink: refused")
            if not stat.S_ISREG(info.st_mode):
                raise TemplateProblem(f"template override {path} is not a regular file")
            if info.st_uid != os.geteuid():
                raise TemplateProblem(f"template override {path} belongs to another user")
            if stat.S_IMODE(info.st_mode) & 0o022:
                raise TemplateProblem(
                    f"template override {path} can be changed by others; run 'chmod go-w {path}'"
                )
            if info.st_size > MAX_TEMPLATE:
                raise TemplateProblem(f"template override {path} is larger than 256 KiB")
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as fh:
                raw = fh.read(MAX_TEMPLATE + 1)
            try:
                source = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise TemplateProblem(f"template override {path} is not UTF-8 text") from None
            mtime = info.st_mtime
            return (
                source,
                str(path),
                lambda: os.path.exists(path) and os.lstat(path).st_mtime == mtime,
            )

        def list_templates(self) -> list[str]:
            found = []
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                dirnames[:] = [d for d in dirnames if not (Path(dirpath) / d).is_symlink()]
                for name in filenames:
                    found.append(str((Path(dirpath) / name).relative_to(root)))
            return sorted(found)

    return OverrideLoader()


def make_environment(override_dir: Path | None, undefined: Any = None) -> Any:
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from ctcm.resources import shipped_dir

    loaders = []
    if override_dir is not None and override_dir.is_dir():
        if override_dir.is_symlink():
            raise TemplateProblem(f"the template folder {override_dir} is a symlink: refused")
        loaders.append(_override_loader(override_dir))
    loaders.append(FileSystemLoader(str(shipped_dir("templates"))))
    return SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=undefined or StrictUndefined,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _where(err: BaseException, name: str) -> str:
    """``file:line`` of a template error (syntax errors carry it; render errors are found in
    the traceback frames Jinja rewrites to point at template lines)."""
    filename = getattr(err, "filename", None)
    lineno = getattr(err, "lineno", None)
    if filename is None:
        tb = err.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code.co_filename
            if code.endswith(".j2"):
                filename, lineno = code, tb.tb_lineno
            tb = tb.tb_next
    return f"{filename or name}:{lineno or '?'}"


def render(env: Any, name: str, context: dict[str, Any]) -> str:
    from jinja2 import TemplateError

    try:
        out = _bounded(env.get_template(name), context, name)
    except TemplateError as err:
        raise TemplateProblem(f"template {_where(err, name)}: {err.message or err}") from None
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as err:
        raise TemplateProblem(f"template {_where(err, name)}: {err}") from None
    return out


RENDER_SECONDS = 15  # a template still rendering after this is a runaway


class _Overtime(Exception):
    pass


def _bounded(template: Any, context: dict[str, Any], name: str) -> str:
    """Render with a size and a time budget: output is counted as it is produced, and a timer
    (in the main thread, when no other timer runs) ends a loop that produces nothing."""
    import signal
    import threading
    import time

    timer = (
        threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    previous = None
    if timer:

        def overtime(signum: int, frame: Any) -> None:
            raise _Overtime

        previous = signal.signal(signal.SIGALRM, overtime)
        signal.setitimer(signal.ITIMER_REAL, RENDER_SECONDS)
    started, size, pieces = time.monotonic(), 0, []
    try:
        for piece in template.generate(**context):
            size += len(piece)
            pieces.append(piece)
            if size > MAX_OUTPUT:
                raise TemplateProblem(f"template {name} rendered more than 8 MiB: refused")
            if time.monotonic() - started > RENDER_SECONDS:
                raise _Overtime
    except _Overtime:
        raise TemplateProblem(
            f"template {name} was still rendering after {RENDER_SECONDS} s: refused"
        ) from None
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
    return "".join(pieces)


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(env: Any, kind: str, context: dict[str, Any]) -> RenderedEmail:
    subject = " ".join(render(env, f"email/{kind}.subject.j2", context).split())
    return RenderedEmail(
        subject,
        render(env, f"email/{kind}.txt.j2", context),
        render(env, f"email/{kind}.html.j2", context),
    )


@dataclass(frozen=True, slots=True)
class TemplateSet:
    """Which templates made an output: a digest of every template under a folder as the
    environment loads it (the practice's override in place of the shipped one), and the names
    overridden with each override's SHA-256."""

    digest: str  # 16 hex digits
    overrides: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        mine = ", ".join(f"{name} {sha[:12]}" for name, sha in self.overrides)
        return f"templates {self.digest}" + (f" (overridden: {mine})" if mine else "")


def template_set(env: Any, folder: str) -> TemplateSet:
    import hashlib

    from ctcm.resources import shipped_dir

    shipped = str(shipped_dir("templates"))
    lines, overrides = [], []
    for name in sorted(set(env.list_templates())):
        if not name.startswith(folder + "/"):
            continue
        source, filename, _ = env.loader.get_source(env, name)
        sha = hashlib.sha256(source.encode()).hexdigest()
        lines.append(f"{name} {sha}")
        if filename and not filename.startswith(shipped):
            overrides.append((name, sha))
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
    return TemplateSet(digest, tuple(overrides))


EMAIL_KINDS = ("reminder", "status", "digest", "test", "awareness", "escalation")


def check_templates(env: Any, samples: dict[str, dict[str, Any]]) -> list[str]:
    """Render every message template with sample data; return one line per problem."""
    problems = []
    for kind in EMAIL_KINDS:
        for part in ("subject", "txt", "html"):
            try:
                render(env, f"email/{kind}.{part}.j2", samples[kind])
            except TemplateProblem as err:
                problems.append(str(err))
    return problems
