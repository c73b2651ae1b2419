"""The ledger's part of a person's data (PR-1): what the export holds and what account
deletion does — nothing (registered in ``LedgerConfig.ready``; ``accounts.personal_data``).

The ledger never holds a name: postings name accounts, accounts name a user id, and the
deleted account keeps its id with nothing personal left in it. So every row, every hash
and the chain stay as they are, ``ledger_verify`` and every statement still verify, and
the figures of the Global and Domain units stay balanced (docs/PRIVACY.md)."""

import json

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meaningflow.accounts.personal_data import Blocker, Provider, Section, choice_label
from meaningflow.ledger import selectors
from meaningflow.ledger.models import Contribution, Hold, Transaction
from meaningflow.ledger.verify import statement_build


def _sections(*, user, reveal_identity: bool) -> list[Section]:
    return [
        Section(
            "contributions",
            gettext_lazy("Your contributions"),
            (
                ("date", gettext_lazy("Date")),
                ("kind", gettext_lazy("Kind")),
                ("unit", gettext_lazy("Unit")),
                ("amount", gettext_lazy("Computed CV")),
                ("credited", gettext_lazy("Credited CV")),
                ("status", gettext_lazy("Status")),
                ("explanation", gettext_lazy("How it was computed")),
            ),
            selectors.contributions_of(user).order_by("occurred_on", "pk"),
            lambda c: {
                "date": c.occurred_on,
                "kind": choice_label(Contribution.Kind, c.kind),
                "unit": c.unit.code,
                "amount": c.amount,
                "credited": c.credited,
                "status": choice_label(Contribution.Status, c.status),
                "explanation": c.explanation,
            },
        ),
        Section(
            "cv_transactions",
            gettext_lazy("Your CV transactions"),
            (
                ("transaction", gettext_lazy("Transaction")),
                ("at", gettext_lazy("When")),
                ("kind", gettext_lazy("Kind")),
                ("unit", gettext_lazy("Unit")),
                ("amount", gettext_lazy("Amount")),
                ("memo", gettext_lazy("Memo")),
                ("content_hash", gettext_lazy("Content hash")),
            ),
            selectors.postings_of(user),
            lambda p: {
                "transaction": p.transaction_id,
                "at": p.transaction.created_at,
                "kind": choice_label(Transaction.Kind, p.transaction.kind),
                "unit": p.unit.code,
                "amount": p.amount,
                "memo": p.transaction.memo,
                "content_hash": p.transaction.content_hash,
            },
        ),
        Section(
            "cv_holds",
            gettext_lazy("CV held in escrow"),
            (
                ("amount", gettext_lazy("Amount")),
                ("consumed", gettext_lazy("Used")),
                ("status", gettext_lazy("Status")),
                ("created_at", gettext_lazy("Held")),
                ("closed_at", gettext_lazy("Closed")),
            ),
            selectors.holds_of(user).order_by("created_at", "pk"),
            lambda h: {
                "amount": h.amount,
                "consumed": h.consumed,
                "status": choice_label(Hold.Status, h.status),
                "created_at": h.created_at,
                "closed_at": h.closed_at,
            },
        ),
    ]


def _attachments(*, user) -> dict[str, bytes]:
    """The signed statement (docs/LEDGER.md "How to verify"), checkable offline."""
    return {"cv_statement.json": json.dumps(statement_build(user=user), ensure_ascii=False, indent=1).encode()}


def _blockers(*, user) -> list[Blocker]:
    held = selectors.holds_of(user).filter(status=Hold.Status.ACTIVE)
    total = sum(hold.amount - hold.consumed for hold in held)
    if not total:
        return []
    return [
        Blocker(
            "ledger.delete.hold_active",
            _("%(amount)d CV of yours are held for a booking or a bid in progress. Finish or cancel it first.")
            % {"amount": total},
            reverse("ledger:history"),
        )
    ]


PROVIDER = Provider(name="ledger", sections=_sections, blockers=_blockers, attachments=_attachments)
