"""Reference data: the bilingual facilities, the four cancellation policies (dated) and
the first booking rule set (the defaults of resources/rules.py, from 2020-01-01)."""

from datetime import date

from django.db import migrations

FACILITIES = [
    ("wifi", "无线网络", "Wi-Fi"),
    ("kitchen", "厨房", "Kitchen"),
    ("wheelchair", "无障碍通行", "Wheelchair access"),
    ("parking", "停车位", "Parking"),
    ("heating", "暖气", "Heating"),
    ("air_conditioning", "空调", "Air conditioning"),
    ("washing_machine", "洗衣机", "Washing machine"),
    ("desk", "办公桌", "Desk"),
    ("projector", "投影仪", "Projector"),
    ("private_bathroom", "独立卫浴", "Private bathroom"),
    ("shared_bathroom", "共用卫浴", "Shared bathroom"),
    ("bike_lock", "车锁", "Bike lock"),
    ("helmet", "头盔", "Helmet"),
    ("child_friendly", "适合儿童", "Child-friendly"),
    ("elderly_friendly", "适老化设施", "Elderly-friendly"),
    ("pets_allowed", "可带宠物", "Pets allowed"),
    ("accessible_toilet", "无障碍卫生间", "Accessible toilet"),
    ("lift", "电梯", "Lift"),
]
POLICIES = [
    ("flexible", [[1, 100]], "开始前 1 天及以上取消全额退还", "Full refund up to 1 day before the start"),
    ("moderate", [[5, 100], [0, 50]], "开始前 5 天及以上取消全额退还，之后退还 50%",
     "Full refund up to 5 days before the start, 50 % after that"),
    ("limited", [[14, 100], [7, 50]], "开始前 14 天及以上全额退还，7 天及以上退还 50%",
     "Full refund up to 14 days before, 50 % up to 7 days before"),
    ("firm", [[30, 100], [7, 50]], "开始前 30 天及以上全额退还，7 天及以上退还 50%",
     "Full refund up to 30 days before, 50 % up to 7 days before"),
]
START = date(2020, 1, 1)


def seed(apps, schema_editor):
    Facility = apps.get_model("resources", "Facility")
    Policy = apps.get_model("resources", "CancellationPolicy")
    RuleSet = apps.get_model("resources", "RuleSet")
    for position, (code, zh, en) in enumerate(FACILITIES):
        Facility.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "position": position}
        )
    for code, rules, zh, en in POLICIES:
        Policy.objects.get_or_create(
            code=code, effective_from=START,
            defaults={"rules": rules, "description_zh": zh, "description_en": en},
        )
    RuleSet.objects.get_or_create(
        effective_from=START, defaults={"values": {}, "note": "SPEC SW-4 defaults (rules.DEFAULTS)"}
    )


class Migration(migrations.Migration):
    dependencies = [("resources", "0002_booking_no_overlap_postgres")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
