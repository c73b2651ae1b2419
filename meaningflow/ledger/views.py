"""Pages of the ledger: the person's CV history (CV-8) and the public "How CV works" page."""

import csv
import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from meaningflow.ledger import selectors
from meaningflow.ledger.charts import svg_line_chart
from meaningflow.ledger.formulas import FORMULAS
from meaningflow.ledger.models import Transaction
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.ledger.verify import statement_build

CSV_COLUMNS = [
    "date",
    "kind",
    "unit",
    "amount",
    "credited",
    "formula",
    "inputs",
    "parameters_version",
    "cause",
]


def _get_transaction_for_user(request, pk: int) -> Transaction:
    """The transaction if it touched one of the person's accounts; 404 otherwise, so that
    nobody learns whether someone else's transaction exists."""
    tx = selectors.transaction_for_user(request.user, pk)
    if tx is None:
        raise Http404
    return tx


HISTORY_PAGE_SIZE = 25


@login_required
def history(request):
    user = request.user
    # Two lists, each paged on its own (?contributions=N, ?transactions=N); the other
    # list's page is kept in the links.
    contributions = Paginator(selectors.contributions_of(user), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("contributions")
    )
    transactions = Paginator(selectors.transactions_of(user), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("transactions")
    )
    context = {
        "balances": selectors.balances_of(user),
        "headroom": selectors.earning_headroom(user),
        "pending": selectors.pending_of(user),
        "pending_reason": selectors.PENDING_REASON,
        "standing": selectors.trust_standing_of(user),
        "trust_history": selectors.trust_history_of(user)[:20],
        "contributions": contributions,
        "transactions": transactions,
        "holds": selectors.holds_of(user)[:20],
        "chart": svg_line_chart(selectors.balance_series(user), title=_("Available CV over time")),
    }
    return render(request, "ledger/history.html", context)


def how(request):
    params = parameters_in_force()
    formulas = {kind: func.__doc__.splitlines()[0] for kind, func in FORMULAS.items()}
    return render(request, "ledger/how.html", {"params": params, "doc": params.document, "formulas": formulas})


def _export_rows(user):
    for c in selectors.contributions_of(user):
        yield {
            "date": c.occurred_on.isoformat(),
            "kind": c.kind,
            "unit": c.unit.code,
            "amount": c.amount,
            "credited": c.credited,
            "formula": c.explanation.get("formula", ""),
            "inputs": json.dumps(c.inputs, ensure_ascii=False, sort_keys=True),
            "parameters_version": c.parameters.version,
            "cause": c.cause,
        }


@login_required
def export_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cv-contributions.csv"'
    writer = csv.DictWriter(response, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(_export_rows(request.user))
    return response


@login_required
def export_json(request):
    response = JsonResponse(
        {"contributions": list(_export_rows(request.user))},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Disposition"] = 'attachment; filename="cv-contributions.json"'
    return response


@login_required
def statement(request):
    response = JsonResponse(statement_build(user=request.user), json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="cv-statement.json"'
    return response


@login_required
def transaction_detail(request, pk: int):
    tx = _get_transaction_for_user(request, pk)
    postings = tx.postings.filter(account__owner=request.user).select_related("unit")
    return render(request, "ledger/transaction_detail.html", {"tx": tx, "postings": postings})
