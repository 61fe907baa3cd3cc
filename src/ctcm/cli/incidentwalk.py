"""The breach risk assessment walk (``ctcm incident assess ID`` at a terminal): each question
of 164.402 in turn, with what it means and the facts each conclusion needs."""

from __future__ import annotations

import typer

from ctcm.cli.context import AppContext


def walk(actx: AppContext) -> dict[str, str]:
    def ask(text: str, default: str | None = None) -> str:
        return str(typer.prompt(text, default=default, err=True)).strip()

    actx.say(
        "Breach risk assessment (45 CFR 164.402). Answer each question; the conclusion, its "
        "facts and its reasoning are recorded (the burden of proof is the practice's, 164.414). "
        "The notice clock started on discovery: the first day anyone here, other than the "
        "person who did it, knew or would have known with reasonable diligence."
    )
    out: dict[str, str] = {}
    out["secured"] = ask(
        "Was the information encrypted as HHS guidance describes, with the key not "
        "compromised (or destroyed)? yes/no",
        "no",
    )
    if out["secured"].lower() == "yes":
        out["device"] = ask("Which device or data was it")
        out["encryption"] = ask("Which encryption protected it (product, algorithm)")
        out["powered"] = ask("Was the device powered off, locked, on, or unknown?", "off")
        out["key_location"] = ask("Where was the key or passphrase, apart from the device")
        return out
    out["exception"] = ask(
        "Does an exception apply? none / good-faith-workforce / inadvertent-internal / "
        "could-not-retain",
        "none",
    )
    if out["exception"] in ("good-faith-workforce", "inadvertent-internal"):
        out["who"] = ask("Who accessed or disclosed it (name and role)")
    if out["exception"] == "good-faith-workforce":
        out["good_faith"] = ask("Why was it in good faith and within their authority")
    if out["exception"] in ("inadvertent-internal", "could-not-retain"):
        out["recipient"] = ask("Who received it (and their authorization)")
    if out["exception"] in ("good-faith-workforce", "inadvertent-internal"):
        out["further_use"] = ask("How do you know it was not used or disclosed further")
    if out["exception"] == "could-not-retain":
        out["retention"] = ask("Why could the recipient not reasonably have retained it")
    if out["exception"] != "none":
        return out
    out["nature"] = ask(
        "Factor 1: the nature and extent of the information (identifiers, how sensitive, can "
        "it be re-identified)"
    )
    out["recipient"] = ask("Factor 2: who used or received it")
    out["acquired"] = ask("Factor 3: was it actually acquired or viewed? yes/no/unknown")
    out["mitigated"] = ask("Factor 4: how far was the risk mitigated")
    out["low_probability"] = ask(
        "Do these show a low probability that the information was compromised? yes/no", "no"
    )
    if out["low_probability"].lower() != "yes":
        out["affected"] = ask("How many people are affected", "0")
        out["state_counts"] = ask("Residents per state, e.g. NY=510 NJ=20 (blank: none)", "")
        out["residence_unknown"] = ask("How many of them live in a state you do not know", "0")
    return out
