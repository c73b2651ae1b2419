"""Entities of the rules: a person and the household (户) they belong to."""

from openfisca_core.entities import build_entity

Household = build_entity(
    key="household",
    plural="households",
    label="Household (户)",
    doc="A registered household: 低保 and zero-employment status are household facts.",
    roles=[{"key": "member", "plural": "members", "label": "Member"}],
)

Person = build_entity(
    key="person",
    plural="persons",
    label="Person",
    doc="A person on the registered-unemployed registry.",
    is_person=True,
)

entities = [Household, Person]
