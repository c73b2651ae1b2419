import io

import pytest
from django.core.management import call_command

from meaningflow.accounts.models import Identity, Organisation, StaffRole, User


@pytest.mark.django_db
def test_demo_has_people_in_six_cities_organisations_officer_and_moderator():
    call_command("load_demo", stdout=io.StringIO())
    people = User.objects.filter(is_superuser=False, staff_roles__isnull=True)
    assert people.count() >= 30
    homes = {(u.profile.home_division_id, u.profile.home_city_id) for u in people.select_related("profile")}
    assert len(homes) >= 6
    assert people.filter(profile__home_city__isnull=False).exists()  # abroad too
    assert Organisation.objects.count() >= 8
    assert StaffRole.objects.filter(role="officer", region_prefix="43").exists()
    assert StaffRole.objects.filter(role="moderator").exists()
    assert Identity.objects.count() >= 30
    # A second run adds nothing.
    call_command("load_demo", stdout=io.StringIO())
    assert User.objects.count() == people.count() + 3
