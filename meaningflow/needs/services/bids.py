"""Allocation of places by CV bids and by fair lottery (DG-4, BX-13; docs/MATCHING.md).
Placing a bid is part of applying (``applications``); settling one is part of the
application's move (``transitions._bid_settle``). Locks: the need row, then its open
applications in id order, then the ledger's holds and accounts (the global order of
``core.transactions``)."""

import secrets
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.core import transactions
from meaningflow.core.services import audit_log
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.needs import allocation
from meaningflow.needs.models import Application, Bid, LotteryDraw, MatchingWeights, Need
from meaningflow.needs.services.common import OPEN_APPLICATION, Person, S, _require_manager
from meaningflow.needs.services.transitions import _apply_application_transition, _bid_settle


@transactions.entry_point
def bids_allocate(*, need: Need, actor: Person) -> list[Application]:
    """Allocate the free places of a bidding need: the highest bids win (ties: earlier
    bid); winners' holds are consumed, losers' released and their applications declined."""
    with transactions.atomic():
        need = Need.objects.select_for_update(no_key=True, of=("self",)).select_related("organisation").get(pk=need.pk)
        _require_manager(actor=actor, need=need)
        if need.allocation != Need.Allocation.BIDDING:
            raise ValidationError(_("This need does not allocate places by bids."), code="need.not_bidding")
        open_apps = list(
            Application.objects.select_for_update(no_key=True)
            .filter(need=need, status__in=OPEN_APPLICATION)
            .order_by("pk")
        )
        bids = {b.application_id: b for b in Bid.objects.filter(application__in=open_apps, status=Bid.Status.ACTIVE)}
        ranking = [
            {"application": a.pk, "amount": bids[a.pk].amount, "placed": bids[a.pk].created_at}
            for a in open_apps
            if a.pk in bids
        ]
        winners = set(allocation.bid_winners(ranking, need.places_left))
        accepted = []
        for application in open_apps:
            if application.pk in winners:
                _apply_application_transition(
                    application=application,
                    need=need,
                    action="accept",
                    actor=actor,
                    reason="won the CV bid",
                )
                _bid_settle(application=application, won=True)
                accepted.append(application)
            else:
                _apply_application_transition(
                    application=application,
                    need=need,
                    action="decline",
                    actor=actor,
                    reason="outbid",
                )
        audit_log(
            actor=actor,
            action="needs.need.bids_allocated",
            subject=need.subject,
            region_code=need.region_code,
            data={"winners": sorted(winners)},
        )
    return accepted


def weights_in_force(*, on: date | None = None) -> MatchingWeights:
    """The matching weights row in force on ``on`` (today), or the defaults (unsaved)."""
    on = on or timezone.localdate()
    return MatchingWeights.objects.filter(effective_from__lte=on).first() or MatchingWeights(effective_from=on)


def is_newcomer(user: Person) -> bool:
    """A newcomer has no completed contribution: nothing in the ledger, no completed need."""
    if ledger_selectors.contributions_of(user).exists():
        return False
    return not Application.objects.filter(
        applicant=user, status__in=[S.COMPLETED, S.PARTLY_COMPLETED, S.REVIEWED]
    ).exists()


@transactions.entry_point
def lottery_draw(*, need: Need, actor: Person, seed: str | None = None) -> LotteryDraw:
    """Draw the free places of a lottery need among the open applications and record the
    draw (seed, candidates with weights, winners) so it can be replayed. Winners are
    accepted, the others declined."""
    with transactions.atomic():
        need = Need.objects.select_for_update(no_key=True, of=("self",)).select_related("organisation").get(pk=need.pk)
        _require_manager(actor=actor, need=need)
        if need.allocation != Need.Allocation.LOTTERY:
            raise ValidationError(_("This need does not allocate places by lottery."), code="need.not_lottery")
        if LotteryDraw.objects.filter(need=need).exists():
            raise ValidationError(_("The lottery of this need has already been drawn."), code="lottery.already_drawn")
        open_apps = list(
            Application.objects.select_for_update(no_key=True, of=("self",))
            .select_related("applicant")
            .filter(need=need, status__in=OPEN_APPLICATION)
            .order_by("pk")
        )
        if not open_apps:
            raise ValidationError(_("There is nobody to draw from yet."), code="lottery.no_candidates")
        newcomer_weight = weights_in_force().newcomer_weight
        candidates = []
        for application in open_apps:
            newcomer = is_newcomer(application.applicant)
            candidates.append(
                {
                    "application": application.pk,
                    "user": application.applicant_id,
                    "newcomer": newcomer,
                    "weight": str(newcomer_weight if newcomer else Decimal(1)),
                }
            )
        seed = seed or secrets.token_hex(16)
        winners = allocation.lottery_winners(seed, candidates, need.places_left)
        draw = LotteryDraw.objects.create(
            need=need,
            seed=seed,
            newcomer_weight=newcomer_weight,
            places=need.places_left,
            candidates=candidates,
            winners=winners,
            drawn_by=actor,
        )
        for application in open_apps:
            won = application.pk in winners
            _apply_application_transition(
                application=application,
                need=need,
                action="accept" if won else "decline",
                actor=actor,
                reason="lottery won" if won else "not drawn",
            )
        audit_log(
            actor=actor,
            action="needs.need.lottery_drawn",
            subject=need.subject,
            region_code=need.region_code,
            data={"seed": seed, "winners": winners},
        )
    return draw
