"""``ctcm status``: the practice dashboard and one person's lights."""

from enum import StrEnum
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.errors import InvalidInput, ThresholdReached
from ctcm.render.formats import OutputFormat


class FailOn(StrEnum):
    RED = "red"
    YELLOW = "yellow"


def status(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Argument(help="Show this person's lights only.")] = None,
    red: Annotated[bool, typer.Option("--red", help="Only people whose light is red.")] = False,
    yellow: Annotated[
        bool, typer.Option("--yellow", help="Only people whose light is yellow.")
    ] = False,
    policy: Annotated[
        str | None, typer.Option("--policy", help="Only people assigned this policy.")
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 3 when anyone shown is at or past this light (for cron).",
            case_sensitive=False,
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Show green / yellow / red compliance lights for the practice or one person.

    Example: ctcm status --red --format json
    """
    from ctcm.domain.credentials import Light
    from ctcm.render.views import dashboard_view, person_status_view
    from ctcm.services import credentials as cred

    actx = app_context(ctx)
    if red and yellow:
        raise InvalidInput("--red and --yellow exclude each other")
    if person is not None and (red or yellow or policy):
        raise InvalidInput("filters apply to the practice dashboard, not to one person")
    with opened(ctx, "status", write=False) as p:
        if person is not None:
            one = cred.person_status(p, person)
            actx.show(person_status_view(one, p.today), fmt)
            shown = [one]
        else:
            from ctcm.services.riskprogram import program_status

            light = Light.RED if red else Light.YELLOW if yellow else None
            board = cred.dashboard(p, light, policy)
            actx.show(dashboard_view(board, program_status(p)), fmt)
            shown = list(board.people)
    if fail_on is not None:
        threshold = Light(fail_on.value).severity
        hit = [s.person.id for s in shown if s.status.severity >= threshold]
        if hit:
            raise ThresholdReached(
                f"{len(hit)} person(s) at or past {fail_on.value}: {', '.join(hit[:10])}"
                + (" ..." if len(hit) > 10 else "")
            )


def register(app: typer.Typer) -> None:
    app.command()(status)
