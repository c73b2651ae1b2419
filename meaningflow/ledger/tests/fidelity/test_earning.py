"""Annex 4 section 3 (三、贡献值产生机制), the earning formulas CV-E1…CV-E4, and the
earning example of section 2.1, against seeds/001_3d5d96aefd01123e.txt.

Every number is computed by ``meaningflow.ledger.formulas`` with the parameter set in
force (what ``contribution_record`` uses); the seed's own words are quoted in each
docstring with the section and line of the seed file."""

from decimal import Decimal

import pytest

from meaningflow.ledger import formulas, services
from meaningflow.ledger import selectors as ledger_selectors

pytestmark = pytest.mark.django_db

SEED = "seeds/001_3d5d96aefd01123e.txt"

# --- 3.1 资源贡献 (CV-E1) ------------------------------------------------------------------


def test_e1_room_three_peak_nights_good_review(params):
    """附件四 3.1, lines 1535–1547: “贡献值 = 资源基础价值 × 使用时长 × 资源需求指数 ×
    用户评价系数”; “房间 200/晚”, “3晚”, “旺季 1.5”, “好评 1.0”.
    200 × 3 × 1.5 × 1.0 = 900."""
    result = formulas.cv_resource(params, resource_type="room", duration=3, demand="peak", rating="good")
    assert result.factors["base_value"] == "200" and result.factors["per"] == "night"
    assert result.factors["demand_index"] == "1.5" and result.factors["rating_coef"] == "1.0"
    assert result.amount == 900


def test_e1_vehicle_two_off_peak_days_neutral_review(params):
    """附件四 3.1, lines 1541–1547: “车辆 150/天”, “2天”, “淡季 0.8”, “中评 0.7”.
    150 × 2 × 0.8 × 0.7 = 168."""
    result = formulas.cv_resource(params, resource_type="vehicle", duration=2, demand="off_peak", rating="neutral")
    assert result.factors["base_value"] == "150" and result.factors["per"] == "day"
    assert result.amount == 168


def test_e1_bad_review(params):
    """附件四 3.1, line 1547: “用户评价系数 使用者的评价反馈 好评 1.0，中评 0.7，差评 0.3”.
    One room night at normal demand with a bad review: 200 × 1 × 1.0 × 0.3 = 60."""
    assert formulas.cv_resource(params, resource_type="room", duration=1, rating="bad").amount == 60


def test_e1_barcelona_week_of_lodging_follows_the_per_night_table_not_500(params):
    """附件四 2.1, line 1471: “在巴塞罗那提供一周住宿 → 获得 500 贡献值”.

    This contradicts section 3.1's “房间 200/晚” (a week would be 1 400). SPEC section 3
    decides: “the per-unit tables above are the defaults, and all numbers are parameters
    (CV-7)”. So a week of lodging (7 nights, normal demand, good review) earns
    200 × 7 × 1.0 × 1.0 = 1 400, not the seed's 500."""
    result = formulas.cv_resource(params, resource_type="room", duration=7)
    assert result.amount == 1400
    assert result.amount != 500


# --- 3.2 技能贡献 (CV-E2) ------------------------------------------------------------------


def test_e2_two_hour_programming_workshop_for_ten(params):
    """附件四 3.2, lines 1562–1574: “贡献值 = 技能难度系数 × 服务时长 × 学习者评价 ×
    影响人数”; “编程 1.5”, “2小时工作坊”, “好评 1.0”, “10人工作坊有系数加成”.

    The seed multiplies by the number of people itself (which would give 1.5 × 2 × 1.0 ×
    10 = 30) and names no CV per hour. SPEC section 3 decides: a concave headcount factor
    1 + ln n / ln 10 (10 learners → 2.0, the seed's “bonus”) and an hourly_base parameter
    (50). So 1.5 × 2 × 1.0 × 2.0 × 50 = 300."""
    result = formulas.cv_skill(params, hours=2, learners=10, learner_rating="good", difficulty_class="programming")
    assert result.factors["headcount_factor"] == "2.0000" and result.factors["hourly_base"] == "50"
    assert result.amount == 300


@pytest.mark.parametrize(
    ("difficulty_class", "learner_rating", "amount"),
    [
        ("programming", "good", 150),  # 1.5 × 2 × 1.0 × 1.0 × 50
        ("language_teaching", "good", 120),  # 1.2 × 2 × 1.0 × 1.0 × 50
        ("basic", "good", 100),  # 1.0 × 2 × 1.0 × 1.0 × 50
        ("language_teaching", "neutral", 84),  # 1.2 × 2 × 0.7 × 1.0 × 50
    ],
)
def test_e2_difficulty_and_learner_rating(params, difficulty_class, learner_rating, amount):
    """附件四 3.2, lines 1568–1572: “技能难度系数 … 编程 1.5，语言教学 1.2，基础技能 1.0”;
    “学习者评价 接受者的反馈 好评 1.0，中评 0.7”. A 2-hour session for one learner
    (headcount factor 1.0, SPEC's hourly_base 50)."""
    result = formulas.cv_skill(
        params, hours=2, learners=1, learner_rating=learner_rating, difficulty_class=difficulty_class
    )
    assert result.amount == amount


def test_e2_more_learners_earn_a_bonus_that_grows_ever_slower(params):
    """附件四 3.2, line 1574: “影响人数 同时服务的人数 10人工作坊有系数加成”. SPEC: “choose a
    concave curve, e.g. 1 + ln(n)/ln(10) capped”: 1 → 1.0, 10 → 2.0, and more than 10
    stays at the cap 2.0."""
    factors = [formulas.headcount_factor(n, params["skill"]["headcount_cap"]) for n in (1, 10, 100)]
    assert factors == [Decimal(1), Decimal(2), Decimal(2)]


# --- 3.3 项目贡献 (CV-E3) ------------------------------------------------------------------


def test_e3_core_organiser_of_a_community_event_reaching_over_100(params):
    """附件四 3.3, lines 1588–1600: “贡献值 = 项目价值基数 × 个人贡献比例 × 项目影响力系数 ×
    完成度”; “社区活动 500”, “核心组织者 0.3”, “影响 100人以上 1.5”, “成功完成 1.0”.
    500 × 0.3 × 1.5 × 1.0 = 225."""
    result = formulas.cv_project(
        params, project_type="community_event", role="core_organiser", people_reached=120, completion="full"
    )
    assert result.amount == 225


def test_e3_participant_of_a_medium_project_partly_completed(params):
    """附件四 3.3, lines 1594–1600: “中型项目 2000”, “参与者 0.1”, “部分完成 0.6”; under 100
    people the impact is 1.0. 2 000 × 0.1 × 1.0 × 0.6 = 120."""
    result = formulas.cv_project(
        params, project_type="medium_project", role="participant", people_reached=50, completion="partial"
    )
    assert result.amount == 120


@pytest.mark.parametrize(("people", "impact"), [(99, "1.0"), (100, "1.5"), (101, "1.5")])
def test_e3_impact_from_100_people(params, people, impact):
    """附件四 3.3, line 1598: “项目影响力系数 项目的影响范围和效果 影响 100人以上 1.5”.
    “以上” includes the number itself (as in Chinese legal usage): 100 people count."""
    result = formulas.cv_project(params, project_type="community_event", role="participant", people_reached=people)
    assert result.factors["impact_coef"] == impact


# --- 3.4 社群贡献 (CV-E4) ------------------------------------------------------------------


def test_e4_thirty_people_lasting_community_highly_rated(params):
    """附件四 3.4, lines 1616–1626: “贡献值 = 参与人数 × 活动影响力系数 × 内容质量评价”;
    “30 人参与线下聚会”, “形成持续社群 1.5”, “高赞、高收藏 1.2”.

    The seed's product has no CV per participant (30 × 1.5 × 1.2 = 54). SPEC section 3
    decides CV-E4 = participants × activity_impact × content_quality × per_head_base, with
    per_head_base a parameter (10): 30 × 1.5 × 1.2 × 10 = 540."""
    result = formulas.cv_community(params, participants=30, activity="lasting_community", content="highly_rated")
    assert result.factors["per_head_base"] == "10"
    assert result.amount == 540


# --- through the contribution service ---------------------------------------------------


def test_the_service_credits_what_the_formula_gives(person):
    """The same seed example (附件四 3.1: 房间 200/晚 × 3晚 × 旺季 1.5 × 好评 1.0) recorded
    for a verified person through ``contribution_record``: 900 credited and on the
    balance."""
    host = person("fidelity_host")
    contribution = services.contribution_record(
        beneficiary=host,
        kind="resource",
        inputs={"resource_type": "room", "duration": 3, "demand": "peak", "rating": "good"},
        idempotency_key="fidelity-e1",
    )
    assert contribution.amount == contribution.credited == 900
    assert ledger_selectors.balance_of(host) == 900
