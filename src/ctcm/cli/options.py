"""Options shared by several commands, defined once."""

from typing import Annotated

import typer

from ctcm.render.formats import OutputFormat

FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output format: table, json or csv.", case_sensitive=False),
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Check and report; change nothing.")]
DateFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        metavar="FORMAT",
        help="How the file writes dates, e.g. %m/%d/%Y (default: YYYY-MM-DD).",
    ),
]
AssessmentArg = Annotated[
    int, typer.Argument(metavar="ID", help="Assessment id (see ctcm risk list).")
]

SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="YYYY-MM-DD",
        help="In use since (back-dates onboarding: earlier as-of packets count it).",
    ),
]
