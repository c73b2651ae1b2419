import pytest

from meaningflow.places.services import places_load


@pytest.fixture
def places(db):
    """The full packaged data set, loaded into the test database."""
    return places_load()
