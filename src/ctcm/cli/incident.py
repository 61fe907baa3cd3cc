"""``ctcm incident``: security incidents, the breach risk assessment and notice deadlines."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat, View

app = typer.Typer(
    help="Incidents: breach risk assessment (164.402), notice deadlines and letters.",
    no_args_is_help=True,
)

Id = Annotated[int, typer.Argument(metavar="ID", help="Incident id (see ctcm incident list).")]


@app.command("add")
def add(
    ctx: typer.Context,
    discovered: Annotated[str, typer.Option("--discovered", metavar="YYYY-MM-DD")],
    summary: Annotated[str, typer.Option("--summary", help="What happened (stays in the vault).")],
    reported_by: Annotated[str | None, typer.Option("--reported-by", help="PERSON.")] = None,
) -> None:
    """Record a security incident. Prints its id.

    Example: ctcm incident add --discovered 2026-11-20 --summary "Laptop stolen from car" --reported-by bchen
    """
    from ctcm.areas.incidents.service import add as do_add
    from ctcm.domain.dates import parse_date

    day = parse_date(discovered, "--discovered date")
    with opened(ctx, "incident add") as p:
        incident_id = do_add(p, day, summary, reported_by)
    typer.echo(incident_id)
    app_context(ctx).say(
        f"Recorded incident {incident_id}. Next: ctcm incident assess {incident_id} ..."
    )


def _counts(pairs: list[str]) -> dict[str, int]:
    from ctcm.errors import InvalidInput

    out = {}
    for pair in pairs:
        state, sep, number = pair.partition("=")
        if not sep or not number.strip().isdigit():
            raise InvalidInput(f"bad --state-counts {pair!r}: use ST=N, e.g. NY=120")
        out[state] = int(number)
    return out


@app.command("assess")
def assess(
    ctx: typer.Context,
    incident: Id,
    nature: Annotated[
        str | None, typer.Option("--nature", help="Factor 1: nature and extent of the PHI.")
    ] = None,
    recipient: Annotated[
        str | None, typer.Option("--recipient", help="Factor 2: who used or received it.")
    ] = None,
    acquired: Annotated[
        str | None,
        typer.Option(
            "--acquired", help="Factor 3: actually acquired or viewed: yes, no or unknown."
        ),
    ] = None,
    mitigated: Annotated[
        str | None, typer.Option("--mitigated", help="Factor 4: how far the risk was mitigated.")
    ] = None,
    exception: Annotated[
        str | None,
        typer.Option(
            "--exception",
            help="none, good-faith-workforce, inadvertent-internal, could-not-retain.",
        ),
    ] = None,
    secured: Annotated[
        str | None,
        typer.Option(
            "--secured",
            help="yes: encrypted to HHS guidance with an uncompromised key (safe harbor).",
        ),
    ] = None,
    low_probability: Annotated[
        str | None,
        typer.Option(
            "--low-probability", help="yes: the four factors show a low probability of compromise."
        ),
    ] = None,
    breach: Annotated[
        str | None,
        typer.Option(
            "--breach", help="yes or no: a conclusion reached with counsel (needs --reason)."
        ),
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    affected: Annotated[
        int | None, typer.Option("--affected", help="People affected (for a breach).")
    ] = None,
    state_counts: Annotated[
        list[str] | None,
        typer.Option("--state-counts", help="ST=N residents affected per state (repeat)."),
    ] = None,
) -> None:
    """Record the breach risk assessment of 45 CFR 164.402(2) and its conclusion.

    Presumed a breach unless the data was secured (encrypted to HHS guidance), an exception
    applies, or the four factors, all documented, show a low probability of compromise. For a
    breach, --affected and --state-counts set the notice deadlines.

    Example: ctcm incident assess 3 --secured yes --nature "encrypted laptop, full disk" --recipient "unknown thief" --acquired unknown --mitigated "remote wipe sent"
    """
    from ctcm.areas.incidents.service import assess as do_assess
    from ctcm.areas.incidents.service import parse_exception, parse_yes_no
    from ctcm.domain.incidents import Assessment

    given = (nature, recipient, acquired, mitigated, exception, secured, low_probability, breach)
    env = app_context(ctx).environment
    if env.interactive and all(x is None for x in given):
        # The walk: each question of 164.402 in turn, with what it means.
        def ask(text: str, default: str | None = None) -> str:
            return str(typer.prompt(text, default=default, err=True)).strip()

        app_context(ctx).say(
            "Breach risk assessment (45 CFR 164.402). Answer each question; the conclusion and "
            "its reasoning are recorded."
        )
        secured = ask(
            "Was the information encrypted as HHS guidance describes, with the key not "
            "compromised (or destroyed)? yes/no",
            "no",
        )
        if secured.lower() != "yes":
            exception = ask(
                "Does an exception apply? none / good-faith-workforce / inadvertent-internal / "
                "could-not-retain",
                "none",
            )
            if exception == "none":
                nature = ask(
                    "Factor 1: the nature and extent of the information (identifiers, "
                    "how sensitive, can it be re-identified)"
                )
                recipient = ask("Factor 2: who used or received it")
                acquired = ask("Factor 3: was it actually acquired or viewed? yes/no/unknown")
                mitigated = ask("Factor 4: how far was the risk mitigated")
                low_probability = ask(
                    "Do these show a low probability that the information was compromised? yes/no",
                    "no",
                )
                if low_probability.lower() != "yes" and affected is None:
                    affected = int(ask("How many people are affected", "0"))
                    counts = ask("Residents per state, e.g. NY=510 NJ=20 (blank: none)", "")
                    state_counts = counts.split() if counts else []

    a = Assessment(
        nature=nature,
        recipient=recipient,
        acquired=acquired,
        mitigated=mitigated,
        exception=parse_exception(exception),
        secured=bool(parse_yes_no(secured, "--secured")),
        low_probability=bool(parse_yes_no(low_probability, "--low-probability")),
        reason=reason,
    )
    counsel = parse_yes_no(breach, "--breach")
    with opened(ctx, "incident assess") as p:
        updated, conclusion = do_assess(
            p, incident, a, counsel, affected, _counts(list(state_counts or []))
        )
        deadlines = updated.deadlines()
    actx = app_context(ctx)
    actx.say(
        f"Incident {incident}: {'BREACH' if conclusion.breach else 'not a breach'}. {conclusion.reasoning}"
    )
    for d in deadlines:
        actx.say(f"  notice to {d.label}: due by {d.due} ({d.why})")


@app.command("notify")
def notify(
    ctx: typer.Context,
    incident: Id,
    to: Annotated[str, typer.Option("--to", help="individuals, hhs or media.")],
    on: Annotated[
        str, typer.Option("--date", metavar="YYYY-MM-DD", help="When the notice was given.")
    ],
    state: Annotated[str | None, typer.Option("--state", help="For media: the state.")] = None,
) -> None:
    """Record a notice given (evidence for 164.414).

    Example: ctcm incident notify 3 --to individuals --date 2026-12-01
    """
    from ctcm.areas.incidents.service import notify as do_notify
    from ctcm.domain.dates import parse_date

    day = parse_date(on, "--date")
    with opened(ctx, "incident notify") as p:
        met = do_notify(p, incident, to, day, state)
    if met is None:
        app_context(ctx).say(
            f"Recorded the notice to {to} (no deadline of this incident asked for it)."
        )
    else:
        late = " LATE" if day > met.due else ""
        app_context(ctx).say(
            f"Recorded the notice to {met.label} on {day} (due by {met.due}){late}."
        )


@app.command("letter")
def letter(
    ctx: typer.Context,
    incident: Id,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md or html.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Write to a file (0600).")] = None,
) -> None:
    """Draft the notice to individuals (every element of 164.404(c)) and the HHS portal summary.

    What only the practice can write is left as clearly marked blanks.

    Example: ctcm incident letter 3 --format html --out notice.html
    """
    from ctcm.areas.incidents.service import render_letter
    from ctcm.cli.context import write_output

    with opened(ctx, "incident letter", write=False) as p:
        text = render_letter(p, incident, fmt.lower())
    write_output(app_context(ctx), text, out)


def _json(p, i):  # type: ignore[no-untyped-def]
    from ctcm.areas.incidents.service import deadline_states

    today, warn = p.today, p.warn_days
    return {
        "id": i.id,
        "discovered": i.discovered.isoformat(),
        "reported_by": i.reported_by,
        "open": i.open,
        "closed_on": i.closed_on.isoformat() if i.closed_on else None,
        "breach": i.breach,
        "reasoning": i.reasoning,
        "affected": i.affected,
        "state_counts": i.state_counts,
        "deadlines": [
            {
                "to": s.deadline.key,
                "due": s.deadline.due.isoformat(),
                "given": s.given.isoformat() if s.given else None,
                "status": s.light(today, warn).value,
            }
            for s in deadline_states(p, i)
        ],
    }


@app.command("list")
def list_(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="Only open incidents.")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """List incidents with their conclusion and deadlines (summaries are in 'show').

    Example: ctcm incident list --open --format json
    """
    with opened(ctx, "incident list", write=False) as p:
        items = [i for i in p.repo.incidents() if i.open or not open_only]
        data = [_json(p, i) for i in items]
        p.touch("incidents")
    rows = [
        [
            d["id"],
            d["discovered"],
            "open" if d["open"] else f"closed {d['closed_on']}",
            {None: "not assessed", True: "BREACH", False: "not a breach"}[d["breach"]],
            "; ".join(
                f"{x['to']} {x['due']}" + (" given" if x["given"] else "") for x in d["deadlines"]
            ),
        ]
        for d in data
    ]
    app_context(ctx).show(
        View(
            data, ["id", "discovered", "state", "conclusion", "deadlines"], rows, status_column=None
        ),
        fmt,
    )


@app.command("show")
def show(ctx: typer.Context, incident: Id, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Show one incident: summary, assessment, conclusion, deadlines and notices.

    Example: ctcm incident show 3
    """
    from ctcm.areas.incidents.service import get

    with opened(ctx, "incident show", write=False) as p:
        i = get(p, incident)
        data = _json(p, i) | {"summary": i.summary}
        p.touch(f"incident:{incident}")
    details = [
        ("incident", str(i.id)),
        ("discovered", i.discovered.isoformat()),
        ("summary", i.summary),
        ("reported by", i.reported_by or "-"),
        ("conclusion", {None: "not assessed yet", True: "breach", False: "not a breach"}[i.breach]),
        ("reasoning", i.reasoning or "-"),
        ("affected", str(i.affected) if i.affected is not None else "-"),
        *(
            (
                f"notice to {x['to']}",
                f"due {x['due']}, "
                + (f"given {x['given']}" if x["given"] else x["status"].upper()),
            )
            for x in data["deadlines"]
        ),
    ]
    app_context(ctx).show(View(data, details=details), fmt)


@app.command("close")
def close(ctx: typer.Context, incident: Id) -> None:
    """Close an incident (refused while it is unassessed or a notice is still due).

    Example: ctcm incident close 3
    """
    from ctcm.areas.incidents.service import close as do_close

    with opened(ctx, "incident close") as p:
        done = do_close(p, incident)
    app_context(ctx).say(f"Closed incident {incident} on {done.closed_on}.")
