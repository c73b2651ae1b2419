import pytest

from meaningflow.accounts.services import staff_role_grant


@pytest.fixture
def officer(make_user, superuser, reference_data):
    user = make_user("officer43")
    staff_role_grant(granted_by=superuser, user=user, role="officer", region_prefix="43")
    return user


@pytest.fixture
def officer_beijing(make_user, superuser, reference_data):
    user = make_user("officer11")
    staff_role_grant(granted_by=superuser, user=user, role="officer", region_prefix="11")
    return user
