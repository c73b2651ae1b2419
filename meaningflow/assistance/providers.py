"""SMS and e-mail providers for discovery pushes (GV-4).

A provider is chosen by ``settings.ASSISTANCE_MESSAGE_PROVIDER`` (dotted path to a class;
default: ``ConsoleProvider``, which writes to the log). The phone number is decrypted by
the caller only for the duration of ``send`` and never logged in clear.
"""

import logging
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from meaningflow.core.crypto import mask

logger = logging.getLogger(__name__)
DEFAULT_PROVIDER = "meaningflow.assistance.providers.ConsoleProvider"


class Provider(Protocol):
    name: str

    def send_sms(self, *, phone: str, text: str) -> str:
        """Send one SMS; return the provider's message id. Raise on failure."""

    def send_email(self, *, address: str, subject: str, text: str) -> str:
        """Send one e-mail; return a message id. Raise on failure."""


class ConsoleProvider:
    """Local development: log the message with the number masked; keep an outbox for tests."""

    name = "console"
    outbox: list[dict] = []

    def send_sms(self, *, phone: str, text: str) -> str:
        self.outbox.append({"channel": "sms", "to": phone, "text": text})
        logger.warning("SMS to %s: %s", mask(phone, keep_start=3, keep_end=2), text)
        return f"console-{len(self.outbox)}"

    def send_email(self, *, address: str, subject: str, text: str) -> str:
        send_mail(subject, text, None, [address])
        return f"email-{address.split('@')[-1]}"


@lru_cache(maxsize=4)
def _provider_class(path: str):
    return import_string(path)


def get_provider() -> Provider:
    return _provider_class(getattr(settings, "ASSISTANCE_MESSAGE_PROVIDER", DEFAULT_PROVIDER))()
