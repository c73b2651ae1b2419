"""Fixtures of the needs tests: an organisation with a member who posts, a skilled
person near the need, and an outsider. Set up through the services."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from meaningflow.accounts import services as accounts_services
from meaningflow.needs import selectors, services
from meaningflow.places.models import Division


@pytest.fixture(autouse=True)
def _fresh_index():
    """The open-needs index is cached per process; every test starts from the database."""
    selectors.needs_index_reset()
    yield
    selectors.needs_index_reset()


@pytest.fixture
def changsha(reference_data):
    return Division.objects.get(code="430100")


@pytest.fixture
def organisation(alice, changsha):
    """Alice owns the Furong community centre in Changsha."""
    return accounts_services.organisation_create(
        creator=alice,
        name="芙蓉社区",
        name_en="Furong Community",
        type="community",
        division=changsha,
    )


@pytest.fixture
def person(bob, changsha):
    """Bob lives in Changsha, cooks dumplings and speaks Chinese."""
    accounts_services.profile_update(
        user=bob,
        home_division=changsha,
        travel_willingness="province",
        languages=["zh", "en"],
        intentions=["participation"],
    )
    accounts_services.profile_skill_set(user=bob, skill_code="food.dumplings", level=4)
    accounts_services.availability_replace(user=bob, windows=[(5, time(9), time(17))])
    return bob


def need_kwargs(**overrides):
    start = timezone.now() + timedelta(days=7)
    data = {
        "type": "cultural",
        "title": "包饺子文化体验",
        "title_en": "Dumpling-making cultural experience",
        "description": "和社区老人一起包饺子，了解北方饺子文化。Make dumplings with elders.",
        "language": "zh",
        "starts_at": start,
        "ends_at": start + timedelta(hours=4),
        "places": 2,
        "hours_per_week": 4,
        "reward": "cv",
        "skills": [("food.dumplings", 2)],
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_need(organisation, alice, changsha):
    def make(*, publish=True, **overrides):
        data = need_kwargs(**overrides)
        data.setdefault("division", changsha)
        return services.need_create(actor=alice, organisation=organisation, publish=publish, **data)

    return make
