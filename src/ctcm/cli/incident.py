"""``ctcm incident``: security incidents, the breach risk assessment and notice deadlines."""

from pathlib import Path
from typing import Annotated

import typer

from ctcm.cli import incidentnotices
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
    discovered: Annotated[
        str,
        typer.Option(
            "--discovered",
            metavar="YYYY-MM-DD",
            help="The first day anyone here (not the person who caused it) knew, or would have "
            "known with reasonable diligence.",
        ),
    ],
    summary: Annotated[str, typer.Option("--summary", help="What happened (stays in the vault).")],
    reported_by: Annotated[str | None, typer.Option("--reported-by", help="PERSON.")] = None,
    known_by: Annotated[
        str | None, typer.Option("--known-by", help="Who first knew (name and role).")
    ] = None,
    vendor: Annotated[
        str | None, typer.Option("--vendor", help="A vendor that discovered it (its key).")
    ] = None,
    vendor_knew: Annotated[
        str | None, typer.Option("--vendor-knew", metavar="YYYY-MM-DD", help="When it knew.")
    ] = None,
    agent: Annotated[
        str | None,
        typer.Option("--agent", help="yes: the vendor acts as the practice's agent."),
    ] = None,
    covered_entity: Annotated[
        str | None,
        typer.Option(
            "--covered-entity",
            help="The practice is this covered entity's business associate (164.410).",
        ),
    ] = None,
) -> None:
    """Record a security incident. Prints its id.

    The notice clock starts at discovery (164.404(a)(2)): the first day the breach is known,
    or would have been with reasonable diligence, to anyone in the workforce or any agent
    other than the person who did it. A vendor acting as the practice's agent starts it when
    the vendor knew (--vendor, --vendor-knew, --agent yes).

    Example: ctcm incident add --discovered 2026-11-20 --summary "Laptop stolen from car" --reported-by bchen --known-by "Ben Chen, counselor"
    """
    from ctcm.areas.incidents.service import add as do_add
    from ctcm.areas.incidents.service import parse_yes_no
    from ctcm.domain.dates import parse_date, parse_optional_date
    from ctcm.domain.incidents import Details

    day = parse_date(discovered, "--discovered date")
    facts = Details(
        known_by=known_by,
        vendor=vendor,
        vendor_knew=parse_optional_date(vendor_knew, "--vendor-knew"),
        vendor_agent=parse_yes_no(agent, "--agent"),
        covered_entity=covered_entity,
    )
    with opened(ctx, "incident add") as p:
        incident_id = do_add(p, day, summary, reported_by, facts)
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
    residence_unknown: Annotated[
        int | None,
        typer.Option("--residence-unknown", help="Affected people whose state is not known."),
    ] = None,
    unreachable: Annotated[
        int | None,
        typer.Option("--unreachable", help="People who cannot be reached (substitute notice)."),
    ] = None,
    device: Annotated[
        str | None, typer.Option("--device", help="Safe harbor: which device or data.")
    ] = None,
    encryption: Annotated[
        str | None, typer.Option("--encryption", help="Safe harbor: which encryption.")
    ] = None,
    powered: Annotated[
        str | None,
        typer.Option("--powered", help="Safe harbor: the device was off, locked, on or unknown."),
    ] = None,
    key_location: Annotated[
        str | None, typer.Option("--key-location", help="Safe harbor: where the key was.")
    ] = None,
    who: Annotated[
        str | None, typer.Option("--who", help="Exception: the person who accessed or disclosed.")
    ] = None,
    good_faith: Annotated[
        str | None,
        typer.Option("--good-faith", help="Exception: why in good faith, within their authority."),
    ] = None,
    further_use: Annotated[
        str | None,
        typer.Option("--further-use", help="Exception: how no further use or disclosure is known."),
    ] = None,
    retention: Annotated[
        str | None,
        typer.Option("--retention", help="Exception: why the recipient could not retain it."),
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
        from ctcm.cli.incidentwalk import walk

        answers = walk(app_context(ctx))
        nature, recipient = answers.get("nature"), answers.get("recipient")
        acquired, mitigated = answers.get("acquired"), answers.get("mitigated")
        exception, secured = answers.get("exception"), answers.get("secured")
        low_probability = answers.get("low_probability")
        device, encryption = answers.get("device"), answers.get("encryption")
        powered, key_location = answers.get("powered"), answers.get("key_location")
        who, good_faith = answers.get("who"), answers.get("good_faith")
        further_use, retention = answers.get("further_use"), answers.get("retention")
        if "affected" in answers and affected is None:
            affected = int(answers["affected"] or 0)
            state_counts = answers["state_counts"].split() if answers["state_counts"] else []
            residence_unknown = int(answers.get("residence_unknown") or 0)

    a = Assessment(
        nature=nature,
        recipient=recipient,
        acquired=acquired,
        mitigated=mitigated,
        exception=parse_exception(exception),
        secured=bool(parse_yes_no(secured, "--secured")),
        low_probability=bool(parse_yes_no(low_probability, "--low-probability")),
        reason=reason,
        device=device,
        encryption=encryption,
        powered=powered.strip().lower() if powered else None,
        key_location=key_location,
        who=who,
        good_faith=good_faith,
        further_use=further_use,
        retention=retention,
    )
    counsel = parse_yes_no(breach, "--breach")
    with opened(ctx, "incident assess") as p:
        updated, conclusion = do_assess(
            p,
            incident,
            a,
            counsel,
            affected,
            _counts(list(state_counts or [])),
            residence_unknown,
            unreachable,
        )
        deadlines = updated.deadlines(p.repo.incident_notices().get(incident, {}))
    actx = app_context(ctx)
    actx.say(
        f"Incident {incident}: {'BREACH' if conclusion.breach else 'not a breach'}. {conclusion.reasoning}"
    )
    for d in deadlines:
        actx.say(f"  notice to {d.label}: due by {d.due} ({d.why})")
    if deadlines:
        from ctcm.domain.incidents import STATE_LAW

        actx.say(f"  {STATE_LAW}")


app.command("notify")(incidentnotices.notify)
app.command("delay")(incidentnotices.delay)
app.command("media-decision")(incidentnotices.media_decision)


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
    from ctcm.areas.incidents.letter import render_letter
    from ctcm.cli.context import write_output

    with opened(ctx, "incident letter", write=False) as p:
        text = render_letter(p, incident, fmt.lower())
    write_output(app_context(ctx), text, out)


def _json(p, i):  # type: ignore[no-untyped-def]
    from ctcm.areas.incidents.breachfile import assessment_data
    from ctcm.areas.incidents.service import deadline_states

    today, warn = p.today, p.warn_days
    d = i.details
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
        "residence_unknown": d.residence_unknown,
        "unreachable": d.unreachable,
        "known_by": d.known_by,
        "vendor": d.vendor,
        "vendor_knew": d.vendor_knew.isoformat() if d.vendor_knew else None,
        "vendor_agent": d.vendor_agent,
        "covered_entity": d.covered_entity,
        "delay": d.delay.explain() if d.delay else None,
        "media_decision": d.media_decision,
        "assessment": assessment_data(i),
        "notices": p.repo.incident_notice_details().get(i.id, {}),
        "deadlines": [
            {
                "to": s.deadline.key,
                "due": s.deadline.due.isoformat(),
                "given": s.given.isoformat() if s.given else None,
                "status": s.light(today, warn).value,
                "why": s.deadline.why,
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
    from ctcm.areas.incidents.breachfile import FACTORS
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
        *(
            (f"factor {label.split(' ', 1)[0]}", data["assessment"]["factors"][key] or "-")
            for key, label in FACTORS
            if data["assessment"] is not None
        ),
        ("reasoning", i.reasoning or "-"),
        ("affected", str(i.affected) if i.affected is not None else "-"),
        (
            "by state",
            ", ".join(f"{k} {v}" for k, v in sorted(i.state_counts.items())) or "-",
        ),
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
