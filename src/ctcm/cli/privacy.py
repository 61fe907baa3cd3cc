"""``ctcm request``, ``ctcm complaint``, ``ctcm sanction``, ``ctcm npp``: the Privacy Rule's
records with their clocks (areas/privacy)."""

from pathlib import Path
from typing import Annotated, Any

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat, View

request_app = typer.Typer(
    help="Patients' requests (access, amendment, accounting, restriction, confidential "
    "communication) with their legal deadlines.",
    no_args_is_help=True,
)
complaint_app = typer.Typer(help="Privacy complaints and their dispositions.", no_args_is_help=True)
sanction_app = typer.Typer(
    help="Sanctions applied to workforce members (admins and officers).", no_args_is_help=True
)
npp_app = typer.Typer(
    help="The notice of privacy practices: versions, postings, acknowledgments.",
    no_args_is_help=True,
)

DateOpt = Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="When it happened.")]


def _day(value: str, option: str) -> Any:
    from ctcm.domain.dates import parse_any_date

    return parse_any_date(value, option)


def _request_data(p: Any, r: Any) -> dict[str, object]:
    from ctcm.areas.privacy.service import clock

    c = clock(p, r)
    return {
        "id": r.id,
        "kind": r.kind,
        "received": r.received.isoformat(),
        "patient_ref": r.patient_ref,
        "deadline": c.due.isoformat(),
        "deadline_kind": "legal" if c.legal else "practice target",
        "days_left": c.days_left if r.closed is None else None,
        "extended": c.extended,
        "extension_reason": r.extension_reason,
        "extension_notified": r.extension_notified.isoformat() if r.extension_notified else None,
        "closed": r.closed.isoformat() if r.closed else None,
        "outcome": r.outcome,
        "denial_basis": r.denial_basis,
        "reviewable": r.reviewable,
        "review": (
            {"by": r.review_by, "date": str(r.review_date), "outcome": r.review_outcome}
            if r.review_by
            else None
        ),
        "fee_allowed": r.fee_allowed,
        "restriction_kind": r.restriction_kind,
        "note": r.note,
        "letter": bool(r.letter_file),
    }


def _done(ctx: typer.Context, fmt: OutputFormat, data: dict[str, Any], said: str) -> None:
    """What a recording command did: a sentence at the terminal, the record with --format."""
    actx = app_context(ctx)
    if fmt is not OutputFormat.TABLE:
        actx.show(View(data, ["field", "value"], [], status_column=None), fmt)
        return
    actx.say(said)


def _show_request(ctx: typer.Context, p: Any, r: Any, fmt: OutputFormat, said: str) -> None:
    _done(ctx, fmt, _request_data(p, r), said)


def _complaint_data(c: Any) -> dict[str, Any]:
    return {
        "id": c.id, "received": c.received.isoformat(), "about": c.about, "note": c.note,
        "disposition": c.disposition, "closed": c.closed.isoformat() if c.closed else None,
    }  # fmt: skip


# --------------------------------------------------------------------------- requests


@request_app.command("add")
def request_add(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            help="access | amendment | accounting | restriction | confidential-communication"
        ),
    ],
    received: Annotated[str, typer.Option("--received", metavar="YYYY-MM-DD")],
    patient_ref: Annotated[
        str, typer.Option("--patient-ref", help="The practice's reference (never a name).")
    ],
    note: Annotated[str | None, typer.Option("--note", help="Kept in the vault only.")] = None,
    restriction_kind: Annotated[
        str | None,
        typer.Option("--restriction-kind", help="out-of-pocket | other (restrictions only)."),
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record a patient's request; its deadline runs from --received (access 30 days,
    amendment and accounting 60; restrictions and confidential communications: the practice's
    target, ctcm practice set --request-target-days).

    Example: ctcm request add access --received 2026-03-02 --patient-ref MRN-1042
    """
    from ctcm.areas.privacy.service import add_request, clock

    day = _day(received, "--received")
    with opened(ctx, "request add") as p:
        r = add_request(p, kind, day, patient_ref, note, restriction_kind)
        due = clock(p, r).due
        fee = " Not the patient's first accounting in 12 months: a reasonable, cost-based fee "
        fee += "may be charged if the patient was told in advance."
        _show_request(
            ctx, p, r, fmt,
            f"Recorded request {r.id} ({r.kind}, {r.patient_ref}): decide by {due}"
            + ("." if r.kind in ("access", "amendment", "accounting") else
               " (the practice's target; the rule sets no day count).")
            + (fee if r.fee_allowed else "")
            + (f" OVERDUE already, by {(p.today - due).days} day(s): act now." if due < p.today
               else ""),
        )  # fmt: skip


@request_app.command("extend")
def request_extend(
    ctx: typer.Context,
    request_id: int,
    reason: Annotated[str, typer.Option("--reason", help="The reason told to the patient.")],
    notified: Annotated[
        str,
        typer.Option("--notified", metavar="YYYY-MM-DD", help="When the written notice went."),
    ],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The one 30-day extension, given in writing (reason and new date) within the first
    period.

    Example: ctcm request extend 3 --reason "records in off-site storage" --notified 2026-03-20
    """
    from ctcm.areas.privacy.service import extend_request

    day = _day(notified, "--notified")
    with opened(ctx, "request extend") as p:
        r = extend_request(p, request_id, reason, day)
        _show_request(ctx, p, r, fmt, f"Request {r.id} extended: decide by {r.extended_to}.")


@request_app.command("close")
def request_close(
    ctx: typer.Context,
    request_id: int,
    on: DateOpt,
    granted: Annotated[bool, typer.Option("--granted")] = False,
    denied: Annotated[bool, typer.Option("--denied")] = False,
    partly: Annotated[bool, typer.Option("--partly", help="Granted in part.")] = False,
    denial_basis: Annotated[
        str | None, typer.Option("--denial-basis", help="The basis given in writing.")
    ] = None,
    reviewable: Annotated[
        bool,
        typer.Option("--reviewable", help="An access denial the patient may have reviewed."),
    ] = False,
    file: Annotated[
        Path | None, typer.Option("--file", help="The letter sent (kept encrypted).")
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Close a request: granted, denied or granted in part, on a date; a denial with its basis.

    Example: ctcm request close 3 --granted --date 2026-03-25 --file letter.pdf
    """
    from ctcm.areas.privacy.service import clock, close_request
    from ctcm.errors import InvalidInput

    if granted + denied + partly != 1:
        raise InvalidInput("give one of --granted, --denied, --partly")
    outcome = "granted" if granted else "denied" if denied else "partly"
    day = _day(on, "--date")
    with opened(ctx, "request close") as p:
        r = close_request(p, request_id, outcome, day, denial_basis, reviewable, file)
        due = clock(p, r).due
        late = f" ({(day - due).days} days after the deadline {due})" if day > due else ""
        _show_request(ctx, p, r, fmt, f"Request {r.id} closed: {outcome} on {day}{late}.")


@request_app.command("review")
def request_review(
    ctx: typer.Context,
    request_id: int,
    by: Annotated[
        str,
        typer.Option("--by", help="The licensed professional, not involved in the denial."),
    ],
    on: DateOpt,
    upheld: Annotated[bool, typer.Option("--upheld")] = False,
    overturned: Annotated[bool, typer.Option("--overturned")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record the review of a reviewable access denial (45 CFR 164.524(d)(4)).

    Example: ctcm request review 4 --by "Dr. Rosa Diaz, LCSW" --date 2026-04-10 --upheld
    """
    from ctcm.areas.privacy.service import review_request
    from ctcm.errors import InvalidInput

    if upheld == overturned:
        raise InvalidInput("give --upheld or --overturned")
    day = _day(on, "--date")
    with opened(ctx, "request review") as p:
        r = review_request(p, request_id, by, day, "upheld" if upheld else "overturned")
        _show_request(ctx, p, r, fmt, f"Review of request {request_id} recorded.")


@request_app.command("list")
def request_list(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="Open requests only.")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Patients' requests with their deadlines, most urgent first.

    Example: ctcm request list --open
    """
    with opened(ctx, "request list", write=False) as p:
        found = [r for r in p.repo.privacy_requests() if not open_only or r.closed is None]
        data = [_request_data(p, r) for r in found]
        p.touch("requests")
    data.sort(key=lambda d: (d["closed"] is not None, str(d["deadline"])))

    def state(d: dict[str, Any]) -> str:
        left = d["days_left"] or 0
        return str(d["outcome"] or ("OVERDUE" if left < 0 else f"{left} days left"))

    rows = [
        [d["id"], d["kind"], d["patient_ref"], d["received"], d["deadline"], state(d)] for d in data
    ]
    app_context(ctx).show(
        View(data, ["id", "kind", "patient", "received", "deadline", "state"], rows,
             status_column=None), fmt,
    )  # fmt: skip


@request_app.command("show")
def request_show(ctx: typer.Context, request_id: int, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """One request with its clock, extension, outcome and review.

    Example: ctcm request show 3 --format json
    """
    from ctcm.areas.privacy.service import get_request

    with opened(ctx, "request show", write=False) as p:
        data = _request_data(p, get_request(p, request_id))
        p.touch(f"request:{request_id}")
    rows = [[k, "" if v is None else v] for k, v in data.items()]
    app_context(ctx).show(View(data, ["field", "value"], rows, status_column=None), fmt)


# --------------------------------------------------------------------------- complaints


@complaint_app.command("add")
def complaint_add(
    ctx: typer.Context,
    received: Annotated[str, typer.Option("--received", metavar="YYYY-MM-DD")],
    about: Annotated[str, typer.Option("--about", help="What it is about (no PHI).")],
    note: Annotated[str | None, typer.Option("--note")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record a complaint about the practice's privacy policies or its compliance.

    Example: ctcm complaint add --received 2026-03-02 --about "front desk discussed a visit aloud"
    """
    from ctcm.areas.privacy.service import add_complaint

    day = _day(received, "--received")
    with opened(ctx, "complaint add") as p:
        c = add_complaint(p, day, about, note)
    _done(ctx, fmt, _complaint_data(c),
          f"Recorded complaint {c.id}; close it with its disposition when decided.")  # fmt: skip


@complaint_app.command("close")
def complaint_close(
    ctx: typer.Context,
    complaint_id: int,
    disposition: Annotated[str, typer.Option("--disposition", help="What was decided and done.")],
    on: DateOpt,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record a complaint's disposition (45 CFR 164.530(d)(2)).

    Example: ctcm complaint close 1 --disposition "retrained front desk" --date 2026-03-20
    """
    from ctcm.areas.privacy.service import close_complaint

    day = _day(on, "--date")
    with opened(ctx, "complaint close") as p:
        c = close_complaint(p, complaint_id, disposition, day)
    _done(ctx, fmt, _complaint_data(c), f"Complaint {complaint_id} closed on {day}.")


@complaint_app.command("list")
def complaint_list(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Complaints with their dispositions.

    Example: ctcm complaint list --format json
    """
    with opened(ctx, "complaint list", write=False) as p:
        found = p.repo.complaints()
        p.touch("complaints")
    data = [_complaint_data(c) for c in found]
    rows = [[c.id, c.received, c.about, c.disposition or "OPEN", c.closed or ""] for c in found]
    app_context(ctx).show(
        View(data, ["id", "received", "about", "disposition", "closed"], rows,
             status_column=None), fmt,
    )  # fmt: skip


# --------------------------------------------------------------------------- sanctions


@sanction_app.command("add")
def sanction_add(
    ctx: typer.Context,
    person_id: str,
    on: DateOpt,
    reason: Annotated[str, typer.Option("--reason", help="What the person did.")],
    action: Annotated[str, typer.Option("--action", help="The sanction applied.")],
    incident: Annotated[
        int | None, typer.Option("--incident", help="The incident, if any.")
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record a sanction applied to a workforce member (45 CFR 164.530(e)(2),
    164.308(a)(1)(ii)(C)).

    Example: ctcm sanction add bchen --date 2026-03-10 --reason "looked up a neighbour's chart" --action "written warning; retraining" --incident 2
    """
    from ctcm.areas.privacy.service import add_sanction

    day = _day(on, "--date")
    with opened(ctx, "sanction add") as p:
        s = add_sanction(p, person_id, day, reason, action, incident)
    data = {"id": s.id, "person": s.person_id, "date": s.on.isoformat(), "reason": s.reason,
            "action": s.action, "incident": s.incident_id}  # fmt: skip
    _done(ctx, fmt, data, f"Recorded sanction {s.id} for {person_id}.")


@sanction_app.command("list")
def sanction_list(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Sanctions applied (admins and officers only).

    Example: ctcm sanction list
    """
    from ctcm.areas.privacy.service import sanctions

    with opened(ctx, "sanction list", write=False) as p:
        found = sanctions(p)
    data = [
        {"id": s.id, "person": s.person_id, "date": s.on.isoformat(), "reason": s.reason,
         "action": s.action, "incident": s.incident_id}
        for s in found
    ]  # fmt: skip
    rows = [[s.id, s.person_id, s.on, s.reason, s.action, s.incident_id or ""] for s in found]
    app_context(ctx).show(
        View(data, ["id", "person", "date", "reason", "action", "incident"], rows,
             status_column=None), fmt,
    )  # fmt: skip


# --------------------------------------------------------------------------- the NPP


@npp_app.command("adopt")
def npp_adopt(
    ctx: typer.Context,
    file: Path,
    effective: Annotated[str, typer.Option("--effective", metavar="YYYY-MM-DD")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Adopt a version of the notice of privacy practices (kept encrypted, with its SHA-256,
    for six years after it was last in effect).

    Example: ctcm npp adopt notice-2026.pdf --effective 2026-03-01
    """
    from ctcm.areas.privacy.service import adopt_npp

    day = _day(effective, "--effective")
    with opened(ctx, "npp adopt") as p:
        v = adopt_npp(p, file, day)
    data = {"version": v.id, "effective": v.effective.isoformat(), "file": v.filename,
            "sha256": v.sha256}  # fmt: skip
    _done(ctx, fmt, data,
          f"Adopted NPP version {v.id}, effective {v.effective} (SHA-256 {v.sha256[:16]}...). "
          "Next: ctcm npp posted --where office --date D")  # fmt: skip


@npp_app.command("posted")
def npp_posted(
    ctx: typer.Context,
    where: Annotated[str, typer.Option("--where", help="office | website")],
    on: DateOpt,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record that the version in force was posted (office, website).

    Example: ctcm npp posted --where office --date 2026-03-01
    """
    from ctcm.areas.privacy.service import posted

    day = _day(on, "--date")
    with opened(ctx, "npp posted") as p:
        v = posted(p, where, day)
    data = {"version": v.id, "where": where, "date": day.isoformat()}
    _done(ctx, fmt, data, f"NPP version {v.id} posted at the {where} on {day}.")


@npp_app.command("ack")
def npp_ack(
    ctx: typer.Context,
    month: Annotated[str, typer.Option("--month", metavar="YYYY-MM")],
    given: Annotated[int, typer.Option("--given", help="Notices given at first service.")],
    acknowledged: Annotated[int, typer.Option("--acknowledged", help="Signed receipts.")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Count a month's acknowledgments of receipt (a good-faith effort at first service).

    Example: ctcm npp ack --month 2026-02 --given 14 --acknowledged 13
    """
    from ctcm.areas.privacy.service import record_acks

    with opened(ctx, "npp ack") as p:
        record_acks(p, month, given, acknowledged)
    data = {"month": month, "given": given, "acknowledged": acknowledged}
    _done(ctx, fmt, data, f"Recorded {acknowledged} of {given} acknowledgments for {month}.")


@npp_app.command("list")
def npp_list(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """NPP versions, postings and monthly acknowledgment counts.

    Example: ctcm npp list --format json
    """
    with opened(ctx, "npp list", write=False) as p:
        versions = p.repo.npp_versions()
        postings = p.repo.npp_postings()
        acks = p.repo.npp_acks()
        p.touch("npp")
    data = {
        "versions": [
            {"id": v.id, "effective": v.effective.isoformat(), "file": v.filename,
             "sha256": v.sha256,
             "posted": [{"where": x.place, "date": x.on.isoformat()}
                        for x in postings if x.version_id == v.id]}
            for v in versions
        ],
        "acknowledgments": [
            {"month": a.month, "given": a.given, "acknowledged": a.acknowledged} for a in acks
        ],
    }  # fmt: skip
    rows = [
        [v["id"], v["effective"], v["file"],
         ", ".join(f"{x['where']} {x['date']}" for x in v["posted"]) or "not posted"]  # type: ignore[attr-defined]
        for v in data["versions"]
    ]  # fmt: skip
    app_context(ctx).show(
        View(data, ["version", "effective", "file", "posted"], rows, status_column=None), fmt
    )


def register(app: typer.Typer) -> None:
    app.add_typer(request_app, name="request")
    app.add_typer(complaint_app, name="complaint")
    app.add_typer(sanction_app, name="sanction")
    app.add_typer(npp_app, name="npp")
