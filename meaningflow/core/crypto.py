"""Encryption at rest and keyed hashes for sensitive personal data (PR-2).

Values are encrypted with Fernet (AES-128-CBC + HMAC) under the newest key of
``FIELD_ENCRYPTION_KEYS``; older keys still decrypt, so keys can rotate. Uniqueness of
identity numbers is enforced on an HMAC of the normalised value, never on the value.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.strip().encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("encrypted value cannot be decrypted with the configured keys") from exc


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of ``value`` under the identity key, separated by ``purpose``."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(settings.IDENTITY_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()


def mask(value: str, *, keep_start: int = 4, keep_end: int = 4) -> str:
    """``430102199001011234`` → ``4301**********1234``; short values are fully masked."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


class EncryptedTextField(models.TextField):
    """A text column that holds only Fernet tokens; Python code sees plain text.

    Not searchable or orderable by design: look sensitive values up by their keyed hash.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
