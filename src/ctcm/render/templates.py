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


def make_environment(override_dir: Path | None, undefined: Any = None) -> Any:
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from ctcm.resources import shipped_dir

    loaders = []
    if override_dir is not None and override_dir.is_dir():
        loaders.append(FileSystemLoader(str(override_dir)))
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
        return str(env.get_template(name).render(**context))
    except TemplateError as err:
        raise TemplateProblem(f"template {_where(err, name)}: {err.message or err}") from None
    except (TypeError, ValueError, AttributeError, KeyError) as err:
        raise TemplateProblem(f"template {_where(err, name)}: {err}") from None


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
