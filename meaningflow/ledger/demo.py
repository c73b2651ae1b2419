"""Demo contribution history: every verified demo participant gets a few past contributions,
so balances, the CV-over-time chart and trust levels have something to show; the newcomer who
has not verified the identity yet gets one, which waits (ID-2). Recorded through
``contribution_record`` with fixed idempotency keys, so loading twice changes nothing."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from meaningflow.ledger.services import contribution_record

User = get_user_model()

SAMPLES = [
    (
        "skill",
        {"hours": 6, "learners": 8, "learner_rating": "good", "difficulty_class": "basic"},
        "demo:smartphone-class",
    ),
    (
        "skill",
        {"hours": 10, "learners": 3, "learner_rating": "good", "difficulty_class": "language_teaching"},
        "demo:english-corner",
    ),
    (
        "skill",
        {"hours": 12, "learners": 4, "learner_rating": "good", "difficulty_class": "programming"},
        "demo:coding-club",
    ),
    (
        "project",
        {"project_type": "community_event", "role": "core_organiser", "people_reached": 120, "completion": "full"},
        "demo:lantern-festival",
    ),
    (
        "project",
        {"project_type": "medium_project", "role": "participant", "people_reached": 40, "completion": "partial"},
        "demo:rural-ecommerce",
    ),
    ("resource", {"resource_type": "room", "duration": 3, "demand": "peak", "rating": "good"}, "demo:guest-room"),
    (
        "community",
        {"participants": 25, "activity": "lasting_community", "content": "highly_rated"},
        "demo:reading-circle",
    ),
]


def load(stdout) -> dict[str, int]:
    rng = random.Random(42)
    today = timezone.localdate()
    participants = User.objects.filter(is_superuser=False, staff_roles__isnull=True)
    people = participants.filter(identity__isnull=False).order_by("pk")
    recorded = 0
    for newcomer in participants.filter(identity__isnull=True).order_by("pk"):
        kind, inputs, cause = SAMPLES[0]
        contribution_record(
            beneficiary=newcomer,
            kind=kind,
            inputs=inputs,
            cause=cause,
            idempotency_key=f"demo:{newcomer.username}:waiting",
            occurred_on=today - timedelta(days=5),
        )
        recorded += 1
    for person in people:
        for index in range(rng.randint(1, 4)):
            kind, inputs, cause = rng.choice(SAMPLES)
            contribution_record(
                beneficiary=person,
                kind=kind,
                inputs=inputs,
                cause=cause,
                idempotency_key=f"demo:{person.username}:{index}",
                occurred_on=today - timedelta(days=rng.randint(10, 270)),
            )
            recorded += 1
    return {"contributions": recorded}
