from django.core.exceptions import ValidationError


def validation_messages(exc: ValidationError) -> list[str]:
    """Flatten a ValidationError (field dict or list) into readable, translated messages."""
    if hasattr(exc, "error_dict"):
        return [str(m) for messages in exc.message_dict.values() for m in messages]
    return [str(m) for m in exc.messages]
