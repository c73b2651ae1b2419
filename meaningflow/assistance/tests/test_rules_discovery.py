"""The rules through discovery and the officer's explanation: the run's date, the registry's
work form, occupation category and graduation date, and which rules (national or regional)
were used, in words."""

import datetime

import pytest
from django.utils import translation

from meaningflow.assistance import discovery, policy, services
from meaningflow.assistance.models import Recognition, RegistryPerson
from meaningflow.assistance.tests.helpers import csv_bytes, person_row

pytestmark = pytest.mark.django_db


def _registry(officer, rows, today=datetime.date(2025, 6, 1)):
    batch = services.registry_import(
        actor=officer, region_prefix="43", filename="r.csv", content=csv_bytes(rows), today=today
    )
    assert batch.status == "applied", batch.report
    return {p.name: p for p in RegistryPerson.objects.all()}


def _recognition(person) -> Recognition:
    return Recognition.objects.get(person=person)


@pytest.mark.postgres
def test_a_birthday_or_the_twelfth_month_on_the_15th_counts_from_the_15th(officer):
    people = _registry(
        officer,
        [
            # Turns 40 on 2025-06-15 (a woman, national 4050 age 40), registered a month before.
            person_row(1, birth=datetime.date(1985, 6, 15), since="2025-05-01", female=True, needs=""),
            # Registered 2024-06-15: 12 months on 2025-06-15.
            person_row(2, birth=datetime.date(1995, 1, 1), since="2024-06-15", female=False, needs=""),
        ],
    )
    day_before = discovery.discovery_run(region_prefix="43", today=datetime.date(2025, 6, 14))
    assert (day_before["recognised"], day_before["nearly"]) == (0, 2)
    assert not _recognition(people["测试1"]).recognised and _recognition(people["测试1"]).nearly
    on_the_day = discovery.discovery_run(region_prefix="43", today=datetime.date(2025, 6, 15))
    assert (on_the_day["recognised"], on_the_day["nearly"]) == (2, 0)
    assert _recognition(people["测试1"]).reasons == ["4050"]
    assert _recognition(people["测试2"]).reasons == ["long_term_unemployed"]
    # The officer's explanation judges on the day it is asked for.
    for today, expected in ((datetime.date(2025, 6, 14), False), (datetime.date(2025, 6, 15), True)):
        explanation = discovery.explain_person(people["测试1"], today=today)
        assert explanation["trees"][0]["value"] is expected
        assert explanation["evaluated_on"] == today.isoformat()


@pytest.mark.postgres
def test_the_flexible_subsidy_needs_recognition_or_a_recent_graduation(officer):
    people = _registry(
        officer,
        [
            person_row(1, birth=datetime.date(1990, 1, 1), since="2025-01-01", disabled="是", needs=""),
            person_row(2, birth=datetime.date(1990, 1, 1), since="2025-03-01", needs=""),  # no reason
            person_row(3, birth=datetime.date(2002, 1, 1), since="", status="灵活就业", needs=""),  # a graduate
            person_row(4, birth=datetime.date(1990, 1, 1), since="2023-01-01", disabled="是", needs=""),
        ],
    )
    RegistryPerson.objects.filter(pk__in=[p.pk for p in people.values()]).update(
        work_form="flexible", social_insurance_paid_monthly="900.00"
    )
    RegistryPerson.objects.filter(pk=people["测试3"].pk).update(graduation_date=datetime.date(2024, 7, 1))
    RegistryPerson.objects.filter(pk=people["测试4"].pk).update(registration_status="deregistered")
    summary = discovery.discovery_run(region_prefix="43", today=datetime.date(2025, 6, 10))
    assert summary["persons"] == 3  # the deregistered person is not in the run
    subsidy = {name: _recognition(p).entitlements["flexible_subsidy"] for name, p in people.items() if name != "测试4"}
    assert subsidy == {"测试1": 600.0, "测试2": 0.0, "测试3": 600.0}
    assert _recognition(people["测试1"]).recognised  # registered and working flexibly: still recognised


@pytest.mark.postgres
def test_women_cadres_retire_later_than_women_workers(officer):
    # Born 1971-01-15: a cadre retires at 55 years 4 months (2026-05-15), a worker retired
    # at 50 (2021-01-15). Nobody past the statutory age is recognised or offered anything.
    born = datetime.date(1971, 1, 15)
    people = _registry(
        officer,
        [
            person_row(1, birth=born, since="2024-01-01", female=True, needs="就业;培训;创业"),
            person_row(2, birth=born, since="2024-01-01", female=True, needs="就业;培训;创业"),
        ],
    )
    RegistryPerson.objects.filter(pk=people["测试1"].pk).update(occupation_category="cadre")
    discovery.discovery_run(region_prefix="43", today=datetime.date(2025, 6, 10))
    cadre, worker = _recognition(people["测试1"]), _recognition(people["测试2"])
    assert cadre.recognised and cadre.entitlements["public_welfare_post"] and cadre.entitlements["training"]
    assert not worker.recognised and not worker.nearly
    assert worker.entitlements == {
        "flexible_subsidy": 0.0,
        "public_welfare_post": False,
        "training": False,
        "startup_loan_max": 0,
        "dibao_deduction": 0.0,
    }


def test_hunan_demonstration_rules_stay_out_of_the_default_run(officer, settings):
    people = _registry(officer, [person_row(1, birth=datetime.date(1983, 1, 1), since="2025-05-01", female=True)])
    today = datetime.date(2025, 6, 10)
    settings.ASSISTANCE_REGIONAL_RULES = []
    discovery.discovery_run(region_prefix="43", today=today)
    recognition = _recognition(people["测试1"])
    assert recognition.recognised and recognition.rules_version == policy.RULES_VERSION  # 42 ≥ 40 nationally
    explanation = discovery.explain_person(people["测试1"], today=today)
    assert not explanation["regional"] and explanation["rules_status"].startswith("National rules")

    settings.ASSISTANCE_REGIONAL_RULES = ["43"]
    discovery.discovery_run(region_prefix="43", today=today)
    recognition = _recognition(people["测试1"])
    assert not recognition.recognised and recognition.rules_version == f"{policy.RULES_VERSION}+HunanRules"
    explanation = discovery.explain_person(people["测试1"], today=today)
    assert explanation["regional"]
    assert "Hunan" in explanation["rules_status"] and "demonstration" in explanation["rules_status"]


def _parameters(explanation):
    found = {}

    def walk(node):
        for parameter in node.get("parameters", []):
            found[parameter["name"]] = parameter
        for child in node.get("children", []):
            walk(child)

    for tree in explanation["trees"]:
        walk(tree)
    return found


def test_the_trace_says_in_words_which_values_are_regional_demonstration_values(officer, settings):
    settings.ASSISTANCE_REGIONAL_RULES = ["43"]
    people = _registry(officer, [person_row(1, birth=datetime.date(1983, 1, 1), since="2025-05-01", female=True)])
    with translation.override("zh-hans"):
        explanation = discovery.explain_person(people["测试1"], today=datetime.date(2025, 6, 10))
    parameters = _parameters(explanation)
    women = parameters["employment_difficulty.age_threshold.women"]
    assert women["value"] == 45 and "湖南" in women["status"] and "演示" in women["status"]
    national = parameters["employment_difficulty.long_term_unemployment_months"]
    assert national["status"] == "全国统一取值"
    assert "湖南" in explanation["rules_status"] and "演示" in explanation["rules_status"]
    root = explanation["trees"][0]
    assert root["label"] == "就业困难人员"  # labels are translated, not the English msgid


def test_the_case_page_shows_the_rules_status(client, officer, settings):
    people = _registry(officer, [person_row(1, birth=datetime.date(1983, 1, 1), since="2025-05-01", female=True)])
    client.force_login(officer)
    settings.ASSISTANCE_REGIONAL_RULES = []
    page = client.get(f"/assistance/persons/{people['测试1'].pk}/").content.decode()
    assert 'id="rules-status"' in page and "National rules" in page
    settings.ASSISTANCE_REGIONAL_RULES = ["43"]
    page = client.get(f"/assistance/persons/{people['测试1'].pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "湖南" in page and "演示" in page
