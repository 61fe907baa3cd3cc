"""Synthetic practices of N people, for benchmarks and scale tests (deterministic)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from ctcm.domain.credentials import Document, Person, Waiver
from ctcm.services.practice import Practice


def populate(p: Practice, people: int, today: date, seed: int = 7, attention: float = 0.30) -> int:
    """Add ``people`` people (policies from the starter) with a mix of documents.

    A share ``attention`` of requirements needs attention (by default 30%: 5% missing, 15%
    expired, 10% expiring within 30 days); the rest expire 61 days or more ahead, outside any
    reminder window. Returns the number of documents recorded.
    """
    rng = random.Random(seed)
    policies = p.repo.policies()
    doctypes = p.repo.doctypes()
    keys = sorted(policies)
    staff = []
    for i in range(people):
        chosen = tuple(sorted(rng.sample(keys, k=1 + (i % 3 == 0))))
        staff.append(Person(f"p{i:06d}", f"Person {i}", f"person{i}@example.org", policies=chosen))
    p.repo.put_people(staff, p.now_iso)
    docs = []
    waivers = []
    for person in staff:
        required = sorted({k for pol in person.policies for k in policies[pol].requires})
        for key in required:
            roll = rng.random() * 0.30 / max(attention, 1e-9)
            if roll < 0.05:
                continue
            dt = doctypes[key]
            if dt.never_expires:
                docs.append(Document(0, person.id, key, today - timedelta(days=400), None))
                continue
            if roll < 0.20:
                left = -rng.randint(1, 300)
            elif roll < 0.30:
                left = rng.randint(0, 29)
            else:
                left = rng.randint(61, 700)
            expires = today + timedelta(days=left)
            docs.append(
                Document(
                    0,
                    person.id,
                    key,
                    expires - timedelta(days=dt.validity_days or 30 * (dt.validity_months or 0)),
                    expires,
                    f"N-{rng.randint(10000, 99999)}",
                )
            )
        if rng.random() < 0.02 and required:
            waivers.append(
                Waiver(person.id, required[0], "synthetic waiver", today + timedelta(days=90))
            )
    p.repo.add_documents(docs, p.now_iso, p.actor)
    for w in waivers:
        p.repo.put_waiver(w, p.now_iso, p.actor)
    p.touch(f"synthetic:{people}")
    return len(docs)
