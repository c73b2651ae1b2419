"""Discovery (GV-4, BX-11): one simulation, set-based writes, nearly eligible, idempotent."""

import datetime

import pytest
from django.utils import timezone

from meaningflow.accounts import services as accounts_services
from meaningflow.assistance import discovery, services
from meaningflow.assistance.discovery import writing
from meaningflow.assistance.models import AssistanceProfile, PushItem, Recognition, RegistryPerson
from meaningflow.assistance.tests.helpers import csv_bytes, person_row
from meaningflow.needs import services as needs_services
from meaningflow.places.models import Division
from meaningflow.resources import services as resources_services
from meaningflow.resources.reference import reference_ensure
from meaningflow.resources.tests.factories import room

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 6, 10)


@pytest.fixture(autouse=True)
def _hunan_rules(settings):
    # These tests expect Hunan's regional rules (45/55); they apply only when switched on.
    settings.ASSISTANCE_REGIONAL_RULES = ["43"]


def _registry(officer, rows):
    batch = services.registry_import(
        actor=officer, region_prefix="43", filename="r.csv", content=csv_bytes(rows), today=TODAY
    )
    assert batch.status == "applied", batch.report


@pytest.mark.postgres
def test_recognitions_nearly_eligible_and_pushes(officer):
    _registry(
        officer,
        [
            person_row(1, birth=datetime.date(1990, 1, 1), since="2024-06-01", needs="培训"),  # 12 months → recognised
            person_row(2, birth=datetime.date(1990, 1, 1), since="2024-07-01", needs=""),  # 12 months next month
            person_row(3, birth=datetime.date(1970, 7, 1), since="2025-05-01", female=False, needs=""),  # 55 next month
            person_row(4, birth=datetime.date(1995, 1, 1), since="2025-05-01", disabled="是", needs="创业"),
            person_row(5, birth=datetime.date(1995, 1, 1), since="2025-05-01", needs=""),  # nothing
        ],
    )
    summary = discovery.discovery_run(region_prefix="43", today=TODAY)
    assert summary["persons"] == 5 and summary["recognised"] == 2 and summary["nearly"] == 2
    by_seq = {p.name: p for p in RegistryPerson.objects.select_related("recognition")}
    assert by_seq["测试1"].recognition.reasons == ["long_term_unemployed"]
    assert by_seq["测试4"].recognition.reasons == ["disability"]
    assert by_seq["测试1"].recognition.rules_version.endswith("HunanRules")
    nearly = PushItem.objects.get(person=by_seq["测试2"], kind="nearly")
    assert nearly.reason_code == "nearly.long_term"
    assert nearly.data_used["months_unemployed"] == 11 and nearly.data_used["eligible_from"] == "2025-07-01"
    assert nearly.rule_reference and nearly.expires_on == datetime.date(2025, 7, 31)
    assert PushItem.objects.get(person=by_seq["测试3"], kind="nearly").reason_code == "nearly.4050"
    codes = set(PushItem.objects.filter(person=by_seq["测试1"]).values_list("reason_code", flat=True))
    assert {"policy.recognition", "policy.training_subsidy"} <= codes
    assert "policy.startup_loan" in set(
        PushItem.objects.filter(person=by_seq["测试4"]).values_list("reason_code", flat=True)
    )
    assert not PushItem.objects.filter(person=by_seq["测试5"]).exists()


@pytest.mark.postgres
def test_rerun_in_the_same_month_is_idempotent(officer):
    _registry(officer, [person_row(i, since="2023-01-01") for i in range(4)])
    discovery.discovery_run(region_prefix="43", today=TODAY)
    pushes, recognitions = PushItem.objects.count(), Recognition.objects.count()
    discovery.discovery_run(region_prefix="43", today=TODAY)
    assert (PushItem.objects.count(), Recognition.objects.count()) == (pushes, recognitions)


@pytest.mark.postgres
def test_only_changed_results_are_written(officer, monkeypatch):
    _registry(officer, [person_row(i, since="2023-01-01") for i in range(3)])
    first = discovery.discovery_run(region_prefix="43", today=TODAY)
    assert first["recognitions_written"] == 3 and first["pushes_created"] > 0
    stored = {r.person_id: (r.fingerprint, r.computed_at) for r in Recognition.objects.all()}
    again = discovery.discovery_run(region_prefix="43", today=TODAY)
    assert (again["recognitions_written"], again["pushes_created"]) == (0, 0)
    assert {r.person_id: (r.fingerprint, r.computed_at) for r in Recognition.objects.all()} == stored
    # One person's data changes: only that recognition is rewritten.
    changed = RegistryPerson.objects.order_by("pk").first()
    RegistryPerson.objects.filter(pk=changed.pk).update(registered_unemployed_since=datetime.date(2025, 5, 1))
    third = discovery.discovery_run(region_prefix="43", today=TODAY)
    assert third["recognitions_written"] == 1
    assert Recognition.objects.get(person=changed).fingerprint != stored[changed.pk][0]
    # Service needs decide pushes: a new need gives its push, with one recognition rewritten.
    needing = RegistryPerson.objects.order_by("pk").last()
    needing.profile.service_needs = [*needing.profile.service_needs, "training"]
    needing.profile.save()
    fourth = discovery.discovery_run(region_prefix="43", today=TODAY)
    assert (fourth["recognitions_written"], fourth["pushes_created"]) == (1, 1)
    assert PushItem.objects.filter(person=needing, reason_code="policy.training_subsidy").exists()
    # Settled this month: the next run stages no push and reads no push keys.
    monkeypatch.setattr(writing, "_existing_policy_pushes", lambda *args: pytest.fail("read push keys"))
    fifth = discovery.discovery_run(region_prefix="43", today=TODAY)
    assert (fifth["recognitions_written"], fifth["pushes_created"], fifth["push_candidates"]) == (0, 0, 0)
    monkeypatch.undo()
    # A new month rewrites nothing that did not change (a result keeps the month it was
    # first computed for) and does not push unchanged findings again.
    july = datetime.date(2025, 7, 10)
    june_rows = {r.person_id: (r.fingerprint, r.computed_at, r.period) for r in Recognition.objects.all()}
    later = discovery.discovery_run(region_prefix="43", today=july)
    assert (later["recognitions_written"], later["pushes_created"]) == (0, 0)
    assert {r.person_id: (r.fingerprint, r.computed_at, r.period) for r in Recognition.objects.all()} == june_rows
    assert set(Recognition.objects.values_list("period", flat=True)) == {"2025-06"}
    # A finding that changes is pushed in the month it changes, to that person only.
    RegistryPerson.objects.filter(pk=changed.pk).update(registered_unemployed_since=datetime.date(2024, 1, 1))
    changed_later = discovery.discovery_run(region_prefix="43", today=july)
    assert changed_later["recognitions_written"] == 1 and changed_later["pushes_created"] > 0
    assert set(PushItem.objects.filter(period="2025-07").values_list("person_id", flat=True)) == {changed.pk}
    assert "long_term_unemployed" in Recognition.objects.get(person=changed).reasons
    assert Recognition.objects.get(person=changed).period == "2025-07"


def test_batch_agrees_with_per_person_trace(officer):
    _registry(
        officer,
        [
            person_row(
                i,
                birth=datetime.date(1960 + i * 5, 3, 3),
                since=f"202{i}-01-01",
                female=bool(i % 2),
            )
            for i in range(6)
        ],
    )
    discovery.discovery_run(region_prefix="43", today=TODAY)
    for person in RegistryPerson.objects.select_related("recognition"):
        explanation = discovery.explain_person(person, today=TODAY)
        root = explanation["trees"][0]
        assert root["variable"] == "employment_difficulty_person"
        assert root["value"] == person.recognition.recognised


def test_explanation_names_parameters_and_references(officer):
    _registry(officer, [person_row(1, birth=datetime.date(1970, 1, 1), since="2023-01-01")])
    explanation = discovery.explain_person(RegistryPerson.objects.get(), today=TODAY)
    flat = []

    def walk(node):
        flat.append(node)
        for child in node.get("children", []):
            walk(child)

    for tree in explanation["trees"]:
        walk(tree)
    parameters = [p for node in flat for p in node.get("parameters", [])]
    women = next(p for p in parameters if p["name"] == "employment_difficulty.age_threshold.women")
    assert women["value"] == 45 and "湖南" in women["reference"]
    assert any(node["input"] and node["variable"] == "birth_date" for node in flat)
    assert explanation["log"]


@pytest.mark.postgres
def test_the_stored_json_has_the_documented_shapes(officer):
    """Entitlements and push data are built in SQL (on both databases): exact shapes and
    types, amounts in yuan with cents."""
    _registry(
        officer,
        [
            person_row(1, birth=datetime.date(1990, 1, 1), since="2024-06-01", needs="就业;培训;创业"),
            person_row(2, birth=datetime.date(1990, 1, 1), since="2025-05-01", disabled="是", needs=""),
            person_row(3, birth=datetime.date(1990, 1, 1), since="2025-05-01", dibao="是", needs=""),
            person_row(4, birth=datetime.date(1970, 7, 1), since="2025-05-01", female=False, needs=""),
            person_row(5, birth=datetime.date(1990, 1, 1), since="2024-07-01", needs=""),
        ],
    )
    by_name = {p.name: p for p in RegistryPerson.objects.all()}
    flexible = by_name["测试2"]
    RegistryPerson.objects.filter(pk=flexible.pk).update(work_form="flexible", social_insurance_paid_monthly="1000.00")
    services.income_record(person=by_name["测试3"], month=datetime.date(2025, 5, 1), amount="1500")
    discovery.discovery_run(region_prefix="43", today=TODAY)

    def data(person, code):
        return PushItem.objects.get(person=person, reason_code=code).data_used

    first = by_name["测试1"]
    assert Recognition.objects.get(person=first).entitlements == {
        "flexible_subsidy": 0.0,
        "public_welfare_post": True,
        "training": True,
        "startup_loan_max": 200000,
        "dibao_deduction": 0.0,
    }
    assert data(first, "policy.recognition") == {
        "reasons": ["long_term_unemployed"],
        "age": 35,
        "months_unemployed": 12,
    }
    assert data(first, "policy.public_welfare_post") == {"service_need": "job"}
    assert data(first, "policy.training_subsidy") == {"service_need": "training"}
    assert data(first, "policy.startup_loan") == {"service_need": "startup", "max_amount": 200000}
    recognition = Recognition.objects.get(person=flexible)
    assert recognition.entitlements["flexible_subsidy"] == 666.66  # 2/3, rounded down to the fen
    assert data(flexible, "policy.flexible_subsidy") == {"monthly_amount": 666.66}
    deduction = Recognition.objects.get(person=by_name["测试3"]).entitlements["dibao_deduction"]
    assert deduction > 0 and data(by_name["测试3"], "policy.dibao_deduction") == {"monthly_deduction": deduction}
    assert data(by_name["测试4"], "nearly.4050") == {
        "birth_date": "1970-07-01",
        "age": 54,
        "eligible_from": "2025-07-01",
    }
    assert data(by_name["测试5"], "nearly.long_term") == {
        "registered_unemployed_since": "2024-07-01",
        "months_unemployed": 11,
        "eligible_from": "2025-07-01",
    }
    push = PushItem.objects.get(person=by_name["测试5"], reason_code="nearly.long_term")
    assert (push.kind, push.status, push.channels, push.expires_on) == (
        "nearly",
        "pending",
        [],
        datetime.date(2025, 7, 31),
    )
    assert push.rule_reference == "就业服务与就业管理规定 第三十条"


@pytest.mark.postgres
def test_open_needs_and_verified_organisations_become_opportunity_pushes(officer, alice, superuser):
    changsha = Division.objects.get(code="430100")
    school = accounts_services.organisation_create(creator=alice, name="长沙一中", type="school", division=changsha)
    accounts_services.organisation_request_verification(actor=alice, organisation=school)
    accounts_services.organisation_decide_verification(moderator=superuser, organisation=school, approve=True)
    start = timezone.now() + datetime.timedelta(days=7)
    need = needs_services.need_create(
        actor=alice,
        organisation=school,
        publish=True,
        type="cultural",
        title="包饺子文化体验",
        description="和社区老人一起包饺子。",
        language="zh",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=4),
        places=2,
        hours_per_week=4,
        reward="cv",
        skills=[("food.dumplings", 2)],
        division=changsha,
    )
    _registry(officer, [person_row(1, needs="就业;培训"), person_row(2, needs="")])
    wanting = next(p for p in RegistryPerson.objects.all() if p.name == "测试1")  # names are encrypted
    AssistanceProfile.objects.filter(person=wanting).update(skills=["food.dumplings"])

    first = discovery.discovery_run(region_prefix="43", today=TODAY)
    offered = {
        (p.reason_code, p.opportunity_ref, p.data_used["service_need"], p.data_used["title"])
        for p in PushItem.objects.filter(kind="opportunity")
    }
    assert offered == {
        ("opportunity.need", f"needs.need:{need.pk}", "job", "包饺子文化体验"),
        ("opportunity.organisation", f"accounts.organisation:{school.pk}", "training", "长沙一中"),
    }
    assert set(PushItem.objects.filter(kind="opportunity").values_list("person_id", flat=True)) == {wanting.pk}
    again = discovery.discovery_run(region_prefix="43", today=TODAY)
    assert first["pushes_created"] > 2 and again["pushes_created"] == 0
    assert PushItem.objects.filter(kind="opportunity").count() == 2
    # The same opportunity is not offered again in a later month.
    discovery.discovery_run(region_prefix="43", today=TODAY + datetime.timedelta(days=31))
    assert PushItem.objects.filter(kind="opportunity").count() == 2


@pytest.mark.postgres
def test_listed_start_up_spaces_are_offered_for_a_start_up_need(officer, alice):
    reference_ensure()
    studio = room(alice, type="workspace", title_zh="芙蓉区共享工作室", title_en="Furong shared studio")
    room(alice)  # a guest room answers no service need
    paused = room(alice, type="tools", title_zh="木工工具", title_en="Woodworking tools")
    resources_services.resource_update(resource=paused, actor=alice, status="paused")
    _registry(officer, [person_row(1, needs="创业"), person_row(2, needs="就业")])
    founder = next(p for p in RegistryPerson.objects.all() if p.name == "测试1")  # names are encrypted

    discovery.discovery_run(region_prefix="43", today=TODAY)
    offered = [
        (p.person_id, p.reason_code, p.opportunity_ref, p.data_used)
        for p in PushItem.objects.filter(kind="opportunity")
    ]
    assert offered == [
        (
            founder.pk,
            "opportunity.resource",
            f"resources.resource:{studio.pk}",
            {"title": "芙蓉区共享工作室", "service_need": "startup"},
        )
    ]
