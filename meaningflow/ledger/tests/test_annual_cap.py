"""The annual earning cap is one figure per person across all units (CV-6, issue 11 item 2;
seed 001 §7.2 "有上限：个人贡献值有年获取上限"): Domain CV counts at its conversion rate in force,
and trust levels count Domain CV the same way. Before this change each unit had its own cap, so
a person could earn 20,000 Global plus 20,000 in every domain."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from meaningflow.ledger import selectors, services
from meaningflow.ledger.models import Contribution
from meaningflow.ledger.tests.factories import key
from meaningflow.ledger.verify import ledger_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def earn(user, cv: int, *, domain=None, on: date | None = None) -> Contribution:
    """A community contribution worth ``cv`` (participants × 10, normal impact and quality)."""
    return services.contribution_record(
        beneficiary=user,
        kind="community",
        inputs={"participants": cv // 10},
        idempotency_key=key("earn"),
        domain=domain,
        occurred_on=on,
    )


@pytest.fixture
def domains():
    half = services.domain_create(code="garden", name_zh="花园", name_en="Garden", conversion_rate=Decimal("0.5"))
    quarter = services.domain_create(code="choir", name_zh="合唱", name_en="Choir", conversion_rate=Decimal("0.25"))
    return half, quarter


def test_one_cap_across_global_and_several_domains(alice, domains):
    half, quarter = domains
    assert earn(alice, 15_000).credited == 15_000
    garden = earn(alice, 20_000, domain=half)  # counts 0.5 each: only 5,000 Global CV of room left
    assert (garden.amount, garden.credited, garden.cap_counted) == (20_000, 10_000, Decimal("5000.0000"))
    choir = earn(alice, 4_000, domain=quarter)
    assert (choir.amount, choir.credited) == (4_000, 0)  # nothing left this year
    assert earn(alice, 100).credited == 0
    assert selectors.balance_of(alice) == 15_000
    assert selectors.balance_of(alice, half) == 10_000 and selectors.balance_of(alice, quarter) == 0
    headroom = selectors.earning_headroom(alice)
    assert (headroom["credited"], headroom["remaining"]) == (20_000, 0)
    assert headroom["not_credited"] == 5_000 + 1_000 + 100  # in Global CV: 10,000 × 0.5, 4,000 × 0.25, 100
    assert ledger_verify() == []


def test_domain_cv_that_fits_only_in_part_is_cut_to_whole_cv(alice, domains):
    half, _quarter = domains
    earn(alice, 19_990)
    garden = earn(alice, 30, domain=half)  # 10 Global CV of room = 20 Domain CV at 0.5
    assert (garden.credited, garden.cap_counted) == (20, Decimal("10.0000"))
    assert selectors.earning_headroom(alice)["remaining"] == 0


def test_the_rate_in_force_on_the_day_of_the_contribution_counts(alice, domains):
    half, _quarter = domains
    tomorrow = timezone.localdate() + timedelta(days=1)
    services.domain_terms_publish(
        domain=half, conversion_rate=Decimal("2"), conversion_budget=10_000, effective_from=tomorrow
    )
    today = earn(alice, 1_000, domain=half)
    later = earn(alice, 1_000, domain=half, on=tomorrow)
    assert (today.cap_rate, today.cap_counted) == (Decimal("0.5000"), Decimal("500.0000"))
    assert (later.cap_rate, later.cap_counted) == (Decimal("2.0000"), Decimal("2000.0000"))


def test_each_year_has_its_own_cap(alice):
    last_year = date(timezone.localdate().year - 1, 6, 1)
    assert earn(alice, 20_000, on=last_year).credited == 20_000
    assert earn(alice, 20_000).credited == 20_000
    assert selectors.earning_headroom(alice, year=last_year.year)["remaining"] == 0


def test_a_domain_that_converts_at_zero_counts_nothing(alice):
    closed = services.domain_create(code="club", name_zh="俱乐部", name_en="Club", conversion_rate=Decimal("0"))
    earn(alice, 20_000)
    assert earn(alice, 5_000, domain=closed).credited == 5_000


def test_trust_levels_count_domain_cv_at_its_rate(alice, domains):
    """TR-2 (seed 001 §6.2 "L3: 认证贡献者 累计 1000 贡献值"): 1,600 Domain CV at 0.5 is 800."""
    half, _quarter = domains
    earn(alice, 1_600, domain=half)
    standing = selectors.trust_standing_of(alice)
    assert (standing.level, standing.net_credited) == (2, 800)
    earn(alice, 400, domain=half)
    standing = selectors.trust_standing_of(alice)
    assert (standing.level, standing.net_credited) == (3, 1_000)
    assert selectors.trust_level_of(alice) == 3


def test_trust_refresh_job_counts_domain_cv_the_same_way(alice, bob, domains):
    half, _quarter = domains
    earn(alice, 2_000, domain=half)  # 1,000 in Global terms: L3
    earn(bob, 1_000, domain=half)  # 500: L2
    assert services.trust_levels_refresh() == {"people": 2, "changed": 0}  # stored levels agree
    assert (selectors.trust_level_of(alice), selectors.trust_level_of(bob)) == (3, 2)


def test_a_penalty_on_domain_cv_counts_at_its_rate(alice, domains, superuser):
    half, _quarter = domains
    earn(alice, 1_000)
    earn(alice, 1_000, domain=half)  # 1,500 in Global terms
    services.penalty_reset(user=alice, reason="test", cause="reputation.case:1", idempotency_key=key(), actor=superuser)
    assert selectors.trust_standing_of(alice).net_credited == 0
