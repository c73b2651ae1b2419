"""The accounts tests are about registration and verification themselves: their personas
start without a verified identity (elsewhere alice and bob are verified, ID-2)."""

import pytest


@pytest.fixture
def alice(make_user):
    return make_user("alice", verified=False)


@pytest.fixture
def bob(make_user):
    return make_user("bob", verified=False)
