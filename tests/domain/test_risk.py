"""Risk analysis: the catalogs as data, and the risk matrix on every cell."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from ctcm.areas.risk.catalog import load_catalog, load_scenarios
from ctcm.domain.risk import (
    MATRIX_FIVE,
    Answer,
    AnswerStatus,
    CatalogItem,
    ItemKind,
    Level,
    Scale,
    parse_level,
    risk_level,
    validate_answer,
)
from ctcm.errors import InvalidInput


def test_security_rule_catalog_has_every_standard_and_specification() -> None:
    catalog = load_catalog("security")
    core = [i for i in catalog.items if i.citation.startswith(("164.308", "164.310", "164.312"))]
    standards = [i for i in core if i.kind is ItemKind.STANDARD]
    specs = [i for i in core if i.kind is not ItemKind.STANDARD]
    assert len(standards) == 18 and len(specs) == 36
    assert Counter(i.kind for i in specs) == {ItemKind.REQUIRED: 14, ItemKind.ADDRESSABLE: 22}
    by_section = Counter((i.citation[:7], i.kind) for i in specs)
    assert by_section == {
        ("164.308", ItemKind.REQUIRED): 10,
        ("164.308", ItemKind.ADDRESSABLE): 11,
        ("164.310", ItemKind.REQUIRED): 2,
        ("164.310", ItemKind.ADDRESSABLE): 6,
        ("164.312", ItemKind.REQUIRED): 2,
        ("164.312", ItemKind.ADDRESSABLE): 5,
    }
    with_specs = {i.parent for i in specs}
    assert len(with_specs) == 12  # six standards have no specifications
    assert {i.citation for i in standards} - with_specs == {
        "164.308(a)(2)",
        "164.308(a)(8)",
        "164.310(b)",
        "164.310(c)",
        "164.312(b)",
        "164.312(d)",
    }
    sections = {i.citation[:7] for i in catalog.items}
    assert sections == {"164.308", "164.310", "164.312", "164.314", "164.316"}


@pytest.mark.parametrize(
    ("citation", "kind"),
    [
        ("164.308(a)(1)(ii)(A)", ItemKind.REQUIRED),
        ("164.308(a)(3)(ii)(C)", ItemKind.ADDRESSABLE),
        ("164.308(a)(4)(ii)(A)", ItemKind.REQUIRED),
        ("164.308(a)(7)(ii)(D)", ItemKind.ADDRESSABLE),
        ("164.308(b)(3)", ItemKind.REQUIRED),
        ("164.310(d)(2)(i)", ItemKind.REQUIRED),
        ("164.310(d)(2)(iii)", ItemKind.ADDRESSABLE),
        ("164.312(a)(2)(ii)", ItemKind.REQUIRED),
        ("164.312(a)(2)(iv)", ItemKind.ADDRESSABLE),
        ("164.312(e)(2)(ii)", ItemKind.ADDRESSABLE),
        ("164.316(b)(2)(i)", ItemKind.REQUIRED),
    ],
)
def test_required_addressable_marks(citation: str, kind: ItemKind) -> None:
    assert load_catalog("security").get(citation).kind is kind


def test_every_item_is_written_for_a_reader() -> None:
    for rule in ("security", "privacy"):
        for item in load_catalog(rule).items:
            assert item.questions and all("?" in q for q in item.questions), item.citation
            assert item.guidance and item.name


def test_proposed_rule_notes_are_marked_proposed() -> None:
    notes = [i.nprm for i in load_catalog("security").items if i.nprm]
    assert len(notes) >= 8 and all(n.startswith("Proposed") for n in notes)


def test_scenarios_map_to_existing_citations() -> None:
    known = set(load_catalog("security").citations) | set(load_catalog("privacy").citations)
    scenarios = load_scenarios()
    assert len(scenarios) >= 42
    assert len({s.id for s in scenarios}) == len(scenarios)
    for s in scenarios:
        assert s.citations and all(c in known for c in s.citations), s.id
        assert s.mitigations and len(s.narrative) > 60
    assert {s.source.value for s in scenarios} == {
        "adversarial",
        "accidental",
        "structural",
        "environmental",
        "predisposing",
    }


def test_scenario_corrections() -> None:
    by_id = {s.id: s for s in load_scenarios()}
    # governance gaps are vulnerabilities or predisposing conditions, not threat sources
    for sid in ("S11", "S12", "S30", "S31", "S32", "S33", "S35"):
        assert by_id[sid].source.value == "predisposing", sid
    assert by_id["S19"].source.value == "structural"  # an outage is a structural failure
    assert set(by_id["S17"].citations) == {
        "164.310(a)(2)(i)",
        "164.308(a)(7)(ii)(A)",
        "164.308(a)(7)(ii)(B)",
    }
    assert "164.310(a)(2)(ii)" in by_id["S27"].citations
    assert "164.310(a)(2)(iv)" not in by_id["S27"].citations
    assert {"164.308(a)(4)(ii)(B)", "164.308(a)(3)(ii)(A)"} <= set(by_id["S30"].citations)
    assert "164.308(a)(3)(ii)(B)" not in by_id["S30"].citations
    assert "164.312(a)(2)(ii)" in by_id["S19"].citations
    # the new scenarios may cite the Privacy and Breach Rules
    cited = {c for s in load_scenarios() for c in s.citations}
    assert {"164.410", "164.530(c)", "164.402", "164.312(c)(1)"} <= cited


def test_standalone_standards_are_required_and_cannot_be_not_applicable() -> None:
    from ctcm.domain.risk import AnswerStatus, validate_answer

    catalog = load_catalog("security")
    standalone = {i.citation for i in catalog.items if catalog.standalone(i)}
    assert {
        "164.308(a)(2)",
        "164.308(a)(8)",
        "164.310(b)",
        "164.310(c)",
        "164.312(b)",
        "164.312(d)",
    } <= standalone
    assert all(catalog.required(catalog.get(c)) for c in standalone)
    with pytest.raises(InvalidInput, match="cannot be not applicable"):
        validate_answer(
            catalog.get("164.312(b)"),
            Answer("164.312(b)", AnswerStatus.NOT_APPLICABLE, note="x"),
            standalone=True,
        )
    privacy = load_catalog("privacy")
    assert not any(privacy.standalone(i) for i in privacy.items)


def test_security_catalog_corrections() -> None:
    catalog = load_catalog("security")
    transmission = catalog.get("164.312(e)(1)").guidance
    assert "paper fax" in transmission and "not electronic transmissions" in transmission
    assert "e-fax" in transmission
    other = catalog.get("164.314(a)(2)(ii)").questions[0]
    assert "both government entities" in other and "law requires" in other
    assert catalog.get("164.314(a)(2)(iii)").applies_if is not None
    harbor = catalog.get("164.312(a)(2)(iv)").guidance
    assert "NIST SP 800-111" in harbor and "not also compromised" in harbor
    # intervals the rule leaves periodic are never presented as law
    for item in catalog.items:
        text = " ".join([*item.questions, item.guidance])
        if "yearly" in text or "12 months" in text:
            assert "best practice" in text, item.citation
    assert catalog.proposed and "required and addressable" in catalog.proposed
    assert "24-hour" in catalog.proposed and "segmentation" in catalog.proposed
    notes = " ".join(i.nprm or "" for i in catalog.items)
    assert "24 hours" in notes and "segmentation" in notes


def test_privacy_catalog() -> None:
    catalog = load_catalog("privacy")
    assert {
        "164.530(a)",
        "164.520",
        "164.524",
        "164.526",
        "164.528",
        "164.508(a)(2)",
        "164.530(d)",
        "164.530(e)",
        "164.530(b)",
        "160.203",
        "BOARD",
    } <= set(catalog.citations)
    assert "30 days" in catalog.get("164.524").questions[0]


def test_privacy_catalog_corrections_and_omissions() -> None:
    catalog = load_catalog("privacy")
    accounting = " ".join([*catalog.get("164.528").questions, catalog.get("164.528").guidance])
    for phrase in (
        "60 days",
        "30-day extension",
        "12 months free",
        "to the client",
        "authorization",
        "incident to",
        "164.510",
        "limited data set",
        "national security",
        "custody",
    ):
        assert phrase in accounting, phrase
    minimum = catalog.get("164.502(b)")
    assert "164.514(d)" in minimum.name and "for treatment" in minimum.guidance
    assert "164.508(b)(3)(ii)" in catalog.get("164.508(a)(2)").questions[0]
    assert "164.524(a)(3)" in catalog.get("164.524").guidance
    assert "first service" in catalog.get("164.520").questions[0]
    assert "every form" in catalog.get("164.530(c)").name
    for citation in (
        "164.530(i)",
        "164.530(f)",
        "164.530(g)",
        "164.530(h)",
        "164.502(e)",
        "164.512(j)",
        "164.512(e)",
        "164.510(b)",
        "164.514(h)",
        "164.402",
        "164.404",
        "164.406",
        "164.408",
        "164.410",
        "164.414",
        "42 CFR 2.31",
    ):
        assert citation in catalog.citations, citation
    assert "shredding" in catalog.get("164.502(e)").questions[0]
    assert "More than 500" in catalog.get("164.406").guidance
    assert "16 February 2026" in catalog.get("42 CFR 2.31").questions[0]
    assert catalog.get("42 CFR 2.31").applies_if


def test_bad_catalog_data_is_refused() -> None:
    from ctcm.domain.risk import parse_catalog

    base = {"rule": "security", "title": "T", "version": 1}
    item = {
        "citation": "164.308(a)(2)",
        "name": "N",
        "kind": "standard",
        "safeguard": "a",
        "questions": ["Q?"],
        "guidance": "G",
    }
    with pytest.raises(InvalidInput, match="twice"):
        parse_catalog(base | {"items": [item, item]}, "t")
    with pytest.raises(InvalidInput, match="malformed"):
        parse_catalog(base | {"items": [item | {"citation": "164.308 (a)"}]}, "t")
    with pytest.raises(InvalidInput, match="unknown standard"):
        parse_catalog(base | {"items": [item | {"kind": "required", "parent": "164.999(a)"}]}, "t")
    with pytest.raises(InvalidInput, match="invalid"):
        parse_catalog(base | {"items": [item | {"kind": "optional"}]}, "t")


THREE = [Level.LOW, Level.MODERATE, Level.HIGH]
EXPECTED_THREE = {  # likelihood, impact -> risk (documented in README)
    ("low", "low"): "low",
    ("low", "moderate"): "low",
    ("low", "high"): "moderate",
    ("moderate", "low"): "low",
    ("moderate", "moderate"): "moderate",
    ("moderate", "high"): "high",
    ("high", "low"): "moderate",
    ("high", "moderate"): "high",
    ("high", "high"): "critical",
}


@pytest.mark.parametrize(("likelihood", "impact"), list(itertools.product(THREE, THREE)))
def test_three_level_matrix_every_cell(likelihood: Level, impact: Level) -> None:
    assert (
        risk_level(likelihood, impact, Scale.THREE).value
        == EXPECTED_THREE[(likelihood.value, impact.value)]
    )


FIVE = Scale.FIVE.levels
NIST_I2 = [  # rows likelihood VL..VH, columns impact VL..VH (NIST SP 800-30 Table I-2)
    ["very_low", "very_low", "very_low", "low", "low"],
    ["very_low", "low", "low", "low", "moderate"],
    ["very_low", "low", "moderate", "moderate", "high"],
    ["very_low", "low", "moderate", "high", "very_high"],
    ["very_low", "low", "moderate", "high", "very_high"],
]


@pytest.mark.parametrize(("li", "ii"), list(itertools.product(range(5), range(5))))
def test_five_level_matrix_every_cell(li: int, ii: int) -> None:
    assert risk_level(FIVE[li], FIVE[ii], Scale.FIVE).value == NIST_I2[li][ii]


def test_matrices_are_monotone() -> None:
    for scale in Scale:
        levels = scale.levels
        for a, b in itertools.product(range(len(levels)), repeat=2):
            r = risk_level(levels[a], levels[b], scale).rank
            if a + 1 < len(levels):
                assert risk_level(levels[a + 1], levels[b], scale).rank >= r
            if b + 1 < len(levels):
                assert risk_level(levels[a], levels[b + 1], scale).rank >= r
    assert set(MATRIX_FIVE) == set(FIVE)


def test_parse_level() -> None:
    assert parse_level("Medium", Scale.THREE, "likelihood") is Level.MODERATE
    assert parse_level("very high", Scale.FIVE, "impact") is Level.VERY_HIGH
    with pytest.raises(InvalidInput, match="three-level"):
        parse_level("very_high", Scale.THREE, "impact")


def test_addressable_not_implemented_needs_reason_and_alternative() -> None:
    item = CatalogItem(
        "164.312(a)(2)(iv)", "Encryption", ItemKind.ADDRESSABLE, "technical", ("Q?",), "G", ()
    )
    with pytest.raises(InvalidInput, match="--reason"):
        validate_answer(item, Answer(item.citation, AnswerStatus.NOT_IMPLEMENTED))
    ok = Answer(item.citation, AnswerStatus.NOT_IMPLEMENTED, reason="r", alternative="a")
    assert validate_answer(item, ok) == ok
    with pytest.raises(InvalidInput, match="--note"):
        validate_answer(item, Answer(item.citation, AnswerStatus.NOT_APPLICABLE))
