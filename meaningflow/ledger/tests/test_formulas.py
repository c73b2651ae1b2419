"""The formulas of SPEC section 3 against worked examples; bad inputs are refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

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
        formulas.cv_resource(
            P, resource_type="vehicle", duration=1, demand="off_peak", rating="neutral"
        ).amount
        == 84
    )


def test_skill_programming_workshop_for_ten():
    # 1.5 × 2 h × 1.0 × (1 + ln 10 / ln 10 = 2.0) × 50 = 300
    result = formulas.cv_skill(P, hours=2, learners=10, difficulty_class="programming")
    assert result.amount == 300
    assert result.factors["headcount_factor"] == "2.0000"


def test_skill_uses_the_taxonomy_difficulty_and_caps_headcount():
    result = formulas.cv_skill(
        P, hours=1, learners=1000, difficulty=Decimal("1.20"), learner_rating="neutral"
    )
    assert result.amount == 84  # 1.2 × 1 × 0.7 × 2.0 (capped) × 50


def test_project_and_community_examples():
    assert (
        formulas.cv_project(P, project_type="community_event", role="core_organiser").amount == 150
    )
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
    assert (
        formulas.cv_project(
            P, project_type="medium_project", role="participant", completion="none"
        ).amount
        == 0
    )
    assert (
        formulas.cv_community(
            P, participants=20, activity="lasting_community", content="highly_rated"
        ).amount
        == 360
    )  # 20 × 1.5 × 1.2 × 10


def test_consumption_examples_from_the_seed():
    assert (
        formulas.cv_consumption(P, resource_type="room", region="Tokyo", duration=3).amount == 900
    )
    assert (
        formulas.cv_consumption(
            P, resource_type="workspace", region="chiang-mai", duration=1
        ).amount
        == 150
    )
    assert (
        formulas.cv_consumption(P, resource_type="bicycle", region="berlin", duration=1).amount
        == 200
    )
    assert formulas.cv_consumption(P, resource_type="room", duration=1, demand="peak").amount == 300


@pytest.mark.parametrize(
    ("func", "kwargs", "message"),
    [
        (formulas.cv_resource, {"resource_type": "room", "duration": -1}, "greater than zero"),
        (formulas.cv_resource, {"resource_type": "castle", "duration": 1}, "Unknown resource type"),
        (
            formulas.cv_resource,
            {"resource_type": "room", "duration": 1, "rating": "superb"},
            "Unknown rating",
        ),
        (formulas.cv_resource, {"resource_type": "room", "duration": "many"}, "must be a number"),
        (formulas.cv_skill, {"hours": 1, "learners": 2.5}, "whole number"),
        (formulas.cv_skill, {"hours": 0}, "greater than zero"),
        (formulas.cv_project, {"project_type": "community_event", "role": "boss"}, "Unknown role"),
        (formulas.cv_community, {"participants": -3}, "greater than zero"),
        (formulas.cv_consumption, {"resource_type": "room", "duration": 100000}, "too large"),
    ],
)
def test_bad_inputs_are_refused_with_clear_messages(func, kwargs, message):
    with pytest.raises(ValidationError) as excinfo:
        func(P, **kwargs)
    assert message in " ".join(excinfo.value.messages)


def test_cv_for_refuses_unknown_kind_and_unknown_inputs():
    with pytest.raises(ValidationError):
        formulas.cv_for("gift", P, {})
    with pytest.raises(ValidationError, match="do not fit"):
        formulas.cv_for("community", P, {"participants": 3, "bribe": 1})


def test_parameter_schema_names_what_is_wrong():
    validate_document(default_document())
    broken = default_document()
    del broken["decay"]["global_rate"]
    broken["resource"]["rating_coef"]["good"] = -1
    with pytest.raises(ValidationError) as excinfo:
        validate_document(broken)
    text = " ".join(excinfo.value.messages)
    assert "decay.global_rate" in text and "resource.rating_coef" in text
