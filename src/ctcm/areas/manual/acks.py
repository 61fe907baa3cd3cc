"""Who must acknowledge the manual in force, and by when: read by people's status
(areas/credentials/service.py) and the manual's own commands, so it imports neither."""

from __future__ import annotations

from collections.abc import Iterable

from ctcm.domain.credentials import Person, RequirementStatus
from ctcm.domain.manual import AckRule, ManualVersion, ack_requirement, in_force
from ctcm.services.practice import Practice


def ack_rule(p: Practice) -> AckRule:
    return AckRule.parse(p.settings.get("manual_ack_who"), p.settings.get("manual_ack_days"))


def current(p: Practice) -> ManualVersion | None:
    """The manual version in force today (as of the practice's date)."""
    return in_force(p.repo.manual_versions(), p.today)


def ack_requirements(
    p: Practice, people: Iterable[Person]
) -> dict[str, tuple[RequirementStatus, ...]]:
    """Each person's acknowledgment requirement of the version in force (two queries)."""
    v = current(p)
    if v is None:
        return {}
    acks, rule = p.repo.manual_acks(), ack_rule(p)
    return {x.id: ack_requirement(x, v, acks, rule, p.today) for x in people}
