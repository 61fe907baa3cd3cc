"""The JSON renderer: readable indentation, and the dashboard's hand-written fast path writes
exactly what the plain encoder would."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ctcm.domain.credentials import Light, Person, PersonStatus, Reason, RequirementStatus
from ctcm.render.formats import RawJSON, dumps_readable
from ctcm.render.views import person_status_json, person_status_raw

texts = st.text(min_size=1, max_size=20)
dates = st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
ints = st.none() | st.integers(min_value=-(10**9), max_value=10**9)
requirement = st.builds(
    RequirementStatus,
    doctype=texts,
    name=texts,
    status=st.sampled_from(list(Light)),
    reason=st.sampled_from(list(Reason)),
    expires=dates,
    days_left=ints,
    document_id=ints,
    waived_until=dates,
)
person_status = st.builds(
    PersonStatus,
    person=st.builds(Person, id=texts, name=texts, email=st.just("x@example.org")),
    status=st.sampled_from(list(Light)),
    requirements=st.lists(requirement, max_size=4).map(tuple),
)


@given(person_status)
def test_the_fast_person_json_equals_the_plain_one(s: PersonStatus) -> None:
    raw = person_status_raw(s, {})
    assert isinstance(raw, RawJSON)
    assert json.loads(raw) == json.loads(json.dumps(person_status_json(s), default=str))


def test_readable_json_indents_the_outer_levels_and_keeps_records_on_one_line() -> None:
    data = {"a": 1, "people": [{"id": "x", "reqs": [1, 2]}, {"id": "y", "reqs": []}], "e": []}
    text = dumps_readable(data)
    assert json.loads(text) == data
    assert text.splitlines() == [
        "{",
        '  "a": 1,',
        '  "people": [',
        '    {"id": "x", "reqs": [1, 2]},',
        '    {"id": "y", "reqs": []}',
        "  ],",
        '  "e": []',
        "}",
    ]
