"""Helpers that set up ledger state through the services."""

import itertools

from meaningflow.ledger import services

_keys = itertools.count(1)


def key(prefix: str = "t") -> str:
    return f"{prefix}-{next(_keys)}"


def mint(user, amount_nights: int = 1, *, domain=None, **kwargs):
    """Mint 200 × nights CV (room, normal demand, good rating)."""
    return services.contribution_record(
        beneficiary=user,
        kind="resource",
        inputs={"resource_type": "room", "duration": amount_nights, "demand": "normal"},
        idempotency_key=kwargs.pop("idempotency_key", key("mint")),
        domain=domain,
        **kwargs,
    )
