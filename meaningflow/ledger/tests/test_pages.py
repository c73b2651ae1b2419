"""Pages and API: the owner sees their history; nobody sees anyone else's; no transfers."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meaningflow.core.models import AuditEvent
from meaningflow.ledger import services
from meaningflow.ledger.models import ParameterSet, Transaction
from meaningflow.ledger.tests.factories import key, mint

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_history(alice):
    mint(alice, 3, cause="needs.application:1")
    hold = services.hold_place(user=alice, amount=100, cause="resources.booking:1", idempotency_key=key())
    services.hold_consume(hold=hold)
    return alice


def test_history_page_renders_for_the_owner(client, alice_history, django_assert_max_num_queries):
    client.force_login(alice_history)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("ledger:history"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "base_value × duration × demand_index × rating_coef" in body
    assert "<svg" in body and "Global CV left" in body


def test_history_pages_through_every_contribution_and_transaction(client, alice):
    mint(alice, 1)
    for n in range(29):
        services.use_record(user=alice, amount=1, cause=f"x:{n}", idempotency_key=key())
    client.force_login(alice)
    first = client.get(reverse("ledger:history")).content.decode()
    assert "Page 1 of 2" in first  # 30 transactions, 25 a page
    assert "?contributions=1&amp;transactions=2#tx-h" in first
    second = client.get(reverse("ledger:history"), {"transactions": 2}).content.decode()
    oldest = Transaction.objects.filter(postings__account__owner=alice).order_by("pk").first()
    assert f"#{oldest.pk}<" in second and f"#{oldest.pk}<" not in first
    assert "Page 2 of 2" in second
    # A page number out of range shows the last page; nonsense shows the first.
    assert "Page 2 of 2" in client.get(reverse("ledger:history"), {"transactions": 99}).content.decode()
    assert "Page 1 of 2" in client.get(reverse("ledger:history"), {"transactions": "x"}).content.decode()


def test_history_needs_login(client):
    assert client.get(reverse("ledger:history")).status_code == 302


def test_how_page_is_public_and_shows_parameters(client):
    response = client.get(reverse("ledger:how"))
    assert response.status_code == 200
    assert "20000" in response.content.decode()


def test_exports_and_statement(client, alice_history):
    client.force_login(alice_history)
    assert "resource" in client.get(reverse("ledger:export_csv")).content.decode()
    assert json.loads(client.get(reverse("ledger:export_json")).content)["contributions"][0]["credited"] == 600
    statement = json.loads(client.get(reverse("ledger:statement")).content)
    assert statement["user"] == alice_history.pk and statement["signature"]


def test_someone_elses_transaction_is_not_found(client, alice_history, bob):
    tx_id = alice_history.contributions.get().ledger_transaction_id
    client.force_login(bob)
    assert client.get(reverse("ledger:transaction_detail", args=[tx_id])).status_code == 404
    assert client.get(f"/api/v1/cv/transactions/{tx_id}").status_code == 404
    statement = client.get("/api/v1/cv/statement").json()
    assert statement["user"] == bob.pk and statement["transactions"] == []
    client.force_login(alice_history)
    assert client.get(reverse("ledger:transaction_detail", args=[tx_id])).status_code == 200


def test_api_reads(client, alice_history):
    client.force_login(alice_history)
    assert client.get("/api/v1/cv/balances").json() == [{"unit": "GLOBAL", "available": 500, "held": 0, "total": 500}]
    assert client.get("/api/v1/cv/trust").json()["level"] == 2
    assert client.get("/api/v1/cv/headroom").json()["credited"] == 600
    assert client.get("/api/v1/cv/contributions").json()["count"] == 1
    assert (
        client.get("/api/v1/cv/transactions").json()["count"] == 2
    )  # mint, hold (a full consume posts nothing on the person)
    client.logout()
    assert client.get("/api/v1/cv/balances").status_code == 401
    assert client.get("/api/v1/cv/parameters").json()["document"]["annual_cap"] == 20000


def test_no_transfer_endpoint_exists(client, alice_history):
    client.force_login(alice_history)
    paths = client.get("/api/openapi.json").json()["paths"]
    cv_paths = [p for p in paths if p.startswith("/api/v1/cv/")]
    assert cv_paths and not any(word in p for p in cv_paths for word in ("transfer", "send", "loan", "cash"))
    assert all(set(paths[p]) == {"get"} for p in cv_paths)
    assert client.post("/api/v1/cv/transfer", {"to": 1, "amount": 5}).status_code in (404, 405)


def test_admins_add_dated_conversion_terms_but_never_edit_them(client, superuser):
    domain = services.domain_create(code="club", name_zh="俱乐部", name_en="Club")
    client.force_login(superuser)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    form = {"domain": domain.pk, "conversion_rate": "0.8", "conversion_budget": "500", "note": "board decision"}
    refused = client.post("/admin/ledger/domainterms/add/", {**form, "effective_from": "2020-01-01"})
    assert refused.status_code == 200
    refusals = refused.context["adminform"].form.errors.as_data().values()
    assert [error.code for errors in refusals for error in errors] == ["ledger.terms_in_past"]
    response = client.post("/admin/ledger/domainterms/add/", {**form, "effective_from": tomorrow})
    assert response.status_code == 302
    added = domain.terms.get(version=2)
    assert (str(added.conversion_rate), added.conversion_budget) == ("0.8000", 500)
    assert AuditEvent.objects.filter(action="ledger.domain.terms_published", actor=superuser).exists()
    change = client.post(f"/admin/ledger/domainterms/{added.pk}/change/", {**form, "effective_from": tomorrow})
    assert change.status_code == 403 and domain.terms.get(version=2).conversion_rate == added.conversion_rate
    assert client.post(f"/admin/ledger/domainterms/{added.pk}/delete/", {"post": "yes"}).status_code == 403
    assert domain.terms.count() == 2


def test_an_api_refusal_carries_its_code(client):
    ParameterSet.objects.update(published=False)
    response = client.get("/api/v1/cv/parameters")
    assert response.status_code == 400
    assert response.json()["code"] == "ledger.parameters_missing"
