"""The formulas of SPEC section 3 against worked examples; bad inputs are refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from meaningflow.core.errors import error_codes
from meaningflow.ledger import formulas
from meaningflow.ledger.parameters import DEFAULT_PARAMETERS, default_document, validate_document

P = DEFAULT_PARAMETERS


def test_resource_room_three_peak_nights():
    result = formulas.cv_resource(P, resource_type="room", duration=3, demand="peak", rating="good")
    assert result.amount == 900  # 200 × 3 × 1.5 × 1.0
    assert result.factors["demand_index"] == "1.5"


def test_resource_vehicle_off_peak_neutral_rounds_half_even():
    # 150 × 1 × 0.8 × 0.7 = 84
    assert (
        formulas.cv_resource(P, resource_type="vehicle", duration=1, demand="off_peak", rating="neutral").amount == 84
    )


def test_skill_programming_workshop_for_ten():
    # 1.5 × 2 h × 1.0 × (1 + ln 10 / ln 10 = 2.0) × 50 = 300
    result = formulas.cv_skill(P, hours=2, learners=10, difficulty_class="programming")
    assert result.amount == 300
    assert result.factors["headcount_factor"] == "2.0000"


def test_skill_uses_the_taxonomy_difficulty_and_caps_headcount():
    result = formulas.cv_skill(P, hours=1, learners=1000, difficulty=Decimal("1.20"), learner_rating="neutral")
    assert result.amount == 84  # 1.2 × 1 × 0.7 × 2.0 (capped) × 50


def test_project_and_community_examples():
    assert formulas.cv_project(P, project_type="community_event", role="core_organiser").amount == 150
    assert (
        formulas.cv_project(
            P,
            project_type="medium_project",
            role="participant",
            people_reached=120,
            completion="partial",
        ).amount
        == 180
    )  # 2000 × 0.1 × 1.5 × 0.6
    assert formulas.cv_project(P, project_type="medium_project", role="participant", completion="none").amount == 0
    assert (
        formulas.cv_community(P, participants=20, activity="lasting_community", content="highly_rated").amount == 360
    )  # 20 × 1.5 × 1.2 × 10


def test_consumption_examples_from_the_seed():
    assert formulas.cv_consumption(P, resource_type="room", region="Tokyo", duration=3).amount == 900
    assert formulas.cv_consumption(P, resource_type="workspace", region="chiang-mai", duration=1).amount == 150
    assert formulas.cv_consumption(P, resource_type="bicycle", region="berlin", duration=1).amount == 200
    assert formulas.cv_consumption(P, resource_type="room", duration=1, demand="peak").amount == 300


@pytest.mark.parametrize(
    ("func", "kwargs", "code"),
    [
        (formulas.cv_resource, {"resource_type": "room", "duration": -1}, "ledger.input_not_positive"),
        (formulas.cv_resource, {"resource_type": "castle", "duration": 1}, "ledger.input_unknown_choice"),
        (
            formulas.cv_resource,
            {"resource_type": "room", "duration": 1, "rating": "superb"},
            "ledger.input_unknown_choice",
        ),
        (formulas.cv_resource, {"resource_type": "room", "duration": "many"}, "ledger.input_not_number"),
        (formulas.cv_skill, {"hours": 1, "learners": 2.5}, "ledger.input_not_whole"),
        (formulas.cv_skill, {"hours": 0}, "ledger.input_not_positive"),
        (formulas.cv_project, {"project_type": "community_event", "role": "boss"}, "ledger.input_unknown_choice"),
        (formulas.cv_community, {"participants": -3}, "ledger.input_not_positive"),
        (formulas.cv_consumption, {"resource_type": "room", "duration": 100000}, "ledger.input_too_large"),
    ],
)
def test_bad_inputs_are_refused_with_a_code(func, kwargs, code):
    with pytest.raises(ValidationError) as excinfo:
        func(P, **kwargs)
    assert error_codes(excinfo.value) == [code]


def test_cv_for_refuses_unknown_kind_and_unknown_inputs():
    with pytest.raises(ValidationError) as unknown:
        formulas.cv_for("gift", P, {})
    assert error_codes(unknown.value) == ["ledger.kind_unknown"]
    with pytest.raises(ValidationError) as unfit:
        formulas.cv_for("community", P, {"participants": 3, "bribe": 1})
    assert error_codes(unfit.value) == ["ledger.inputs_mismatch"]


def test_parameter_schema_names_what_is_wrong():
    validate_document(default_document())
    broken = default_document()
    del broken["decay"]["global_rate"]
    broken["resource"]["rating_coef"]["good"] = -1
    with pytest.raises(ValidationError) as excinfo:
        validate_document(broken)
    assert sorted(error_codes(excinfo.value)) == ["ledger.parameter_invalid", "ledger.parameter_missing"]
    text = " ".join(excinfo.value.messages)  # the paths are data, not wording
    assert "decay.global_rate" in text and "resource.rating_coef" in text


# --- A continuous demand index instead of a demand level ---------------------------------


def test_resource_takes_a_numeric_demand_index_and_records_it():
    result = formulas.cv_resource(P, resource_type="room", duration=2, demand_index=Decimal("1.25"), rating="good")
    assert result.amount == 500  # 200 × 2 × 1.25 × 1.0
    assert result.factors["demand_index"] == "1.25"
    assert result.factors["demand_index_input"] == "1.25"


@pytest.mark.parametrize(
    ("given", "applied", "amount"),
    [(0, "0.8", 160), (0.5, "0.8", 160), ("1.10", "1.10", 220), (3.7, "1.5", 300)],
)
def test_resource_demand_index_is_clipped_to_the_parameter_bounds(given, applied, amount):
    result = formulas.cv_resource(P, resource_type="room", duration=1, demand_index=given)
    assert result.factors["demand_index"] == applied
    assert result.amount == amount


def test_consumption_takes_a_numeric_demand_index_clipped_to_demand_heat_bounds():
    level = formulas.cv_consumption(P, resource_type="room", duration=2, demand="peak")
    index = formulas.cv_consumption(P, resource_type="room", duration=2, demand_index=2.4)
    assert level.amount == index.amount == 600  # 200 × 2 × 1.5
    assert index.factors["demand_heat"] == "1.5"
    assert index.factors["demand_index_input"] == "2.4"
    assert "demand_index_input" not in level.factors
    middle = formulas.cv_consumption(
        P, resource_type="workspace", duration=1, region="Chiang-Mai", demand_index=Decimal("0.9")
    )
    assert middle.amount == 135  # 150 × 1 × 0.9


def test_demand_index_bounds_follow_the_parameters():
    document = default_document()
    document["resource"]["demand_index"] = {"peak": 2.0, "normal": 1.0, "off_peak": 0.5}
    assert formulas.cv_resource(document, resource_type="room", duration=1, demand_index=1.8).amount == 360
    assert formulas.cv_resource(document, resource_type="room", duration=1, demand_index=0.1).amount == 100


@pytest.mark.parametrize("bad", [-0.1, "lots", float("nan"), float("inf"), True, [1]])
def test_bad_demand_index_is_refused(bad):
    with pytest.raises(ValidationError):
        formulas.cv_resource(P, resource_type="room", duration=1, demand_index=bad)
    with pytest.raises(ValidationError):
        formulas.cv_consumption(P, resource_type="room", duration=1, demand_index=bad)


def test_a_demand_level_and_a_demand_index_together_are_refused():
    with pytest.raises(ValidationError) as both:
        formulas.cv_resource(P, resource_type="room", duration=1, demand="peak", demand_index=1.2)
    assert error_codes(both.value) == ["ledger.demand_both_given"]
    with pytest.raises(ValidationError):
        formulas.cv_consumption(P, resource_type="room", duration=1, demand="off_peak", demand_index=1)


def test_contribution_inputs_may_carry_a_demand_index():
    result = formulas.cv_for("resource", P, {"resource_type": "room", "duration": "3", "demand_index": "1.2"})
    assert result.amount == 720 and result.factors["demand_index"] == "1.2"
