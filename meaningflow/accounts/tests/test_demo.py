import io
from base64 import b32decode

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from meaningflow.accounts.demo import DEMO_PASSWORD
from meaningflow.accounts.models import Identity, Organisation, StaffRole, User
from meaningflow.ledger import selectors as ledger_selectors


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
    # One newcomer has not verified the identity: the contribution waits (ID-2).
    newcomer = User.objects.get(username="xiao_chen")
    assert not Identity.objects.filter(user=newcomer).exists()
    assert ledger_selectors.pending_of(newcomer)[0]["amount"] > 0 and ledger_selectors.balance_of(newcomer) == 0
    assert all(ledger_selectors.pending_of(person) == [] for person in people.exclude(pk=newcomer.pk)[:5])
    # A second run adds nothing.
    call_command("load_demo", stdout=io.StringIO())
    assert User.objects.count() == people.count() + 3


@pytest.mark.django_db
def test_demo_staff_sign_in_with_the_published_demo_key(client):
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    key = "NVSWC3TJNZTWM3DPO4WWIZLNN4WWWZLZ"
    assert key in output.getvalue()  # printed for the person who ran make run
    assert b32decode(key) == b"meaningflow-demo-key"
    client.post("/accounts/login/", {"username": "officer_hunan", "password": DEMO_PASSWORD})
    assert client.get("/assistance/").url.startswith("/accounts/2fa/?")
    code = io.StringIO()
    call_command("demo_two_factor_code", "officer_hunan", stdout=code)
    assert client.post("/accounts/2fa/", {"code": code.getvalue().strip()}).status_code == 302
    assert client.get("/assistance/").status_code == 200
    # Nobody else's code can be printed.
    with pytest.raises(CommandError, match="Only the demo"):
        call_command("demo_two_factor_code", "wang_fang", stdout=io.StringIO())
