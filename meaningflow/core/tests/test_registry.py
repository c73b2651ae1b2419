"""The explicit registries of core.registry."""

import pytest

from meaningflow.core.registry import DuplicateRegistration, Registry, opportunity_sources


def test_a_name_is_registered_once_and_read_back_in_order():
    registry: Registry[int] = Registry("number")
    registry.register("two", 2)
    registry.register("one", 1)
    with pytest.raises(DuplicateRegistration, match="'two'"):
        registry.register("two", 3)
    assert registry.items() == [("two", 2), ("one", 1)]
    registry.unregister("two")
    assert registry.names() == ["one"]


def test_a_second_registration_of_an_installed_source_is_refused():
    with pytest.raises(DuplicateRegistration):
        opportunity_sources.register("needs", lambda *, region_prefix, limit: [])
    assert opportunity_sources.names().count("needs") == 1
