"""Organisations (ID-4) and roles (ID-5): owner, member, outsider, officers, moderators."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from meaningflow.accounts import selectors
from meaningflow.accounts.models import Membership, Organisation, StaffRole
from meaningflow.accounts.services import (
    membership_approve,
    membership_remove,
    membership_set_role,
    organisation_create,
    organisation_decide_verification,
    organisation_join_request,
    staff_role_grant,
)
from meaningflow.core.errors import error_codes
from meaningflow.core.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def school(alice):
    return organisation_create(creator=alice, name="长沙一中", type=Organisation.Type.SCHOOL)


def test_creator_becomes_active_owner(school, alice):
    membership = Membership.objects.get(organisation=school, user=alice)
    assert (membership.role, membership.status) == ("owner", "active")


def test_unknown_type_is_refused(alice):
    with pytest.raises(ValidationError):
        organisation_create(creator=alice, name="X", type="bank")
    assert Organisation.objects.count() == 0


def test_join_request_waits_for_a_manager_and_notifies_them(school, alice, bob):
    membership = organisation_join_request(user=bob, organisation=school)
    assert membership.status == "pending"
    assert Notification.objects.filter(recipient=alice, kind="accounts.membership.requested").exists()
    assert not selectors.user_is_active_member(user=bob, organisation=school)
    membership_approve(actor=alice, membership=membership)
    assert selectors.user_is_active_member(user=bob, organisation=school)


def test_double_join_is_refused(school, bob):
    organisation_join_request(user=bob, organisation=school)
    with pytest.raises(ValidationError) as refused:
        organisation_join_request(user=bob, organisation=school)
    assert error_codes(refused.value) == ["membership.already_exists"]
    assert Membership.objects.filter(organisation=school, user=bob).count() == 1


def test_outsider_and_plain_member_cannot_approve(school, bob, charlie, alice):
    bob_membership = organisation_join_request(user=bob, organisation=school)
    membership_approve(actor=alice, membership=bob_membership)
    charlie_membership = organisation_join_request(user=charlie, organisation=school)
    with pytest.raises(PermissionDenied) as member:
        membership_approve(actor=bob, membership=charlie_membership)
    with pytest.raises(PermissionDenied) as outsider:
        membership_approve(actor=charlie, membership=charlie_membership)
    assert error_codes(member.value) == error_codes(outsider.value) == ["organisation.not_manager"]
    charlie_membership.refresh_from_db()
    assert charlie_membership.status == "pending"


def test_last_owner_cannot_be_demoted_or_removed(school, alice):
    owner = Membership.objects.get(organisation=school, user=alice)
    with pytest.raises(ValidationError) as demoted:
        membership_set_role(actor=alice, membership=owner, role="member")
    with pytest.raises(ValidationError) as removed:
        membership_remove(actor=alice, membership=owner)
    assert error_codes(demoted.value) == error_codes(removed.value) == ["organisation.last_owner"]
    owner.refresh_from_db()
    assert owner.role == "owner"


def test_only_moderators_verify_organisations(school, alice, bob, superuser):
    with pytest.raises(PermissionDenied) as refused:
        organisation_decide_verification(moderator=alice, organisation=school, approve=True)
    assert error_codes(refused.value) == ["organisation.not_moderator"]
    staff_role_grant(granted_by=superuser, user=bob, role=StaffRole.Role.MODERATOR)
    organisation_decide_verification(moderator=bob, organisation=school, approve=True)
    school.refresh_from_db()
    assert school.verification_status == "verified" and school.verified_by == bob


def test_officer_scope_is_a_region_code_prefix(alice, bob, superuser):
    staff_role_grant(granted_by=superuser, user=alice, role=StaffRole.Role.OFFICER, region_prefix="4301")
    assert selectors.can_view_region(user=alice, region_code="430102")
    assert not selectors.can_view_region(user=alice, region_code="430202")
    assert not selectors.can_view_region(user=alice, region_code="")
    assert not selectors.can_view_region(user=bob, region_code="430102")


def test_only_superusers_grant_roles_and_officers_need_a_region(alice, bob, superuser):
    with pytest.raises(PermissionDenied) as not_administrator:
        staff_role_grant(granted_by=alice, user=bob, role=StaffRole.Role.MODERATOR)
    with pytest.raises(ValidationError) as no_region:
        staff_role_grant(granted_by=superuser, user=bob, role=StaffRole.Role.OFFICER, region_prefix="")
    assert error_codes(not_administrator.value) == ["staff_role.not_administrator"]
    assert error_codes(no_region.value) == ["staff_role.bad_region_prefix"]
    assert not StaffRole.objects.exists()


def test_organisation_pages_enforce_permissions(client, school, alice, bob, charlie):
    membership = organisation_join_request(user=bob, organisation=school)
    url = f"/accounts/organisations/{school.pk}/members/{membership.pk}/approve/"
    client.force_login(charlie)
    assert client.post(url).status_code == 403
    client.force_login(alice)
    assert client.post(url).status_code == 302
    membership.refresh_from_db()
    assert membership.status == "active"
    assert client.get("/accounts/organisations/999999/").status_code == 404


def test_member_list_api_is_for_members_only(client, school, alice, charlie):
    client.force_login(charlie)
    assert client.get(f"/api/v1/organisations/{school.pk}/members").status_code == 403
    client.force_login(alice)
    assert [m["user_id"] for m in client.get(f"/api/v1/organisations/{school.pk}/members").json()] == [alice.pk]
