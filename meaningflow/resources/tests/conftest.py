import pytest

from meaningflow.resources.reference import reference_ensure
from meaningflow.resources.tests.factories import mint


@pytest.fixture
def world(reference_data):
    reference_ensure()


@pytest.fixture
def owner(make_user, world):
    user = make_user("host_hu")
    return user


@pytest.fixture
def guest(make_user, world):
    user = make_user("traveller_tan")
    mint(user, 2000)  # L3: quota 3, 2000 CV
    return user
