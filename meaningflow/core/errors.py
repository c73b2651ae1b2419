from django.core.exceptions import PermissionDenied, ValidationError


def validation_messages(exc: ValidationError) -> list[str]:
    """Flatten a ValidationError (field dict or list) into readable, translated messages."""
    if hasattr(exc, "error_dict"):
        return [str(m) for messages in exc.message_dict.values() for m in messages]
    return [str(m) for m in exc.messages]


def validation_errors(exc: ValidationError) -> list[tuple[str, str, str]]:
    """Each problem of a ValidationError as (field, translated message, code): the field is
    empty for an error not about one field (``__all__`` too), the code ``invalid`` when the
    error was raised without one."""
    groups = exc.error_dict.items() if hasattr(exc, "error_dict") else [("", exc.error_list)]
    result = []
    for field, errors in groups:
        for error in errors:
            message = error.message % error.params if error.params else error.message
            result.append(("" if field == "__all__" else field, str(message), error.code or "invalid"))
    return result


def add_errors_to_form(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form that sent the request: each message beside
    the field it names, the rest at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class Forbidden(PermissionDenied):
    """PermissionDenied with a dotted code (``"booking.not_yours"``) that the API returns in
    ``code`` and tests assert, as ``ValidationError(..., code=...)`` does for broken rules."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def error_codes(exc: ValidationError | PermissionDenied) -> list[str]:
    """Every code an error carries (``invalid`` where it was raised without one), in order."""
    if isinstance(exc, PermissionDenied):
        return [getattr(exc, "code", None) or "permission.denied"]
    return [code for _field, _message, code in validation_errors(exc)]
