from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from meaningflow.core.models import AuditEvent, Notification


def unread_notification_count(*, user: AbstractBaseUser | AnonymousUser | None) -> int:
    if not isinstance(user, AbstractBaseUser) or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notifications_for(*, user: AbstractBaseUser, limit: int = 50) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk)[:limit]


def audit_events_about(
    *, subjects: list[str], actions: list[str] | None = None, actor: AbstractBaseUser | None = None
) -> QuerySet[AuditEvent]:
    """Audit rows whose subject is one of ``subjects`` (typed references), or whose actor is
    ``actor`` when given; ``actions`` narrows to those codes (PR-1: what a person sees of
    the log about them, and the data export)."""
    where = Q(subject__in=subjects)
    if actor is not None:
        where |= Q(actor=actor)
    events = AuditEvent.objects.filter(where)
    if actions is not None:
        events = events.filter(action__in=actions)
    return events.order_by("-created_at", "-id")


def notifications_of(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    """Every notification of ``user``, newest first (the data export: PR-1)."""
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")
