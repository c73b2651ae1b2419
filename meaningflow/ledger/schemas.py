from datetime import date, datetime

from ninja import Schema


class BalanceOut(Schema):
    unit: str
    available: int
    held: int
    total: int


class HeadroomOut(Schema):
    """The annual cap (CV-6): one figure per person across all units, in Global CV."""

    year: int
    cap: int
    credited: int
    remaining: int
    not_credited: int


class PendingOut(Schema):
    """CV waiting for the person's verified identity (ID-2), per unit."""

    unit: str
    amount: int
    contributions: int
    reason: str


class ContributionOut(Schema):
    id: int
    kind: str
    unit: str
    occurred_on: date
    inputs: dict
    explanation: dict
    parameters_version: int
    amount: int
    credited: int
    status: str
    cause: str


class PostingOut(Schema):
    account: int
    unit: str
    amount: int


class TransactionOut(Schema):
    id: int
    kind: str
    memo: str
    cause: str
    created_at: datetime
    content_hash: str
    seq: int | None
    chain_hash: str
    postings: list[PostingOut]


class TrustOut(Schema):
    level: int
    name: str
    reasons: list[str]
    reason_texts: list[str]
    net_credited: int
    next_needs: list[str]


class ParametersOut(Schema):
    version: int
    effective_from: date
    document: dict
