"""Fair allocation of scarce places (BX-13): pure functions, no database.

Lottery: a weighted draw without replacement by the Efraimidis–Spirakis method. Each
candidate (in application-id order) draws ``u`` from ``random.Random(seed)``; its key is
``u ** (1 / weight)``; the ``places`` highest keys win (ties: lower application id).
Newcomers (no completed contribution yet) carry the newcomer weight (default 2), so their
chance is higher but never certain. Given the recorded seed and candidate list, anyone
can replay the draw and get the same winners.

Bidding: the highest bids win, ties to the earlier bid; nobody pays for priority in a
lottery (SPEC BX-13: never paid priority).
"""

import random


def lottery_winners(seed: str, candidates: list[dict], places: int) -> list[int]:
    """Application ids of the winners. ``candidates``: dicts with ``application`` (id)
    and ``weight`` (> 0)."""
    if places <= 0 or not candidates:
        return []
    rng = random.Random(seed)
    keyed = []
    for candidate in sorted(candidates, key=lambda c: c["application"]):
        weight = float(candidate["weight"])
        if weight <= 0:
            raise ValueError("lottery weights must be positive")
        keyed.append((rng.random() ** (1.0 / weight), -candidate["application"], candidate["application"]))
    keyed.sort(reverse=True)
    return [application for _key, _neg, application in keyed[:places]]


def bid_winners(bids: list[dict], places: int) -> list[int]:
    """Application ids of the winning bids: ``bids`` are dicts with ``application``,
    ``amount`` and ``placed`` (a sortable time); highest amount first, then earliest."""
    ranked = sorted(bids, key=lambda b: (-b["amount"], b["placed"], b["application"]))
    return [b["application"] for b in ranked[: max(0, places)]]
