"""CV is bound to the verified person (ID-2, CV-6; issue 11 item 3; seed 001 §7.2
"实名制：贡献值与真实身份绑定"). A contribution of a person without a verified identity is
recorded as waiting and credited, within the cap of the year it occurred in, when the identity is
verified; uses need a verified identity; the waiting CV is shown with the reason. Before this
change unverified accounts were credited at once."""

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from meaningflow.accounts.services import identity_verify
from meaningflow.core.models import AuditEvent
from meaningflow.ledger import selectors, services
from meaningflow.ledger.models import Contribution, Transaction
from meaningflow.ledger.tests.factories import key, mint
from meaningflow.ledger.verify import ledger_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def newcomer(make_user):
    return make_user("newcomer", verified=False)


def verify(user):
    return identity_verify(user=user, document_type="passport", legal_name="New Comer", number="P9876543", country="FR")


def test_an_unverified_persons_contribution_waits_and_credits_nothing(newcomer):
    contribution = mint(newcomer, 3)
    assert contribution.status == Contribution.Status.PENDING_IDENTITY
    assert (contribution.amount, contribution.credited, contribution.ledger_transaction) == (600, 0, None)
    assert selectors.balance_of(newcomer) == 0
    assert not Transaction.objects.exists()
    assert selectors.trust_level_of(newcomer) == 1  # a waiting contribution does not count yet
    assert [(row["amount"], row["contributions"]) for row in selectors.pending_of(newcomer)] == [(600, 1)]
    assert AuditEvent.objects.get(action="ledger.contribution.recorded").data["status"] == "pending_identity"
    assert ledger_verify() == []


def test_verifying_the_identity_credits_what_waited(newcomer):
    mint(newcomer, 3)
    mint(newcomer, 1)
    verify(newcomer)
    assert selectors.balance_of(newcomer) == 800
    assert set(Contribution.objects.values_list("status", "credited")) == {("credited", 600), ("credited", 200)}
    assert selectors.pending_of(newcomer) == []
    assert selectors.trust_level_of(newcomer) == 2
    assert AuditEvent.objects.filter(action="ledger.contribution.credited").count() == 2
    assert services.contributions_pending_credit(user=newcomer) == []  # nothing left to do
    assert ledger_verify() == []


def test_waiting_cv_is_credited_within_the_cap_of_the_year_it_was_earned(newcomer):
    """Last year's waiting contribution meets last year's cap, not this year's."""
    last_year = date(timezone.localdate().year - 1, 12, 1)
    for _ in range(11):  # 11 × 2,000 = 22,000 recorded last year
        mint(newcomer, 10, occurred_on=last_year)
    mint(newcomer, 10)  # 2,000 this year
    verify(newcomer)
    assert selectors.earning_headroom(newcomer, year=last_year.year)["credited"] == 20_000
    assert selectors.earning_headroom(newcomer)["credited"] == 2_000
    assert selectors.balance_of(newcomer) == 22_000
    assert ledger_verify() == []


def test_uses_and_holds_need_a_verified_identity(newcomer, alice):
    for attempt in (
        lambda: services.use_record(user=newcomer, amount=10, cause="x:1", idempotency_key=key()),
        lambda: services.hold_place(user=newcomer, amount=10, cause="resources.booking:1", idempotency_key=key()),
    ):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.code == "ledger.identity_required"
    with pytest.raises(ValidationError) as refused:  # a verified person is told about the balance
        services.use_record(user=alice, amount=10, cause="x:1", idempotency_key=key())
    assert refused.value.code == "ledger.insufficient"
    assert not Transaction.objects.exists()


def test_a_retry_of_a_waiting_contribution_returns_it(newcomer):
    first = mint(newcomer, 1, idempotency_key="same")
    assert mint(newcomer, 1, idempotency_key="same").pk == first.pk
    verify(newcomer)
    assert mint(newcomer, 1, idempotency_key="same").credited == 200  # the credited record now


def test_the_cv_page_shows_waiting_cv_with_the_reason_and_the_way_out(client, newcomer):
    mint(newcomer, 3)
    client.force_login(newcomer)
    body = client.get(reverse("ledger:history"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waiting to be credited" in body and "600 Global CV from 1 contribution" in body
    assert "Waiting for your verified identity" in body and reverse("accounts:identity") in body
    body = client.get(reverse("ledger:history"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "等待" in body


def test_the_api_lists_waiting_cv_with_the_reason(client, newcomer):
    mint(newcomer, 3)
    client.force_login(newcomer)
    rows = client.get("/api/v1/cv/pending").json()
    assert [(row["unit"], row["amount"], row["contributions"]) for row in rows] == [("GLOBAL", 600, 1)]
    assert "verified identity" in rows[0]["reason"]
    contributions = client.get("/api/v1/cv/contributions").json()["items"]
    assert [(c["status"], c["credited"]) for c in contributions] == [("pending_identity", 0)]


def test_the_periodic_job_credits_what_a_verification_left_waiting(newcomer, monkeypatch):
    """Should a crediting be missed (the verification's own step failed or raced), the hourly
    job ``ledger_credit_pending`` credits the waiting CV of verified people."""
    mint(newcomer, 2)
    monkeypatch.setattr(services.contributions, "identity_verified", lambda user: False)
    verify(newcomer)  # the identity is there, but the crediting saw none
    assert selectors.balance_of(newcomer) == 0
    monkeypatch.undo()
    out = io.StringIO()
    call_command("ledger_credit_pending", stdout=out, stderr=io.StringIO())
    assert "contributions credited 1" in out.getvalue()
    assert selectors.balance_of(newcomer) == 400 and selectors.pending_of(newcomer) == []
    call_command("ledger_credit_pending", stdout=out, stderr=io.StringIO())  # nothing left
    assert Contribution.objects.get().credited == 400
    assert ledger_verify() == []


def test_the_job_leaves_unverified_people_waiting(newcomer):
    mint(newcomer, 2)
    assert services.contributions_pending_credit_all() == {"people": 0, "contributions": 0}
    assert services.contributions_pending_credit(user=newcomer) == []
    assert Contribution.objects.get().status == Contribution.Status.PENDING_IDENTITY
