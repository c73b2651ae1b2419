import pytest


@pytest.fixture
def officer(make_officer):
    return make_officer("officer43", "43")


@pytest.fixture
def officer_beijing(make_officer):
    return make_officer("officer11", "11")
