"""``ctcm risk``: the HIPAA risk analysis, its risk register and the mitigation plan."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli import risktasks, riskwalk
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
    from ctcm.areas.risk.service import new_assessment

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
    from ctcm.areas.risk.report import detail

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
    from ctcm.areas.risk.report import detail, detail_json

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
            *(
                [
                    (
                        "changed later",
                        "; ".join(f"{c} {now} (#{m})" for c, _, now, m in d.changed_later),
                    )
                ]
                if d.changed_later
                else []
            ),
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
    from ctcm.areas.risk.service import answer as do_answer

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
    from ctcm.areas.risk.service import import_answers

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
    from ctcm.areas.risk.service import exclude
    from ctcm.areas.risk.service import rate as do_rate

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
    from ctcm.areas.risk.catalog import load_scenarios

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
    from ctcm.areas.risk.service import finalize as do_finalize
    from ctcm.services.signers import signer_role

    with opened(ctx, "risk finalize") as p:
        signed = do_finalize(p, assessment, by)
        role = signer_role(p, signed.by)
    actx = app_context(ctx)
    actx.say(
        f"Assessment {assessment} finalized by {signed.by} ({role}) on {signed.on}; "
        f"content SHA-256 {signed.content_hash}."
    )
    if "not the designated" in role:
        actx.say(
            f"warning: {signed.by} is not the practice's designated security official; the "
            "report says so (designate one with ctcm practice set --security-officer)"
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
    scale: Annotated[
        str, typer.Option("--scale", help="three or five: the levels it defines.")
    ] = "three",
) -> None:
    """Print the blank checklist for a paper walk-through (no vault needed), with what each
    likelihood and impact level means (NIST SP 800-30).

    Example: ctcm risk checklist --format html --out checklist.html
    """
    from ctcm.areas.risk.checklist import render_checklist
    from ctcm.cli.context import write_output
    from ctcm.domain.risk import Scale
    from ctcm.errors import InvalidInput

    try:
        levels = Scale(scale.lower())
    except ValueError:
        raise InvalidInput("--scale must be three or five") from None
    vault = app_context(ctx).environment.vault
    text = render_checklist(
        "privacy" if privacy else "security",
        fmt.lower(),
        vault / "templates",
        None if privacy else levels,
    )
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
    from ctcm.areas.risk.report import render_report
    from ctcm.cli.context import write_output

    with opened(ctx, "risk report", write=False) as p:
        text = render_report(p, assessment, fmt.lower())
    write_output(app_context(ctx), text, out)


app.command("walk")(riskwalk.walk)
