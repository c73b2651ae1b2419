"""Ledger services through their public API; runs on SQLite and PostgreSQL."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from meaningflow.core.errors import error_codes
from meaningflow.core.models import AuditEvent, JobRun
from meaningflow.ledger import selectors, services
from meaningflow.ledger.models import Account, Hold, Transaction, TrustFact
from meaningflow.ledger.parameters import default_document
from meaningflow.ledger.tests.factories import key, mint
from meaningflow.ledger.verify import ledger_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_contribution_mints_and_records_its_explanation(alice):
    contribution = mint(alice, 3, cause="needs.application:42")
    assert (contribution.amount, contribution.credited) == (600, 600)
    assert contribution.explanation["formula"].startswith("base_value")
    assert contribution.parameters.version == 1
    assert selectors.balance_of(alice) == 600
    assert contribution.ledger_transaction.cause == "needs.application:42"
    assert AuditEvent.objects.filter(
        action="ledger.contribution.recorded", subject=f"ledger.contribution:{contribution.pk}"
    ).exists()
    assert ledger_verify() == []


def test_retry_returns_first_result_and_different_payload_is_refused(alice):
    first = mint(alice, 1, idempotency_key="same")
    assert mint(alice, 1, idempotency_key="same").pk == first.pk
    with pytest.raises(services.IdempotencyConflict) as conflict:
        mint(alice, 2, idempotency_key="same")
    assert error_codes(conflict.value) == ["ledger.idempotency_conflict"]
    assert selectors.balance_of(alice) == 200


def test_annual_cap_records_but_does_not_credit_the_excess(alice):
    for _ in range(11):  # 11 × 2000 = 22000 > cap 20000
        mint(alice, 10)
    last = mint(alice, 10)
    assert last.amount == 2000 and last.credited == 0
    assert selectors.earning_headroom(alice) | {} == {
        "year": timezone.localdate().year,
        "cap": 20000,
        "credited": 20000,
        "remaining": 0,
        "not_credited": 4000,
    }
    assert selectors.balance_of(alice) == 20000
    assert ledger_verify() == []


def test_hold_excludes_held_cv_from_available_and_partial_consume_releases_rest(alice):
    mint(alice, 5)
    hold = services.hold_place(user=alice, amount=600, cause="resources.booking:1", idempotency_key=key())
    assert selectors.available_balance_of(alice) == 400
    assert selectors.balance_of(alice) == 1000
    with pytest.raises(ValidationError) as refused:
        services.hold_place(user=alice, amount=401, cause="resources.booking:2", idempotency_key=key())
    assert error_codes(refused.value) == ["ledger.insufficient"]
    hold = services.hold_consume(hold=hold, amount=450)
    assert hold.status == Hold.Status.CONSUMED and hold.consumed == 450
    assert selectors.available_balance_of(alice) == 550 == selectors.balance_of(alice)
    assert services.hold_consume(hold=hold, amount=450).pk == hold.pk  # retry
    with pytest.raises(ValidationError) as final:
        services.hold_release(hold=hold)
    assert error_codes(final.value) == ["ledger.hold_not_open"]
    assert ledger_verify() == []


def test_expired_holds_are_released_by_the_job(alice):
    mint(alice, 1)
    services.hold_place(
        user=alice,
        amount=100,
        cause="needs.bid:3",
        idempotency_key=key(),
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    call_command("ledger_expire_holds")
    assert Hold.objects.get().status == Hold.Status.EXPIRED
    assert selectors.available_balance_of(alice) == 200


def test_use_record_cannot_overspend(alice):
    mint(alice, 1)
    services.use_record(user=alice, amount=150, cause="skills.enrolment:1", idempotency_key=key())
    with pytest.raises(ValidationError) as refused:
        services.use_record(user=alice, amount=51, cause="skills.enrolment:2", idempotency_key=key())
    assert error_codes(refused.value) == ["ledger.insufficient"]
    assert selectors.balance_of(alice) == 50


def test_conversion_respects_rate_and_monthly_budget(alice, bob):
    domain = services.domain_create(code="garden", name_zh="花园", name_en="Garden", conversion_budget=150)
    mint(alice, 2, domain=domain)
    mint(bob, 2, domain=domain)
    tx = services.domain_convert(user=alice, domain=domain, amount=200, idempotency_key=key())
    assert tx.kind == Transaction.Kind.CONVERT
    assert selectors.balance_of(alice, domain) == 200 and selectors.balance_of(alice) == 100
    with pytest.raises(ValidationError) as over:
        services.domain_convert(user=bob, domain=domain, amount=200, idempotency_key=key())
    assert error_codes(over.value) == ["ledger.conversion_budget_exceeded"]
    services.domain_convert(user=bob, domain=domain, amount=100, idempotency_key=key())
    assert selectors.balance_of(bob) == 50
    assert ledger_verify() == []


def test_conversion_terms_are_dated_versions_and_each_conversion_records_its_version(alice, superuser):
    domain = services.domain_create(code="school", name_zh="学校", name_en="School", conversion_rate="0.5")
    mint(alice, 5, domain=domain)  # 1000 Domain CV
    today, tomorrow = timezone.localdate(), timezone.localdate() + timedelta(days=1)
    terms = services.domain_terms_publish(
        domain=domain, conversion_rate="0.25", conversion_budget=10_000, effective_from=tomorrow, actor=superuser
    )
    assert terms.version == 2 and services.domain_terms_in_force(domain=domain).version == 1
    first = services.domain_convert(user=alice, domain=domain, amount=100, idempotency_key=key())
    assert "terms v1" in first.memo and selectors.balance_of(alice) == 50  # still 0.5 today
    later = services.domain_convert(user=alice, domain=domain, amount=100, idempotency_key=key(), on=tomorrow)
    assert "terms v2" in later.memo and selectors.balance_of(alice) == 75  # 0.25 from tomorrow
    event = AuditEvent.objects.get(action="ledger.domain.terms_published")
    assert event.actor == superuser and event.data["rate"] == "0.25"
    with pytest.raises(ValidationError) as past:
        services.domain_terms_publish(
            domain=domain, conversion_rate="1", conversion_budget=1, effective_from=today - timedelta(days=1)
        )
    assert error_codes(past.value) == ["ledger.terms_in_past"]
    with pytest.raises(ValidationError):
        services.domain_terms_publish(domain=domain, conversion_rate="11", conversion_budget=1, effective_from=today)
    with pytest.raises(ValidationError) as missing:
        services.domain_convert(
            user=alice, domain=domain, amount=100, idempotency_key=key(), on=today - timedelta(days=1)
        )
    assert error_codes(missing.value) == ["ledger.terms_missing"]
    assert domain.terms.count() == 2  # the refused versions were not stored
    assert ledger_verify() == []


def test_decay_is_pro_rata_idempotent_and_reports_progress(alice, bob):
    mint(alice, 50)  # 10000
    Account.objects.filter(owner=alice).update(decayed_through=date(2025, 1, 1), last_activity_on=date(2025, 6, 1))
    call_command("ledger_decay", "--as-of", "2026-01-01")
    assert selectors.balance_of(alice) == 9500  # 5 % of 10000 over 365 days
    call_command("ledger_decay", "--as-of", "2026-01-01")
    assert selectors.balance_of(alice) == 9500
    assert JobRun.objects.filter(job="ledger.decay", key="2026-01-01:GLOBAL").exists()
    assert Transaction.objects.filter(kind=Transaction.Kind.DECAY).count() == 1
    assert ledger_verify() == []


def test_inactive_accounts_decay_to_zero(alice):
    mint(alice, 1)
    Account.objects.filter(owner=alice).update(decayed_through=date(2020, 1, 1), last_activity_on=date(2020, 1, 1))
    services.decay_run(as_of=date(2026, 1, 1))
    assert selectors.balance_of(alice) == 0


def test_penalty_reset_and_trust_levels(alice, superuser):
    assert selectors.trust_level_of(alice) == 1 and not selectors.can_use_resources(alice)
    mint(alice, 6)  # 1200 → L3
    assert selectors.trust_level_of(alice) == 3 and selectors.can_use_resources(alice)
    standing = selectors.trust_standing_of(alice)
    assert "cv_l3" in standing.reasons and standing.next_needs
    services.penalty_reset(
        user=alice,
        reason="fake transactions",
        cause="reputation.case:1",
        idempotency_key=key(),
        actor=superuser,
    )
    assert selectors.balance_of(alice) == 0
    assert selectors.trust_level_of(alice) == 2
    assert [(c.previous_level, c.level) for c in selectors.trust_history_of(alice)] == [
        (3, 2),
        (1, 3),
    ]
    assert ledger_verify() == []


def test_level_four_needs_a_community_recommendation(alice):
    for _ in range(5):
        mint(alice, 10)
    assert selectors.trust_level_of(alice) == 3
    services.trust_fact_record(user=alice, kind=TrustFact.Kind.COMMUNITY_RECOMMENDATION, cause="communities.x:1")
    assert selectors.trust_level_of(alice) == 4


def test_parameters_are_dated_and_old_records_keep_their_version(alice):
    mint(alice, 1)
    document = default_document()
    document["resource"]["base_value"]["room"]["value"] = 300
    later = timezone.localdate() + timedelta(days=10)
    services.parameter_set_publish(document=document, effective_from=later)
    assert mint(alice, 1).amount == 200
    newer = mint(alice, 1, occurred_on=later)
    assert newer.amount == 300 and newer.parameters.version == 2
    with pytest.raises(ValidationError):
        services.parameter_set_publish(document={"decay": {}}, effective_from=later)


def _trust_thresholds(l3, l4=5000, l5=10000):
    document = default_document()
    document["trust"] = {"l3": l3, "l4": l4, "l5": l5}
    services.parameter_set_publish(document=document, effective_from=timezone.localdate())


def test_new_thresholds_move_stored_trust_levels_without_any_ledger_event(alice, bob, charlie, capsys):
    mint(alice, 6)  # 1200 CV → L3
    mint(bob, 2)  # 400 CV → L2
    assert [selectors.trust_level_of(u) for u in (alice, bob, charlie)] == [3, 2, 1]
    _trust_thresholds(300)
    assert selectors.trust_level_of(bob) == 2  # stored: nothing happened to bob yet
    call_command("ledger_trust_refresh")
    assert "levels changed 1" in capsys.readouterr().out
    assert [selectors.trust_level_of(u) for u in (alice, bob, charlie)] == [3, 3, 1]
    change = selectors.trust_history_of(bob).first()
    assert (change.previous_level, change.level, change.reasons[-1]) == (2, 3, "cv_l3")
    assert bob.notifications.filter(kind="ledger.trust").count() == 2  # L2, then L3
    assert services.trust_levels_refresh() == {"people": 2, "changed": 0}  # idempotent
    _trust_thresholds(2000)
    assert services.trust_levels_refresh()["changed"] == 2
    for user in (alice, bob, charlie):  # the batch agrees with the per-person computation
        assert selectors.trust_level_of(user) == selectors.trust_standing_of(user).level
    assert selectors.trust_level_of(alice) == 2 and JobRun.objects.filter(job="ledger.trust_refresh").exists()
