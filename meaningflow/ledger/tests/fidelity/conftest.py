import pytest

from meaningflow.ledger.parameters import parameters_in_force


@pytest.fixture
def params(db) -> dict:
    """The parameter set in force, as the live flows read it (SPEC section 3 defaults)."""
    return parameters_in_force().document


@pytest.fixture
def person(make_user):
    """A registered person with a verified identity (ID-2: only a verified person's CV is
    credited; the shared ``make_user`` may already have given one)."""
    from meaningflow.accounts.models import Identity
    from meaningflow.accounts.services import identity_verify

    def make(username: str):
        user = make_user(username)
        if not Identity.objects.filter(user=user).exists():
            identity_verify(
                user=user, document_type="passport", legal_name=username, number=f"FID{user.pk:08d}", country="DE"
            )
        return user

    return make
