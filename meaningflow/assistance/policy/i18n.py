"""Marking the labels shown on the officer's trace for translation.

``gettext_noop`` is the name ``makemessages`` extracts; this one is a plain identity so that
the rules import and run without Django settings (the ``openfisca`` command). The trace
translates a label with ``gettext`` when it shows it (assistance.discovery).
"""


def gettext_noop(message: str) -> str:
    return message
