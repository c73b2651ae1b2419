"""The money part of a booking (docs/RESOURCES.md): a ``PaymentDue`` paid offline to the
owner. It becomes due when a booking is accepted; a cancellation or an early end records the
refund; the owner confirms receipt and refunds (``bookings.payment_confirm``). Callers hold
the booking's row lock; the payment row is locked before the ledger (the lock order)."""

from decimal import Decimal

from meaningflow.resources.models import Booking, PaymentDue


def payment_due_open(booking: Booking) -> None:
    """The money part of ``booking`` becomes due (once)."""
    PaymentDue.objects.get_or_create(
        booking=booking,
        defaults={"amount": booking.money_amount, "currency": booking.money_currency},
    )


def payment_refund_record(booking: Booking, *, refund: Decimal) -> None:
    """Record what of the money part is refunded. Unpaid: the guest owes the rest (nothing
    at a full refund). Paid: a refund is due, which the owner confirms."""
    payment = PaymentDue.objects.select_for_update(no_key=True).filter(booking=booking).first()
    if payment is None:
        return
    refund = min(max(refund, Decimal(0)), payment.amount).quantize(Decimal("0.01"))
    payment.refund_amount = refund
    if payment.status == PaymentDue.Status.DUE:
        payment.status = PaymentDue.Status.VOID if refund == payment.amount else PaymentDue.Status.DUE
    elif payment.status == PaymentDue.Status.RECEIVED and refund:
        payment.status = PaymentDue.Status.REFUND_DUE
    payment.save()
