"""``ctcm risk mitigate``, ``risk tasks`` and ``risk task start|done|accept|reopen``: the
mitigation plan (registered on ``ctcm risk`` by cli/risk.py)."""

from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import AssessmentArg, FormatOpt
from ctcm.render.formats import OutputFormat, View

task_app = typer.Typer(
    help="Move a mitigation task: start, done, accept, reopen.", no_args_is_help=True
)


def mitigate(
    ctx: typer.Context,
    assessment: AssessmentArg,
    scenario: Annotated[
        str,
        typer.Argument(
            help="A threat scenario (S04), or a safeguard not in place by its citation."
        ),
    ],
    action: Annotated[str, typer.Option("--action", help="What will be done.")],
    owner: Annotated[str, typer.Option("--owner", help="PERSON responsible.")],
    due: Annotated[str, typer.Option("--due", metavar="YYYY-MM-DD")],
    allow_past: Annotated[
        bool, typer.Option("--allow-past", help="Accept a due date in the past.")
    ] = False,
) -> None:
    """Add a task to the mitigation plan, for a threat scenario or for a required safeguard not
    in place (by its citation). Prints the task id.

    Example: ctcm risk mitigate 1 S04 --action "Turn on MFA for all mailboxes" --owner fnguyen --due 2026-12-31

    Example: ctcm risk mitigate 1 "164.308(a)(7)(ii)(A)" --action "Nightly off-site backup" --owner fnguyen --due 2027-03-31
    """
    from ctcm.areas.risk.service import mitigate as do_mitigate
    from ctcm.areas.risk.service import parse_due

    day = parse_due(due)
    with opened(ctx, "risk mitigate") as p:
        task_id = do_mitigate(p, assessment, scenario, action, owner, day, allow_past)
    typer.echo(task_id)


def tasks(
    ctx: typer.Context,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue tasks.")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """List mitigation tasks.

    Example: ctcm risk tasks --overdue --format json
    """
    from ctcm.areas.risk.report import task_json
    from ctcm.areas.risk.service import list_tasks

    with opened(ctx, "risk tasks", write=False) as p:
        items = list_tasks(p, overdue)
        today = p.today
    data = [task_json(t) | {"overdue": t.overdue(today)} for t in items]
    rows = [
        [
            t.id,
            t.assessment_id,
            t.scenario,
            t.action[:50],
            t.owner,
            t.due.isoformat(),
            t.status.value,
            "OVERDUE" if t.overdue(today) else "",
        ]
        for t in items
    ]
    app_context(ctx).show(
        View(
            data,
            ["id", "assessment", "scenario", "action", "owner", "due", "status", "overdue"],
            rows,
            status_column=None,
        ),
        fmt,
    )


def _move(
    ctx: typer.Context, task: int, target: str, reason: str | None = None, by: str | None = None
) -> None:
    from ctcm.areas.risk.service import move_task
    from ctcm.domain.risk import TaskStatus

    with opened(ctx, f"risk task {target}") as p:
        result = move_task(p, task, TaskStatus(target), reason, by)
    app_context(ctx).say(f"Task {task} is now {result.status.value.replace('_', ' ')}.")


@task_app.command("start")
def task_start(ctx: typer.Context, task: int) -> None:
    """Mark a task in progress.

    Example: ctcm risk task start 3
    """
    _move(ctx, task, "in_progress")


@task_app.command("done")
def task_done(ctx: typer.Context, task: int) -> None:
    """Mark a task done.

    Example: ctcm risk task done 3
    """
    _move(ctx, task, "done")


@task_app.command("accept")
def task_accept(
    ctx: typer.Context,
    task: int,
    reason: Annotated[str, typer.Option("--reason", help="Why the risk is accepted.")],
    by: Annotated[str, typer.Option("--by", help="PERSON who accepted the risk.")],
) -> None:
    """Accept the risk instead of mitigating it (documented reason and who accepted).

    Example: ctcm risk task accept 3 --reason "Cost exceeds benefit for a solo office" --by amartinez
    """
    _move(ctx, task, "accepted", reason, by)


@task_app.command("reopen")
def task_reopen(ctx: typer.Context, task: int) -> None:
    """Reopen a task.

    Example: ctcm risk task reopen 3
    """
    _move(ctx, task, "open")
