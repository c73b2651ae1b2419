"""Annex 4 section 4 (四、贡献值消耗机制), the burn formula, and the consumption examples of
section 2.1 that contradict it, against seeds/001_3d5d96aefd01123e.txt.

Computed by ``meaningflow.ledger.formulas.cv_consumption`` with the parameter set in force,
and for Tokyo also through the price of a real room listed there (``resources.pricing``)."""

import pytest

from meaningflow.ledger import formulas
from meaningflow.places.models import City
from meaningflow.resources import pricing
from meaningflow.resources import services as resource_services
from meaningflow.resources.reference import reference_ensure

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("resource_type", "region", "duration", "per", "amount"),
    [
        ("room", "tokyo", 1, "night", 300),
        ("workspace", "chiang-mai", 1, "day", 150),
        ("bicycle", "berlin", 1, "week", 200),
    ],
)
def test_section_4_1_examples(params, resource_type, region, duration, per, amount):
    """附件四 4.1, lines 1645–1653: “资源使用所需贡献值 = 资源基础消耗值 × 使用时长 × 需求热度”;
    “东京共享公寓一晚：300 贡献值”, “清迈工作空间一天：150 贡献值”, “柏林自行车一周：200
    贡献值”. At normal demand heat (1.0)."""
    result = formulas.cv_consumption(params, resource_type=resource_type, duration=duration, region=region)
    assert result.factors["per"] == per and result.factors["demand_heat"] == "1.0"
    assert result.amount == amount


def test_tokyo_night_through_a_room_listed_in_tokyo(reference_data, make_user):
    """附件四 4.1, line 1651: “东京共享公寓一晚：300 贡献值” — the price a guest is quoted for
    one night of a room whose place is Tokyo (the region key comes from the city)."""
    reference_ensure()
    room = resource_services.resource_create(
        owner=make_user("tokyo_host"),
        type="room",
        title_zh="东京共享公寓",
        title_en="Shared apartment in Tokyo",
        city=City.objects.get(geonameid=1850147),
        capacity=1,
        payment="cv",
        booking_mode="request",
        cancellation_policy="moderate",
    )
    assert pricing.region_slug(room) == "tokyo"
    assert pricing.cv_cost(room, slots=1).amount == 300


def test_three_nights_in_tokyo_cost_three_times_a_night_not_300(params):
    """附件四 2.1, line 1472: “在东京使用三晚共享公寓 → 消耗 300 贡献值”.

    This contradicts section 4.1's “东京共享公寓一晚：300 贡献值”. SPEC section 3 decides
    that the per-unit tables are the defaults (all numbers parameters, CV-7): three nights
    cost 300 × 3 = 900, not the seed's 300."""
    result = formulas.cv_consumption(params, resource_type="room", duration=3, region="tokyo")
    assert result.amount == 900
    assert result.amount != 300


def test_a_week_of_workspace_in_chiang_mai_costs_seven_days_not_200(params):
    """附件四 2.1, line 1473: “在清迈使用一周工作空间 → 消耗 200 贡献值”.

    This contradicts section 4.1's “清迈工作空间一天：150 贡献值”. SPEC section 3 decides for
    the per-unit table: 150 × 7 = 1 050, not the seed's 200."""
    result = formulas.cv_consumption(params, resource_type="workspace", duration=7, region="chiang-mai")
    assert result.amount == 1050
    assert result.amount != 200


def test_demand_heat_scales_the_burn(params):
    """附件四 4.1, line 1645: “… × 需求热度”. The seed gives no heat figures for consumption;
    SPEC uses the same levels as the demand index of section 3.1 (“旺季 1.5，淡季 0.8”, line
    1545): a Tokyo night at peak costs 300 × 1.5 = 450, off-peak 300 × 0.8 = 240."""
    peak = formulas.cv_consumption(params, resource_type="room", duration=1, region="tokyo", demand="peak")
    off_peak = formulas.cv_consumption(params, resource_type="room", duration=1, region="tokyo", demand="off_peak")
    assert (peak.amount, off_peak.amount) == (450, 240)
