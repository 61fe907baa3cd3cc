"""``ctcm policy``: which document types a category of personnel must hold."""

from typing import Annotated

import typer

from ctcm.cli.context import app_context, opened
from ctcm.cli.options import FormatOpt
from ctcm.render.formats import OutputFormat

app = typer.Typer(
    help="Compliance policies: the documents a group of personnel must hold.", no_args_is_help=True
)


@app.command("add")
def add(
    ctx: typer.Context,
    key: str,
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    require: Annotated[
        list[str] | None,
        typer.Option("--require", help="A required document type (repeat the option)."),
    ] = None,
) -> None:
    """Add a policy.

    Example: ctcm policy add clinician --name "Licensed clinician" --require state-license --require npi
    """
    from ctcm.areas.credentials import doctypes as doctypes

    with opened(ctx, "policy add") as p:
        policy = doctypes.add_policy(p, key, name, require or [])
    app_context(ctx).say(f"Added policy {policy.key} requiring {len(policy.requires)} type(s).")


@app.command("require")
def require(ctx: typer.Context, key: str, doctype: str) -> None:
    """Add a required document type to a policy.

    Example: ctcm policy require clinician cpr-bls
    """
    from ctcm.areas.credentials import doctypes as doctypes

    with opened(ctx, "policy require") as p:
        doctypes.policy_require(p, key, doctype, True)
    app_context(ctx).say(f"Policy {key} now requires {doctype}.")


@app.command("unrequire")
def unrequire(ctx: typer.Context, key: str, doctype: str) -> None:
    """Remove a required document type from a policy.

    Example: ctcm policy unrequire clinician cpr-bls
    """
    from ctcm.areas.credentials import doctypes as doctypes

    with opened(ctx, "policy unrequire") as p:
        doctypes.policy_require(p, key, doctype, False)
    app_context(ctx).say(f"Policy {key} no longer requires {doctype}.")


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """List policies and what they require.

    Example: ctcm policy list
    """
    from ctcm.areas.credentials import doctypes as doctypes
    from ctcm.render.views import policies_view

    with opened(ctx, "policy list", write=False) as p:
        items = doctypes.list_policies(p)
    app_context(ctx).show(policies_view(items), fmt)


@app.command("show")
def show(ctx: typer.Context, key: str, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Show one policy and the active people assigned to it.

    Example: ctcm policy show clinician --format json
    """
    from ctcm.areas.credentials import service as cred
    from ctcm.render.views import policy_view

    with opened(ctx, "policy show", write=False) as p:
        policy = cred.get_policy(p, key)
        people = [x.id for x in cred.list_people(p) if key in x.policies]
        p.touch(f"policy:{key}")
    app_context(ctx).show(policy_view(policy, people), fmt)
