"""Who signs what an auditor reads: the person a document names as its signer, and what they
actually are to the practice (its designated officials, or their own title, said plainly)."""

from __future__ import annotations

from ctcm.services.practice import Practice

OFFICIALS = (("security_officer", "security official"), ("privacy_officer", "privacy official"))


def signer_role(p: Practice, person_id: str, expected: str = "security official") -> str:
    """The practice's designated official(s) the person is, or their own title said as not
    the ``expected`` designated official."""
    roles = [title for key, title in OFFICIALS if p.settings.get(key) == person_id]
    if roles:
        return "the practice's " + " and ".join(roles)
    person = p.repo.person(person_id)
    title = person.title if person is not None and person.title else "a member of the workforce"
    return f"{title}, not the designated {expected}"


def signer_name(p: Practice, person_id: str) -> str:
    person = p.repo.person(person_id)
    return person.name if person is not None else person_id
