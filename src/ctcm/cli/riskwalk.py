"""``ctcm risk walk``: the risk analysis at a terminal, one question at a time."""

from typing import Annotated

import typer

from ctcm.cli.context import app_context
from ctcm.cli.options import AssessmentArg
from ctcm.errors import InvalidInput

STATUS_KEYS = {
    "i": "implemented",
    "p": "partial",
    "n": "not_implemented",
    "na": "not_applicable",
    "s": "skip",
    "q": "quit",
    "?": "help",
}


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

    from ctcm.areas.risk import service as svc
    from ctcm.areas.risk.levels import as_text
    from ctcm.domain.risk import ItemKind, Level
    from ctcm.errors import CtcmError
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

    def offer_task(target: str, why: str) -> None:
        """Right after a high risk or a required safeguard not in place: plan it now (what
        finalizing will ask for), or leave it for later with an empty answer."""
        action = Prompt.ask(f"{why}. A task to treat it (Enter: later)", default="",
                            console=console).strip()  # fmt: skip
        if not action:
            return
        owner = Prompt.ask("Owner (person id)", console=console).strip()
        due = Prompt.ask("Due (YYYY-MM-DD)", console=console).strip()
        try:
            task_id = save("risk mitigate", partial(
                svc.mitigate, assessment_id=a.id, scenario_id=target, action=action,
                owner=owner, due=svc.parse_due(due)))  # fmt: skip
            console.print(f"Task {task_id} added to the mitigation plan.")
        except CtcmError as err:
            console.print(f"[red]{err}[/red] (no task added: ctcm risk mitigate {a.id} {target} "
                          "... later)")  # fmt: skip

    a, items, answers = save("risk walk", start, write=False)
    catalog = svc.load_catalog(a.rule.value)
    # whether there is a current risk analysis is answered by finalizing this one, not asked
    todo = [i for i in items if (all_ or i.citation not in answers) and i.citation != svc.SELF_ITEM]
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
            continue
        if status in ("partial", "not_implemented") and catalog.required(item):
            offer_task(item.citation, f"{item.citation} is required and not fully in place")
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
        likelihood = ask(
            "Likelihood",
            [*levels, "na", "s", "q", "?"],
            help_text + "\n\nLikelihood levels:\n" + as_text(a.scale, "likelihood"),
        )
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
            impact = ask(
                "Impact",
                [*levels, "q", "?"],
                help_text + "\n\nImpact levels:\n" + as_text(a.scale, "impact"),
            )
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
            continue
        if rating.level.rank >= Level.HIGH.rank:
            offer_task(scenario.id, f"{scenario.id} is a {rating.level.label} risk")
    console.print(
        f"Done. Next: ctcm risk mitigate {a.id} SCENARIO ... for each high risk, then "
        f"ctcm risk finalize {a.id} --by PERSON; ctcm risk report {a.id} --format html "
        "--out report.html"
    )
