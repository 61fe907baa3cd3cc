"""The policies and procedures manual: its questions, the practice's answers, and rendering the
templates (templates/manual/, overridable in the vault's templates/manual/) into policies.

A template never renders with an unanswered question: every template is first rendered with an
undefined that records what it reached, and any answer missing is reported by name (with its
question) before anything is written. The real render then runs with StrictUndefined.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ctcm.domain.credentials import check_text
from ctcm.domain.manual import Section
from ctcm.errors import InvalidInput, NotFound
from ctcm.services.practice import Practice

TYPES = ("text", "yesno", "number", "list", "choice")
_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    ask: str
    type: str
    options: tuple[str, ...] = ()
    suggest: str | None = None
    recommend: str | None = None

    def parse(self, raw: Any) -> Any:
        """A typed answer from text (``manual set``, the prompt) or a native TOML/YAML value."""
        what = f"answer to {self.key}"
        if self.type == "yesno":
            if isinstance(raw, bool):
                return raw
            word = str(raw).strip().lower()
            if word in _YES | _NO:
                return word in _YES
            raise InvalidInput(f"{what} must be yes or no, not {raw!r}")
        if self.type == "number":
            if isinstance(raw, bool):
                raise InvalidInput(f"{what} must be a whole number")
            try:
                value = int(str(raw).strip())
            except ValueError:
                raise InvalidInput(f"{what} must be a whole number, not {raw!r}") from None
            if not 0 <= value <= 100_000:
                raise InvalidInput(f"{what} must be between 0 and 100000")
            return value
        if self.type == "list":
            if isinstance(raw, list):
                items = [str(i) for i in raw]
            else:
                text = str(raw)
                items = text.split(";") if ";" in text else text.split(",")
            items = [i.strip() for i in items if i.strip()]
            if [i.lower() for i in items] == ["none"]:
                return []
            return [check_text(i, what, 200) for i in items]
        value = check_text(str(raw), what, 500)
        if self.type == "choice" and value not in self.options:
            raise InvalidInput(f"{what} must be one of {', '.join(self.options)}, not {value!r}")
        return value

    def show(self, value: Any) -> str:
        if value is None:
            return ""
        if self.type == "yesno":
            return "yes" if value else "no"
        if self.type == "list":
            return ", ".join(value) if value else "none"
        return str(value)


@functools.cache
def questions() -> dict[str, Question]:
    """The catalog, parsed once per process (``manual answers`` looks up every question)."""
    from importlib import resources

    text = (resources.files("ctcm") / "catalog" / "manual-questions.toml").read_text()
    out = {}
    for q in tomllib.loads(text)["questions"]:
        assert q["type"] in TYPES, q
        out[q["key"]] = Question(
            q["key"],
            q["ask"],
            q["type"],
            tuple(q.get("options", ())),
            q.get("suggest"),
            q.get("recommend"),
        )
    return out


def get_question(key: str) -> Question:
    qs = questions()
    if key not in qs:
        raise NotFound(f"no manual question {key!r} (see: ctcm manual answers)")
    return qs[key]


# ---------------------------------------------------------------------------- answers


def set_answers(p: Practice, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check every answer first, then store them all (or none). ``None`` clears an answer."""
    qs = questions()
    unknown = sorted(k for k in raw if k not in qs)
    if unknown:
        raise InvalidInput(f"unknown manual question(s): {', '.join(unknown)}")
    values = {k: None if v is None else qs[k].parse(v) for k, v in raw.items()}
    p.repo.set_manual_answers(values, p.now_iso, p.actor)
    p.touch(*(f"manual-answer:{k}" for k in values))
    return values


def read_answer_file(path: Path) -> dict[str, Any]:
    """A TOML or YAML file of answers (a flat table, or one under ``[answers]``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidInput(f"cannot read {path}: {getattr(err, 'strerror', None) or err}") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            data = tomllib.loads(text)
    except Exception as err:  # noqa: BLE001 - any parse error is the file's fault
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InvalidInput(
            f"{path}: not valid {path.suffix.lstrip('.').upper() or 'TOML'}: {first}"
        ) from None
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):
        data = data["answers"]
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: expected a table of question = answer")
    return {str(k): v for k, v in data.items()}


def suggestion(p: Practice, q: Question, answers: Mapping[str, Any]) -> tuple[str, str] | None:
    """An answer ctcm already knows (and where from), else the recommended value, else None."""
    source, _, arg = (q.suggest or "").partition(":")
    value: str | None = None
    where = ""
    if source == "setting":
        value, where = p.settings.get(arg) or None, "practice settings"
    elif source.startswith("officer"):
        wanted = p.settings.get(arg)
        person = next((x for x in p.repo.people() if x.id == wanted), None) if wanted else None
        if person is not None:
            named = f"{person.name}, {person.title}" if person.title else person.name
            phone = p.settings.get("contact.phone")
            if source == "officer-review":
                value = f"{person.name}, monthly"
            elif source == "officer-contact":
                value = f"tell {person.name} at once, in person or by phone" + (
                    f" ({phone})" if phone else ""
                )
            else:
                value = named
            where = f"the {arg.replace('_', ' ')} in the practice settings"
    elif source == "people" and arg == "solo":
        active = p.repo.people(active_only=True)
        if active:
            value, where = ("yes" if len(active) == 1 else "no"), f"{len(active)} active people"
    elif source in ("vendor", "vendors"):
        pattern = re.compile(arg, re.IGNORECASE)
        names = [
            v.name
            for v in p.repo.vendors().values()
            if pattern.search(v.service) or pattern.search(v.name)
        ]
        if names:
            value = names[0] if source == "vendor" else ", ".join(names)
            where = "the vendor list"
    elif source == "answers":
        known = [str(answers[k]) for k in arg.split(",") if answers.get(k)]
        if known:
            value, where = ", ".join(known), "your other answers"
    if value:
        return value, where
    if q.recommend:
        return q.recommend, "recommended"
    return None


# ---------------------------------------------------------------------------- templates


def _and_list(items: Sequence[Any], last: str = "and") -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def environment(p: Practice, undefined: Any = None) -> Any:
    from ctcm.render.templates import make_environment

    env = make_environment(p.vault.root / "templates", undefined)
    env.filters["and_list"] = _and_list
    env.filters["sentence"] = _sentence
    return env


def _sentence(value: Any) -> str:
    """An answer that starts a sentence: its first letter upper-case."""
    text = str(value)
    return text[:1].upper() + text[1:]


def template_names(env: Any) -> list[str]:
    """The manual's policies: every ``manual/*.md.j2`` not starting with ``_``, shipped or
    added by the practice, in file-name order."""
    names = {
        n
        for n in env.list_templates()
        if n.startswith("manual/") and n.endswith(".md.j2") and n.split("/")[-1][:1] != "_"
    }
    return sorted(names, key=lambda n: n.split("/")[-1])


def _recorder() -> Any:
    from jinja2 import StrictUndefined

    class Recorder(StrictUndefined):
        """Renders as nothing, and remembers every unanswered name a template reached."""

        seen: set[str] = set()

        def _note(self) -> None:
            self.seen.add(str(self._undefined_name))

        def __str__(self) -> str:
            self._note()
            return ""

        def __bool__(self) -> bool:
            self._note()
            return False

        def __iter__(self) -> Any:
            self._note()
            return iter(())

        def __len__(self) -> int:
            self._note()
            return 0

        def __eq__(self, other: object) -> bool:
            self._note()
            return False

        def __ne__(self, other: object) -> bool:
            self._note()
            return True

        __hash__ = object.__hash__

    Recorder.seen = set()
    return Recorder


class MissingAnswers(InvalidInput):
    """Some template reached a question the practice has not answered."""


def missing_answers(
    p: Practice, answers: Mapping[str, Any], facts: Mapping[str, Any] | None = None
) -> list[str]:
    """The questions some template needs and the practice has not answered, sorted.
    ``facts``: what the record provides (areas/manual/facts.py), read once by the caller."""
    from jinja2 import TemplateError

    from ctcm.areas.manual.facts import record_facts

    context = {**answers, **(facts if facts is not None else record_facts(p))}
    recorder = _recorder()
    env = environment(p, recorder)
    for name in template_names(env):
        try:
            env.get_template(name).render(**context)
        except TemplateError as err:
            found = re.search(r"'([^']+)' is undefined", str(err))
            if found:
                recorder.seen.add(found[1])
            else:
                from ctcm.render.templates import TemplateProblem

                raise TemplateProblem(f"template {name}: {err}") from None
    return sorted(recorder.seen)


def describe_missing(missing: Sequence[str]) -> str:
    qs = questions()
    parts = [f"{k} ({qs[k].ask})" if k in qs else k for k in missing]
    return (
        f"the manual needs {len(missing)} more answer(s): {'; '.join(parts)}. "
        "Answer them with ctcm manual configure, ctcm manual set KEY VALUE or ctcm manual import"
    )


_RULE = re.compile(r"^\*\*Rule:\*\*\s*(.+?)\s*$", re.MULTILINE)
_TITLE = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)


def render_sections(p: Practice) -> list[Section]:
    """Every policy rendered from the practice's answers; refuses while any answer is missing."""
    from ctcm.areas.manual.facts import normalise_answers, record_facts
    from ctcm.render.templates import render

    answers = p.repo.manual_answers()
    facts = record_facts(p)  # read once: the same for every policy
    missing = missing_answers(p, answers, facts)
    if missing:
        raise MissingAnswers(describe_missing(missing))
    env = environment(p)
    text_keys = {q.key for q in questions().values() if q.type == "text"}
    context = {**normalise_answers(dict(answers), text_keys), **facts}
    sections = []
    for name in template_names(env):
        text = render(env, name, context)
        slug = name.split("/")[-1].removesuffix(".md.j2")
        title = _TITLE.search(text)
        rule = _RULE.search(text)
        sections.append(
            Section(slug, title[1] if title else slug, rule[1] if rule else "(no rule cited)", text)
        )
    p.touch("manual:render")
    return sections


# ---------------------------------------------------------------------------- output


@dataclass(frozen=True, slots=True)
class Heading:
    """What every page of a rendered manual says about itself."""

    practice: str
    status: str  # "Version 2, in force since 1 March 2026" | "DRAFT: not adopted ..."
    draft: bool
    # an adopted version: version, effective, adopted_on, by, role, sha256 (the adoption page)
    adoption: dict[str, Any] | None = None


def _demote(text: str) -> str:
    """A policy inside the one document: its headings one level down (the document's title is
    the only level-one heading)."""
    return re.sub(r"^(#+) ", lambda m: "#" + m[1] + " ", text, flags=re.MULTILINE)


def markdown_to_html(text: str) -> Any:
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    return Markup(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))


def manual_files(
    p: Practice, sections: Sequence[Section], heading: Heading, fmt: str, single: bool = False
) -> list[tuple[str, str]]:
    """(file name, text): one file per policy plus an index (HTML pages self-contained), or
    with ``single`` one printable document (contents, the adoption page with its signature
    block, every policy)."""
    from ctcm.render.templates import render

    if fmt not in ("md", "html"):
        raise InvalidInput("--format must be md or html")
    env = environment(p)
    pages = [
        {"file": f"{s.slug}.{fmt}", "slug": s.slug, "title": s.title, "rule": s.rule}
        for s in sections
    ]
    common = {"practice": heading.practice, "status": heading.status, "draft": heading.draft,
              "adoption": heading.adoption}  # fmt: skip
    if single:
        bodies = [
            {
                **page,
                "body": markdown_to_html(_demote(s.text)) if fmt == "html" else _demote(s.text),
            }
            for page, s in zip(pages, sections, strict=True)
        ]
        return [
            (f"manual.{fmt}", render(env, f"manual/_book.{fmt}.j2", {**common, "pages": bodies}))
        ]
    files = [(f"index.{fmt}", render(env, f"manual/_index.{fmt}.j2", {**common, "pages": pages}))]
    for page, s in zip(pages, sections, strict=True):
        body = markdown_to_html(s.text) if fmt == "html" else s.text
        context = {**common, "page": page, "body": body}
        files.append((page["file"], render(env, f"manual/_page.{fmt}.j2", context)))
    return files
