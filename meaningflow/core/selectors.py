from meaningflow.core.models import Notification


def unread_notification_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(*, user, limit: int = 50):
    return Notification.objects.filter(recipient=user)[:limit]
