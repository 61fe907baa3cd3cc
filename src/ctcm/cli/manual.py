"""``ctcm manual``: the policies and procedures manual (never "policy": in ctcm a policy is a
compliance policy, the documents a category of personnel must hold)."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened, write_private
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="The policies and procedures manual: answers, render, adopt, versions, acknowledgments.",
    no_args_is_help=True,
)

VersionOpt = Annotated[int | None, typer.Option("--version", "-V", help="A version number.")]


@app.command("configure")
def configure(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Ask answered questions again too.")] = False,
) -> None:
    """Answer the manual's questions at the terminal; stop any time (Ctrl-C), answers so far
    are kept and the next run continues where you stopped. Enter takes the offered answer;
    an empty line with nothing offered skips the question.

    Example: ctcm manual configure
    """
    from ctcm.areas.manual.service import questions, set_answers, suggestion
    from ctcm.errors import CtcmError, InvalidInput

    actx = app_context(ctx)
    if not actx.environment.interactive:
        raise InvalidInput(
            "ctcm manual configure needs a terminal; use ctcm manual set KEY VALUE or "
            "ctcm manual import FILE"
        )
    saved = 0
    with opened(ctx, "manual configure") as p:
        answers = p.repo.manual_answers()
        todo = [q for q in questions().values() if all_ or q.key not in answers]
        actx.say(
            f"{len(todo)} question(s) to answer. Ctrl-C stops; what you answered is kept."
            if todo
            else "Every question is answered (ctcm manual configure --all asks them again)."
        )
        try:
            for n, q in enumerate(todo, start=1):
                offer = suggestion(p, q, answers)
                known = q.show(answers[q.key]) if q.key in answers else None
                default = known or (offer[0] if offer else None)
                hint = f" [{q.type}{': ' + ' / '.join(q.options) if q.options else ''}]"
                if offer and not known:
                    hint += f" (offered from {offer[1]})"
                while True:
                    raw = typer.prompt(
                        f"[{n}/{len(todo)}] {q.ask}{hint}", default=default or "", err=True
                    )
                    if not str(raw).strip():
                        break  # skipped: still unanswered
                    try:
                        stored = set_answers(p, {q.key: raw})
                    except CtcmError as err:
                        typer.echo(f"  {err}", err=True)
                        continue
                    answers[q.key] = stored[q.key]
                    saved += 1
                    break
        except (KeyboardInterrupt, typer.Abort, EOFError):
            actx.say("\nStopped; run ctcm manual configure again to continue.")
    actx.say(f"Saved {saved} answer(s). Next: ctcm manual answers --missing, ctcm manual render.")


@app.command("set")
def set_(ctx: typer.Context, key: str, value: str) -> None:
    """Answer one question (yes/no, a number, a comma-separated list, or text; 'none' for an
    empty list).

    Example: ctcm manual set screen_lock_minutes 10
    """
    from ctcm.areas.manual.service import get_question, set_answers

    q = get_question(key)
    with opened(ctx, "manual set") as p:
        stored = set_answers(p, {key: value})
    app_context(ctx).say(f"{key} = {q.show(stored[key])}")


@app.command("import")
def import_(ctx: typer.Context, file: Path) -> None:
    """Set answers from a TOML or YAML file of ``key = value`` (all checked before any is kept).

    Example: ctcm manual import answers.toml
    """
    from ctcm.areas.manual.service import read_answer_file, set_answers

    raw = read_answer_file(file)
    with opened(ctx, "manual import") as p:
        stored = set_answers(p, raw)
    app_context(ctx).say(f"Imported {len(stored)} answer(s) from {file}.")


@app.command("answers")
def answers(
    ctx: typer.Context,
    missing: Annotated[
        bool, typer.Option("--missing", help="Only the answers the manual still needs.")
    ] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The questions with the practice's answers, and which ones the manual still needs.

    Example: ctcm manual answers --missing
    """
    from ctcm.areas.manual.service import missing_answers, questions

    with opened(ctx, "manual answers", write=False) as p:
        given = p.repo.manual_answers()
        needed = set(missing_answers(p, given))
        p.touch("manual:answers")
    data = [
        {
            "key": q.key,
            "question": q.ask,
            "type": q.type,
            "answer": given.get(q.key),
            "needed": q.key in needed,
        }
        for q in questions().values()
        if not missing or q.key in needed
    ]
    rows = [[d["key"], "NEEDED" if d["needed"] else "", d["question"], q_show(d)] for d in data]
    footer = (
        f"The manual needs {len(needed)} more answer(s)."
        if needed
        else "Every answer the manual needs is given."
    )
    view = View(data, ["key", "needed", "question", "answer"], rows, footer=footer)
    app_context(ctx).show(view, fmt)


def q_show(d: dict) -> str:  # type: ignore[type-arg]
    from ctcm.areas.manual.service import get_question

    return get_question(d["key"]).show(d["answer"]) if d["answer"] is not None else ""


@app.command("render")
def render(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory for the files (created).")],
    fmt: Annotated[str, typer.Option("--format", help="md or html.")] = "html",
    version: VersionOpt = None,
    single: Annotated[
        bool,
        typer.Option(
            "--single",
            help="One printable document (contents, adoption page and signature block, every "
            "policy) instead of a file per policy.",
        ),
    ] = False,
) -> None:
    """Write the manual, one file per policy plus an index: the current answers (marked DRAFT
    unless exactly what was adopted), or a stored --version.

    Example: ctcm manual render --format html --out manual/

    Example: ctcm manual render --single --version 2 --out print/
    """
    from ctcm.areas.manual.versions import export_version
    from ctcm.errors import InvalidInput

    if fmt not in ("md", "html"):
        raise InvalidInput("--format must be md or html")
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"--out {out} exists and is not a directory")
    from ctcm.areas.manual.facts import contradictions

    with opened(ctx, "manual render", write=False) as p:
        files, status = export_version(p, version, fmt, single)
        planned = contradictions(p) if version is None else []
    try:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as err:
        raise InvalidInput(f"cannot create {out}: {err.strerror}") from None
    for name, text in files:
        write_private(out / name, text.encode("utf-8"))
    actx = app_context(ctx)
    actx.say(f"Wrote {len(files)} files to {out} ({status}); open {out / files[0][0]}.")
    if planned:  # where the vault says no, the manual states the plan, not the claim
        actx.say(
            "The vault shows these are not in place, so the manual states the plan instead of "
            "claiming them: " + "; ".join(planned) + "."
        )


@app.command("adopt")
def adopt(
    ctx: typer.Context,
    effective: Annotated[
        str | None, typer.Option("--effective", metavar="YYYY-MM-DD", help="Default: today.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="PERSON who adopts it (the adoption page names them, their role and a "
            "signature line). Default: your own person record.",
        ),
    ] = None,
) -> None:
    """Adopt the manual as the current answers render it, as a new version. Earlier versions
    are kept (six years after they stop being in effect); everyone who must acknowledge the
    manual is due again.

    Example: ctcm manual adopt --by amartinez --effective 2026-12-01 --note "yearly review"
    """
    from ctcm.areas.manual.versions import adopt as do_adopt
    from ctcm.areas.manual.versions import adopter
    from ctcm.domain.dates import parse_optional_date

    day = parse_optional_date(effective, "--effective")
    with opened(ctx, "manual adopt") as p:
        v = do_adopt(p, day, note, by)
        name, role = adopter(p, v.adopted_by)
    actx = app_context(ctx)
    actx.say(
        f"Adopted manual version {v.number} ({v.policies} policies, sha256 "
        f"{v.content_hash[:12]}) by {name} ({role}), effective {v.effective}. Staff acknowledge "
        "it with ctcm manual ack PERSON; see who is due with ctcm manual acks."
    )
    if "not the designated" in role or "no person named" in role:
        actx.say(
            f"warning: {name} is not the practice's designated security or privacy official; "
            "name the official with --by (ctcm practice set --security-officer PERSON)"
        )


@app.command("versions")
def versions(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Every adopted version: in force, scheduled or retired, and how long it is kept.

    Example: ctcm manual versions
    """
    from ctcm.areas.manual.versions import states

    with opened(ctx, "manual versions", write=False) as p:
        rows_ = states(p)
        acks = p.repo.manual_acks()
    counts: dict[int, int] = {}
    for _, n in acks:
        counts[n] = counts.get(n, 0) + 1
    data = [
        {
            "version": s.version.number,
            "state": s.state,
            "effective": s.version.effective.isoformat(),
            "retired_on": s.retired_on.isoformat() if s.retired_on else None,
            "keep_until": s.keep_until.isoformat() if s.keep_until else None,
            "adopted_on": s.version.adopted_on.isoformat(),
            "adopted_by": s.version.adopted_by,
            "policies": s.version.policies,
            "acknowledgments": counts.get(s.version.number, 0),
            "sha256": s.version.content_hash,
            "note": s.version.note,
        }
        for s in rows_
    ]
    cols = ["version", "state", "effective", "retired_on", "keep_until", "adopted_by"]
    rows = [[*(d[c] for c in cols), d["acknowledgments"], d["note"] or ""] for d in data]
    footer = None if data else "No version adopted yet (ctcm manual adopt)."
    view = View(data, [*cols, "acks", "note"], rows, status_column=None, footer=footer)
    app_context(ctx).show(view, fmt)


@app.command("show")
def show(
    ctx: typer.Context,
    version: int,
    policy: Annotated[str | None, typer.Option("--policy", help="One policy (file name).")] = None,
) -> None:
    """Print a stored version as Markdown (or one of its policies).

    Example: ctcm manual show 1 --policy 08-passwords-mfa
    """
    from ctcm.areas.manual.versions import read_sections_for_show
    from ctcm.errors import NotFound

    with opened(ctx, "manual show", write=False) as p:
        head, sections = read_sections_for_show(p, version)
    if policy is not None:
        sections = [s for s in sections if s.slug == policy]
        if not sections:
            raise NotFound(f"version {version} has no policy {policy!r}")
    typer.echo(f"{head.practice}: policies and procedures manual. {head.status}\n")
    for s in sections:
        typer.echo(s.text.rstrip("\n") + "\n")


@app.command("diff")
def diff(
    ctx: typer.Context,
    old: int,
    new: Annotated[int | None, typer.Argument(help="Default: the current answers.")] = None,
) -> None:
    """What changed between two versions, policy by policy (or from a version to what the
    current answers would adopt).

    Example: ctcm manual diff 1 2
    """
    from ctcm.areas.manual.versions import diff as do_diff

    with opened(ctx, "manual diff", write=False) as p:
        lines = do_diff(p, old, new)
    typer.echo("\n".join(lines))


@app.command("ack")
def ack(
    ctx: typer.Context,
    person: str,
    version: VersionOpt = None,
    date: Annotated[
        str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="When signed (today).")
    ] = None,
) -> None:
    """Record that a person read and acknowledged the manual (the version in force).

    Example: ctcm manual ack bchen --date 2026-03-04
    """
    from ctcm.areas.manual.versions import acknowledge
    from ctcm.domain.dates import parse_optional_date

    day = parse_optional_date(date, "--date")
    with opened(ctx, "manual ack") as p:
        v = acknowledge(p, person, version, day)
    app_context(ctx).say(f"{person} acknowledged manual version {v.number}.")


@app.command("ack-import")
def ack_import(ctx: typer.Context, file: Path) -> None:
    """Import a CSV of sign-offs: columns person, date[, version] (default: the version in
    force). Rows already on record are skipped; any bad row stops the import.

    Example: ctcm manual ack-import signoffs.csv
    """
    from ctcm.areas.credentials.csvio import read_csv_text
    from ctcm.areas.manual.versions import import_acks

    text = read_csv_text(file)
    with opened(ctx, "manual ack-import") as p:
        result = import_acks(p, text, file.name)
    app_context(ctx).say(
        f"Recorded {result.added} acknowledgment(s); {result.already} already on record."
    )


@app.command("acks")
def acks(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Who must acknowledge the version in force, by when, and who has.

    Example: ctcm manual acks
    """
    from ctcm.areas.manual.versions import ack_table
    from ctcm.render.views import why

    with opened(ctx, "manual acks", write=False) as p:
        v, rule, rows_ = ack_table(p)
    data = [
        {
            "person": r.person.id,
            "name": r.person.name,
            "version": r.requirement.manual_version,
            "status": r.requirement.status.value,
            "due": r.requirement.expires.isoformat() if r.requirement.expires else None,
            "acknowledged": r.requirement.acknowledged.isoformat()
            if r.requirement.acknowledged
            else None,
            "why": why(r.requirement),
        }
        for r in rows_
    ]
    rows = [[d["person"], d["name"], d["status"], d["why"]] for d in data]
    title = (
        f"Manual version {v.number}: who must acknowledge it ({rule.describe()})"
        if v
        else "No manual version in force: nothing to acknowledge yet (ctcm manual adopt)"
    )
    app_context(ctx).show(View(data, ["person", "name", "status", "why"], rows, title=title), fmt)


@app.command("settings")
def settings(
    ctx: typer.Context,
    who: Annotated[
        str | None,
        typer.Option(
            "--who", help="'all' active people, or compliance policy keys, comma-separated."
        ),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option("--days", help="Days to acknowledge, from the effective date or start."),
    ] = None,
) -> None:
    """Who must acknowledge the manual and within how many days (show, or change).

    Example: ctcm manual settings --who clinician,office-staff --days 14
    """
    from ctcm.areas.manual.versions import ack_rule, set_ack_rule

    with opened(ctx, "manual settings", write=who is not None or days is not None) as p:
        rule = set_ack_rule(p, who, days) if (who is not None or days is not None) else ack_rule(p)
    app_context(ctx).say(f"Acknowledgment required of {rule.describe()}.")
