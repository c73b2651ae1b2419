from django.conf import settings

from meaningflow.core.selectors import unread_notification_count


def platform(request):
    user = getattr(request, "user", None)
    return {
        "platform_name": settings.PLATFORM_NAME,
        "large_type": getattr(request, "large_type", False),
        "unread_notifications": unread_notification_count(user=user) if user else 0,
    }
