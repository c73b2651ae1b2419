"""Demo registry for Hunan: ~60 registered unemployed persons, discovery, pushes, a warning."""

import csv
import datetime
import io
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from meaningflow.accounts.demo import CHINA_PEOPLE, cn_resident_id
from meaningflow.assistance import discovery, early_warnings, services
from meaningflow.assistance.importing import COLUMNS
from meaningflow.assistance.models import PushItem, RegistryPerson

User = get_user_model()

HUNAN_COUNTIES = [
    "430102",
    "430103",
    "430104",
    "430105",
    "430111",
    "430121",
    "430202",
    "430302",
    "430602",
    "430702",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "芳伟敏洋静丽强磊军勇艳杰娟涛明超秀霞平刚"
SKILLS = [
    "",
    "",
    "food.home_cooking",
    "care.childcare",
    "care.elderly_care",
    "logistics.car_driving",
    "care.housekeeping",
    "crafts.sewing",
]
NEEDS = ["就业", "培训", "创业", "就业;培训", ""]
FIELDS = [
    "name",
    "id_number",
    "region_code",
    "registered_unemployed_since",
    "registration_status",
    "work_form",
    "occupation_category",
    "graduation_date",
    "has_disability",
    "disability_level",
    "dibao",
    "zero_employment",
    "household_code",
    "phone",
    "skills",
    "intentions",
    "service_needs",
    "categories",
    "social_insurance_paid_monthly",
]


def _row(rng: random.Random, today: datetime.date, *, name: str, number: str, region: str, index: int) -> dict:
    months = rng.choice([2, 5, 8, 11, 11, 12, 14, 20, 30])
    since = (today.replace(day=1) - datetime.timedelta(days=months * 30.5)).replace(day=rng.randint(1, 28))
    household = f"HN{index // 3:04d}" if index % 4 == 0 else ""
    flexible = rng.random() < 0.1
    return {
        "name": name,
        "id_number": number,
        "region_code": region,
        "registered_unemployed_since": since.isoformat(),
        # A registered person may work flexibly and still be recognised (issue 11, item 6).
        "registration_status": "登记失业",
        "work_form": "灵活就业" if flexible else "无",
        "occupation_category": "干部" if index % 10 == 7 else "工人",
        "graduation_date": "",
        "has_disability": "是" if rng.random() < 0.08 else "否",
        "disability_level": "",
        "dibao": "是" if rng.random() < 0.08 else "否",
        "zero_employment": "是" if household and rng.random() < 0.3 else "否",
        "household_code": household,
        "phone": f"139{rng.randint(10_000_000, 99_999_999)}",
        "skills": rng.choice(SKILLS),
        "intentions": "就业",
        "service_needs": rng.choice(NEEDS),
        "categories": "失地农民" if rng.random() < 0.05 else "",
        "social_insurance_paid_monthly": "960" if flexible else "0",
    }


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([COLUMNS[f][0] for f in FIELDS])
    for row in rows:
        writer.writerow([row[f] for f in FIELDS])
    return out.getvalue().encode("utf-8-sig")


def load(stdout) -> dict[str, int]:
    rng = random.Random(4301)
    today = timezone.localdate()
    officer = User.objects.get(username="officer_hunan")
    rows = []
    for index, (username, _display, _home, _region) in enumerate(CHINA_PEOPLE[:5]):
        identity = User.objects.get(username=username).identity
        rows.append(
            _row(
                rng,
                today,
                name=identity.legal_name,
                number=identity.number,
                region=identity.region_code,
                index=index,
            )
        )
    for index in range(5, 60):
        birth = datetime.date(rng.randint(1966, 2002), rng.randint(1, 12), rng.randint(1, 28))
        region = rng.choice(HUNAN_COUNTIES)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")
        rows.append(
            _row(
                rng,
                today,
                name=name,
                number=cn_resident_id(region, birth, 500 + index),
                region=region,
                index=index,
            )
        )
    for row in rows[:5]:  # the demo users: recognisable reasons and explicit needs
        row["registered_unemployed_since"] = (today - datetime.timedelta(days=420)).isoformat()
        row["service_needs"] = "就业;培训"
    # One person reaches 12 months of unemployment next month: "nearly eligible" (BX-11).
    first = today.replace(day=1)
    rows[5]["registered_unemployed_since"] = first.replace(
        year=first.year - (1 if first.month <= 11 else 0), month=(first.month - 11 - 1) % 12 + 1
    ).isoformat()
    rows[5]["has_disability"], rows[5]["dibao"], rows[5]["household_code"] = "否", "否", ""
    # A young person who left school 13 months ago (graduates' flexible-employment subsidy).
    graduate = next(row for row in rows[6:] if int(row["id_number"][6:10]) >= 1998)
    graduate["graduation_date"] = (today - datetime.timedelta(days=400)).isoformat()
    batch = services.registry_import(actor=officer, region_prefix="43", filename="hunan-demo.csv", content=_csv(rows))
    if batch.status != "applied":
        raise RuntimeError(f"demo registry rejected: {batch.report}")
    summary = discovery.discovery_run(region_prefix="43", actor=officer, stream=io.StringIO())
    sent = 0
    for push in PushItem.objects.filter(person__user__isnull=False, status="pending").select_related("person"):
        services.push_send(actor=officer, push=push, channels=("in_app",))
        sent += 1
    wang = RegistryPerson.objects.get(user__username="wang_fang")
    plan = services.plan_set(actor=officer, person=wang, goals="稳定就业：餐饮岗位 Stable job in catering")
    services.plan_step_add(
        actor=officer,
        plan=plan,
        title="参加烹饪培训 Cooking course",
        due_on=today - datetime.timedelta(days=10),
    )
    services.plan_step_add(
        actor=officer,
        plan=plan,
        title="面试 Interviews",
        due_on=today + datetime.timedelta(days=20),
    )
    li = RegistryPerson.objects.get(user__username="li_wei")
    for back, amount in ((4, 2600), (3, 2200), (2, 1900), (1, 1500)):
        month = (today.replace(day=1) - datetime.timedelta(days=31 * back)).replace(day=1)
        services.income_record(person=li, month=month, amount=amount, source="demo")
    warnings = early_warnings.warnings_detect(region_prefix="43", stream=io.StringIO())
    stdout.write(
        f"assistance: {len(rows)} registry persons, {summary['recognised']} recognised, "
        f"{summary['nearly']} nearly eligible, {sent} pushes sent, "
        f"{sum(warnings.values())} warnings\n"
    )
    return {
        "registry_persons": len(rows),
        "recognised": summary["recognised"],
        "pushes_sent": sent,
        "warnings": sum(warnings.values()),
    }
