"""JSON API of the ledger (read-only for people: there is deliberately no transfer, loan
or cash-out endpoint — CV-3). Authentication is set globally in config/api.py."""

from django.http import Http404
from ninja.pagination import paginate

from meaningflow.core.pagination import Pagination
from meaningflow.core.routers import ApiRouter
from meaningflow.core.validators import Id
from meaningflow.ledger import selectors
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.ledger.schemas import (
    BalanceOut,
    ContributionOut,
    HeadroomOut,
    ParametersOut,
    PendingOut,
    TransactionOut,
    TrustOut,
)
from meaningflow.ledger.verify import statement_build

router = ApiRouter(tags=["ledger"])


def _tx_out(tx, user) -> dict:
    postings = tx.postings.filter(account__owner=user).select_related("unit")
    return {
        "id": tx.pk,
        "kind": tx.kind,
        "memo": tx.memo,
        "cause": tx.cause,
        "created_at": tx.created_at,
        "content_hash": tx.content_hash,
        "seq": tx.seq,
        "chain_hash": tx.chain_hash,
        "postings": [{"account": p.account_id, "unit": p.unit.code, "amount": p.amount} for p in postings],
    }


@router.get("/balances", response=list[BalanceOut])
def balances(request):
    return [{**row, "unit": row["unit"].code} for row in selectors.balances_of(request.user)]


@router.get("/headroom", response=HeadroomOut)
def headroom(request):
    return selectors.earning_headroom(request.user)


@router.get("/pending", response=list[PendingOut])
def pending(request):
    """CV recorded for you that waits for your verified identity (ID-2)."""
    return [
        {
            "unit": row["unit"].code,
            "amount": row["amount"],
            "contributions": row["contributions"],
            "reason": str(selectors.PENDING_REASON),
        }
        for row in selectors.pending_of(request.user)
    ]


@router.get("/contributions", response=list[ContributionOut])
@paginate(Pagination)
def contributions(request):
    return [
        {
            "id": c.pk,
            "kind": c.kind,
            "unit": c.unit.code,
            "occurred_on": c.occurred_on,
            "inputs": c.inputs,
            "explanation": c.explanation,
            "parameters_version": c.parameters.version,
            "amount": c.amount,
            "credited": c.credited,
            "status": c.status,
            "cause": c.cause,
        }
        for c in selectors.contributions_of(request.user)
    ]


@router.get("/transactions", response=list[TransactionOut])
@paginate(Pagination)
def transactions(request):
    return [_tx_out(tx, request.user) for tx in selectors.transactions_of(request.user)[:500]]


@router.get("/transactions/{tx_id}", response=TransactionOut)
def transaction_detail(request, tx_id: Id):
    tx = selectors.transaction_for_user(request.user, tx_id)
    if tx is None:
        raise Http404
    return _tx_out(tx, request.user)


@router.get("/statement", response=dict)
def statement(request):
    """A signed statement of the caller's transactions.

    Verify it with `manage.py ledger_verify_statement`."""
    return statement_build(user=request.user)


@router.get("/trust", response=TrustOut)
def trust(request):
    standing = selectors.trust_standing_of(request.user)
    return {
        "level": standing.level,
        "name": standing.name,
        "reasons": standing.reasons,
        "reason_texts": standing.reason_texts,
        "net_credited": standing.net_credited,
        "next_needs": standing.next_needs,
    }


@router.get("/parameters", response=ParametersOut, auth=None)
def parameters(request):
    params = parameters_in_force()
    return {
        "version": params.version,
        "effective_from": params.effective_from,
        "document": params.document,
    }
