"""``ctcm risk``: the HIPAA risk analysis, its risk register and the mitigation plan."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli import risktasks
from ctcm.cli.context import app_context, opened
from ctcm.cli.options import AssessmentArg, FormatOpt
from ctcm.errors import InvalidInput
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="Risk analysis: checklist, threat scenarios, risk register, mitigation plan.",
    no_args_is_help=True,
)


@app.command("new")
def new(
    ctx: typer.Context,
    year: Annotated[
        int | None, typer.Option("--year", help="Assessment year (default: this year).")
    ] = None,
    scope: Annotated[
        str | None, typer.Option("--scope", help="What the assessment covers.")
    ] = None,
    mini: Annotated[
        str | None,
        typer.Option("--mini", help="A mini assessment of a change, described in a few words."),
    ] = None,
    item: Annotated[
        list[str] | None,
        typer.Option("--item", help="Checklist item of a mini assessment (repeat)."),
    ] = None,
    privacy: Annotated[
        bool, typer.Option("--privacy", help="The privacy program checklist.")
    ] = False,
) -> None:
    """Start a full risk analysis, or a mini assessment of a change. Prints its id.

    Example: ctcm risk new --mini "New EHR vendor" --item "164.308(b)(1)" --item "164.312(e)(1)"
    """
    from ctcm.services.risk import new_assessment

    with opened(ctx, "risk new") as p:
        a = new_assessment(p, year, scope, privacy, mini, list(item or []))
    typer.echo(a.id)
    app_context(ctx).say(
        f"Started {a.kind} {a.rule.value} assessment {a.id} ({a.year}); "
        f"walk it with: ctcm risk walk {a.id}"
    )


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """List assessments (kept for at least six years, never overwritten).

    Example: ctcm risk list
    """
    from ctcm.services.riskreport import detail

    with opened(ctx, "risk list", write=False) as p:
        details = [detail(p, a.id) for a in p.repo.assessments()]
        started = {d.assessment.id: p.local_date(d.assessment.created_at) for d in details}
    data = [
        {
            "id": d.assessment.id,
            "rule": d.assessment.rule.value,
            "kind": d.assessment.kind,
            "year": d.assessment.year,
            "scope": d.assessment.scope,
            "created_at": d.assessment.created_at,
            "progress": d.progress,
            "risks": len(d.ratings),
            "tasks": len(d.tasks),
        }
        for d in details
    ]
    rows = [
        [
            x["id"],
            x["rule"],
            x["kind"],
            x["year"],
            started[x["id"]].isoformat(),
            f"{x['progress']['answered']}/{x['progress']['total']}",
            x["risks"],
            x["tasks"],
            x["scope"][:50],
        ]
        for x in data
    ]
    app_context(ctx).show(
        View(
            data,
            ["id", "rule", "kind", "year", "started", "answered", "risks", "tasks", "scope"],
            rows,
            status_column=None,
        ),
        fmt,
    )


@app.command("show")
def show(
    ctx: typer.Context, assessment: AssessmentArg, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Show an assessment: progress, answers, risk register, tasks.

    Example: ctcm risk show 1 --format json
    """
    from ctcm.services.riskreport import detail, detail_json

    with opened(ctx, "risk show", write=False) as p:
        d = detail(p, assessment)
    data = detail_json(d)
    rows = [
        [i["citation"], i["name"][:45], i["kind"], i["status"] or "-", i["note"] or ""]
        for i in data["items"]
    ]
    risks = "; ".join(f"{r['scenario']} {r['level']}" for r in data["risks"]) or "(none rated)"
    view = View(
        data,
        ["citation", "item", "kind", "answer", "note"],
        rows,
        status_column=None,
        title=f"Assessment {d.assessment.id}: {d.assessment.kind} {d.assessment.rule.value}"
        f" {d.assessment.year}",
        details=[
            ("scope", d.assessment.scope),
            ("progress", f"{d.progress['answered']}/{d.progress['total']} answered"),
            ("risks", risks),
            ("tasks", str(len(d.tasks))),
        ],
    )
    app_context(ctx).show(view, fmt)


@app.command("answer")
def answer(
    ctx: typer.Context,
    assessment: AssessmentArg,
    citation: str,
    status: Annotated[
        str,
        typer.Option("--status", help="implemented, partial, not_implemented or not_applicable."),
    ],
    note: Annotated[str | None, typer.Option("--note")] = None,
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="A document id, a log entry, or free text.")
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="Addressable and not implemented: why not reasonable and appropriate."
        ),
    ] = None,
    alternative: Annotated[
        str | None,
        typer.Option(
            "--alternative",
            help="Addressable and not implemented: the equivalent measure, or 'none'.",
        ),
    ] = None,
) -> None:
    """Answer one checklist item without a terminal (scripts, consultants).

    Example: ctcm risk answer 1 "164.312(a)(2)(iv)" --status implemented --evidence "BitLocker on all laptops"
    """
    from ctcm.services.risk import answer as do_answer

    with opened(ctx, "risk answer") as p:
        result = do_answer(p, assessment, citation, status, note, evidence, reason, alternative)
    app_context(ctx).say(f"{result.citation}: {result.status.value}")


@app.command("import")
def import_(
    ctx: typer.Context,
    assessment: AssessmentArg,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV or YAML answers.")],
) -> None:
    """Import answers from CSV (citation,status,note,evidence,reason,alternative) or YAML.

    All or nothing: any bad row is reported with its number and nothing is saved.

    Example: ctcm risk import 1 answers.yaml
    """
    from ctcm.services.risk import import_answers

    with opened(ctx, "risk import") as p:
        count = import_answers(p, assessment, file)
    app_context(ctx).say(f"Imported {count} answer(s) into assessment {assessment}.")


@app.command("rate")
def rate(
    ctx: typer.Context,
    assessment: AssessmentArg,
    scenario: str,
    likelihood: Annotated[
        str | None,
        typer.Option("--likelihood", help="low, moderate, high (or the five-level scale)."),
    ] = None,
    impact: Annotated[
        str | None,
        typer.Option("--impact", help="low, moderate, high (or the five-level scale)."),
    ] = None,
    controls: Annotated[
        str | None, typer.Option("--controls", help="Controls already in place.")
    ] = None,
    not_applicable: Annotated[
        str | None,
        typer.Option(
            "--not-applicable",
            metavar="REASON",
            help="The scenario does not apply to this practice, and why.",
        ),
    ] = None,
) -> None:
    """Rate a threat scenario (the risk level comes from the documented matrix), or record why
    it does not apply. Every scenario in scope needs one or the other before finalizing.

    Example: ctcm risk rate 1 S04 --likelihood high --impact moderate --controls "MFA on email"
    """
    from ctcm.services.risk import exclude
    from ctcm.services.risk import rate as do_rate

    if not_applicable is not None:
        if likelihood or impact or controls:
            raise InvalidInput("--not-applicable excludes --likelihood, --impact and --controls")
        with opened(ctx, "risk rate") as p:
            excluded = exclude(p, assessment, scenario, not_applicable)
        app_context(ctx).say(f"{excluded.scenario}: not applicable ({excluded.reason})")
        return
    if not likelihood or not impact:
        raise InvalidInput("give --likelihood and --impact, or --not-applicable REASON")
    with opened(ctx, "risk rate") as p:
        rating = do_rate(p, assessment, scenario, likelihood, impact, controls)
    app_context(ctx).say(f"{rating.scenario}: risk {rating.level.label}")


@app.command("scenarios")
def scenarios(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """List the threat scenarios a risk analysis rates (no vault needed).

    Example: ctcm risk scenarios --format json
    """
    from ctcm.services.riskcatalog import load_scenarios

    items = load_scenarios()
    data = [
        {"id": s.id, "title": s.title, "source": s.source.value, "citations": list(s.citations)}
        for s in items
    ]
    rows = [[s.id, s.title, s.source.label, ", ".join(s.citations)] for s in items]
    app_context(ctx).show(
        View(data, ["id", "title", "source", "citations"], rows, status_column=None), fmt
    )


@app.command("finalize")
def finalize(
    ctx: typer.Context,
    assessment: AssessmentArg,
    by: Annotated[str, typer.Option("--by", help="PERSON who signs the assessment off.")],
) -> None:
    """Sign an assessment off once it is complete; it then no longer changes.

    Refused, with the list of what is missing, until every item is answered, every threat
    scenario in scope is rated or marked not applicable, every high or critical risk has a task
    or a recorded acceptance, and every addressable item not implemented has its reason and
    alternative. Until then the assessment is a draft, and reports say so on every page.

    Example: ctcm risk finalize 1 --by amartinez
    """
    from ctcm.services.risk import finalize as do_finalize

    with opened(ctx, "risk finalize") as p:
        signed = do_finalize(p, assessment, by)
    app_context(ctx).say(
        f"Assessment {assessment} finalized by {signed.by} on {signed.on}; "
        f"content SHA-256 {signed.content_hash}."
    )


app.command("mitigate")(risktasks.mitigate)
app.command("tasks")(risktasks.tasks)
app.add_typer(risktasks.task_app, name="task")


@app.command("checklist")
def checklist(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, html, csv or json.")] = "md",
    privacy: Annotated[
        bool, typer.Option("--privacy", help="The privacy program checklist.")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write to a file.")] = None,
) -> None:
    """Print the blank checklist for a paper walk-through (no vault needed).

    Example: ctcm risk checklist --format html --out checklist.html
    """
    from ctcm.cli.context import write_output
    from ctcm.services.riskreport import render_checklist

    vault = app_context(ctx).environment.vault
    text = render_checklist("privacy" if privacy else "security", fmt.lower(), vault / "templates")
    write_output(app_context(ctx), text, out)


@app.command("report")
def report(
    ctx: typer.Context,
    assessment: AssessmentArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md or html.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Write to a file (0600).")] = None,
) -> None:
    """Write the assessment report: scope, method, findings, risk register, plan, sign-off.

    Example: ctcm risk report 1 --format html --out risk-analysis-2026.html
    """
    from ctcm.cli.context import write_output
    from ctcm.services.riskreport import render_report

    with opened(ctx, "risk report", write=False) as p:
        text = render_report(p, assessment, fmt.lower())
    write_output(app_context(ctx), text, out)


STATUS_KEYS = {
    "i": "implemented",
    "p": "partial",
    "n": "not_implemented",
    "na": "not_applicable",
    "s": "skip",
    "q": "quit",
    "?": "help",
}


@app.command("walk")
def walk(
    ctx: typer.Context,
    assessment: AssessmentArg,
    all_: Annotated[bool, typer.Option("--all", help="Ask answered items again too.")] = False,
) -> None:
    """Walk an assessment interactively; every answer is saved at once, so it can be resumed.

    First the checklist items, then every threat scenario in scope (those touching the gaps
    you found come first): rate it, mark it not applicable with a reason, or skip it. Each
    choice prompt lists its choices; ? shows the guidance and q stops (answers so far are kept).

    Example: ctcm risk walk 1
    """
    from functools import partial

    from rich.console import Console
    from rich.panel import Panel
    from rich.prompt import Prompt

    from ctcm.domain.risk import ItemKind
    from ctcm.errors import CtcmError
    from ctcm.services import risk as svc
    from ctcm.services.practice import open_practice, unlock_once

    actx = app_context(ctx)
    env = actx.environment
    if not env.interactive:
        raise InvalidInput("risk walk needs a terminal; use 'ctcm risk answer' or 'risk import'")
    plain = bool(env.env.get("NO_COLOR")) or env.env.get("TERM") == "dumb"
    console = Console(
        stderr=True, highlight=False, no_color=plain, color_system=None if plain else "auto"
    )
    key = unlock_once(env)

    def save(command: str, action, write: bool = True):  # type: ignore[no-untyped-def]
        with open_practice(env, command, unlocked=key, write=write) as p:
            return action(p)

    def start(p):  # type: ignore[no-untyped-def]
        a = svc.editable(p, assessment)
        return a, svc.scope_items(a), p.repo.answers(a.id)

    def ask(label: str, choices: list[str], help_text: str) -> str:
        """A choice prompt that shows its choices; '?' prints the help and asks again."""
        while True:
            choice = Prompt.ask(label, choices=choices, console=console)
            if choice != "?":
                return choice
            console.print(help_text)

    a, items, answers = save("risk walk", start, write=False)
    todo = [i for i in items if all_ or i.citation not in answers]
    console.print(
        f"Assessment {a.id}: {len(items) - len(todo)} of {len(items)} answered; "
        f"{len(todo)} item(s) to go, in checklist order. Choices: i(mplemented) p(artial) "
        "n(ot implemented) na (not applicable) s(kip) q(uit) ?(guidance)."
    )
    for number, item in enumerate(todo, start=1):
        text = "\n".join(f"- {q}" for q in item.questions)
        if item.nprm:
            text += f"\n[magenta]{item.nprm} (proposed, not in force)[/magenta]"
        console.print(
            Panel(
                text, title=f"{number}/{len(todo)}  {item.citation} {item.name} ({item.kind.value})"
            )
        )
        guidance = f"[dim]{item.guidance}[/dim]" + (
            "\nEvidence: " + "; ".join(item.evidence) if item.evidence else ""
        )
        choice = ask("Status", list(STATUS_KEYS), guidance)
        if STATUS_KEYS[choice] == "quit":
            console.print("Stopped; answers so far are saved. Resume with the same command.")
            return
        if STATUS_KEYS[choice] == "skip":
            continue
        status = STATUS_KEYS[choice]
        note = Prompt.ask("Note", default="", console=console) or None
        evidence = (
            Prompt.ask("Evidence (document id, log entry or text)", default="", console=console)
            or None
        )
        reason = alternative = None
        if item.kind is ItemKind.ADDRESSABLE and status == "not_implemented":
            console.print(
                "Addressable: document why it is not reasonable and appropriate, "
                "and the equivalent measure (164.306(d)(3))."
            )
            reason = Prompt.ask("Reason", console=console)
            alternative = Prompt.ask("Equivalent alternative (or 'none')", console=console)
        while status == "not_applicable" and not note:
            note = Prompt.ask("Why does it not apply?", console=console) or None
        try:
            save(
                "risk answer",
                partial(
                    svc.answer,
                    assessment_id=a.id,
                    citation=item.citation,
                    status=status,
                    note=note,
                    evidence=evidence,
                    reason=reason,
                    alternative=alternative,
                ),
            )
        except CtcmError as err:
            console.print(f"[red]{err}[/red] (not saved; answer it again later)")
    pending = save("risk walk", lambda p: svc.scenarios_to_rate(p, a, all_), write=False)
    levels = [lv.value for lv in a.scale.levels]
    if pending:
        console.print(
            f"\n{len(pending)} threat scenario(s) to rate, those touching your gaps first. "
            f"Likelihood and impact: {', '.join(levels)}; na = does not apply here, "
            "s = skip, q = quit, ? = guidance."
        )
    for number, scenario in enumerate(pending, start=1):
        console.print(
            Panel(
                scenario.narrative,
                title=f"{number}/{len(pending)}  {scenario.id} {scenario.title} "
                f"({scenario.source.label})",
            )
        )
        help_text = (
            "Cites "
            + ", ".join(scenario.citations)
            + ". Usual mitigations: "
            + "; ".join(scenario.mitigations)
        )
        likelihood = ask("Likelihood", [*levels, "na", "s", "q", "?"], help_text)
        if likelihood == "q":
            console.print("Stopped; ratings so far are saved. Resume with the same command.")
            return
        if likelihood == "s":
            continue
        try:
            if likelihood == "na":
                why = ""
                while not why:
                    why = Prompt.ask("Why does it not apply here?", console=console).strip()
                save(
                    "risk rate",
                    partial(svc.exclude, assessment_id=a.id, scenario_id=scenario.id, reason=why),
                )
                console.print("Marked not applicable.")
                continue
            impact = ask("Impact", [*levels, "q", "?"], help_text)
            if impact == "q":
                console.print("Stopped; ratings so far are saved. Resume with the same command.")
                return
            controls = Prompt.ask("Controls already in place", default="", console=console) or None
            rating = save(
                "risk rate",
                partial(
                    svc.rate,
                    assessment_id=a.id,
                    scenario_id=scenario.id,
                    likelihood=likelihood,
                    impact=impact,
                    controls=controls,
                ),
            )
            console.print(f"Risk: [bold]{rating.level.label}[/bold]")
        except CtcmError as err:
            console.print(f"[red]{err}[/red] (not saved)")
    console.print(
        f"Done. Next: ctcm risk mitigate {a.id} SCENARIO ... for each high risk, then "
        f"ctcm risk finalize {a.id} --by PERSON; ctcm risk report {a.id} --format html "
        "--out report.html"
    )
