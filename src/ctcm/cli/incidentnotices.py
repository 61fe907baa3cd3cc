"""``ctcm incident notify``, ``delay`` and ``media-decision``: the notices given, a
law-enforcement delay, and the media decision (registered on ``ctcm incident``)."""

from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened

Id = Annotated[int, typer.Argument(metavar="ID", help="Incident id (see ctcm incident list).")]


def notify(
    ctx: typer.Context,
    incident: Id,
    to: Annotated[str, typer.Option("--to", help="individuals, hhs or media.")],
    on: Annotated[
        str, typer.Option("--date", metavar="YYYY-MM-DD", help="When the notice was given.")
    ],
    state: Annotated[str | None, typer.Option("--state", help="For media: the state.")] = None,
    manner: Annotated[
        str | None, typer.Option("--manner", help="Individuals: mail (first-class) or email.")
    ] = None,
    email_agreed: Annotated[
        bool, typer.Option("--email-agreed", help="Email only to those who agreed to it.")
    ] = False,
    next_of_kin: Annotated[
        int,
        typer.Option(
            "--next-of-kin", help="Notices sent to next of kin or personal representatives."
        ),
    ] = 0,
    telephone: Annotated[
        bool, typer.Option("--telephone", help="Urgent: also told by telephone.")
    ] = False,
) -> None:
    """Record a notice given (evidence for 164.414).

    --to individuals, hhs, media (--state ST), substitute (people who cannot be reached),
    toll-free (the 90-day number) or covered-entity (the practice as business associate).
    For individuals, how: first-class mail, or email to those who agreed; next of kin or a
    personal representative for someone who died; telephone in addition when urgent.

    Example: ctcm incident notify 3 --to individuals --date 2026-12-01 --manner mail
    """
    from ctcm.areas.incidents.service import Manner
    from ctcm.areas.incidents.service import notify as do_notify
    from ctcm.domain.dates import parse_date

    day = parse_date(on, "--date")
    with opened(ctx, "incident notify") as p:
        met = do_notify(
            p, incident, to, day, state, Manner(manner, email_agreed, next_of_kin, telephone)
        )
    if met is None:
        app_context(ctx).say(
            f"Recorded the notice to {to} (no deadline of this incident asked for it)."
        )
    else:
        late = " LATE" if day > met.due else ""
        app_context(ctx).say(
            f"Recorded the notice to {met.label} on {day} (due by {met.due}){late}."
        )


def delay(
    ctx: typer.Context,
    incident: Id,
    official: Annotated[str, typer.Option("--official", help="The official and the agency.")],
    on: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="The statement's day.")],
    written: Annotated[bool, typer.Option("--written", help="A written statement.")] = False,
    oral: Annotated[
        bool, typer.Option("--oral", help="An oral statement (30 days at most).")
    ] = False,
    until: Annotated[
        str | None, typer.Option("--until", metavar="YYYY-MM-DD", help="Written: its period's end.")
    ] = None,
) -> None:
    """Record law enforcement's request to delay the notices (164.412); deadlines move.

    A written statement delays them for the period it names; an oral one, documented with the
    official's identity, for at most 30 days unless a written one follows within them.

    Example: ctcm incident delay 3 --written --official "Det. A. Ruiz, County Sheriff" --date 2026-11-25 --until 2027-01-10
    """
    from ctcm.areas.incidents.service import delay as do_delay
    from ctcm.domain.dates import parse_date, parse_optional_date
    from ctcm.errors import InvalidInput

    if written == oral:
        raise InvalidInput("give --written or --oral")
    day = parse_date(on, "--date")
    end = parse_optional_date(until, "--until")
    with opened(ctx, "incident delay") as p:
        updated = do_delay(p, incident, "written" if written else "oral", official, day, end)
    assert updated.details.delay is not None
    app_context(ctx).say(f"Incident {incident}: notices {updated.details.delay.explain()}.")


def media_decision(
    ctx: typer.Context,
    incident: Id,
    reason: Annotated[str, typer.Option("--reason", help="Why no media notice is needed.")],
    on: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD")] = None,
) -> None:
    """Record why no media notice is needed for affected people of unknown state (164.406).

    Example: ctcm incident media-decision 3 --reason "Addresses traced: no state has more than 500 residents affected"
    """
    from ctcm.areas.incidents.service import media_decision as decide
    from ctcm.domain.dates import parse_optional_date

    with opened(ctx, "incident media-decision") as p:
        decide(p, incident, reason, parse_optional_date(on, "--date") or p.today)
    app_context(ctx).say(f"Recorded the media decision of incident {incident}.")
