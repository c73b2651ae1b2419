"""Signals of the accounts app, for apps to its right that must react to an account event
without the accounts app importing them (the dependency direction of docs/ARCHITECTURE.md)."""

from django.dispatch import Signal

# Sent inside identity_verify's database transaction, after the identity row is written:
# a receiver's writes commit or roll back with the verification. Arguments: user, identity.
identity_verified = Signal()

# PR-1: a person agreed to or withdrew from a purpose (``accounts.models.ConsentPurpose``).
# Sent inside the transaction that records the answer, with ``user``, ``purpose`` and
# ``granted``; the apps that process data for that purpose start or stop (the assistance
# app links or unlinks registry records for ``government_sharing``).
consent_changed = Signal()
