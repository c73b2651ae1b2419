"""Reference rows of Shared World, created by migration 0003. ``reference_ensure`` puts
them back after a test flush (transactional tests empty every table) or on a database
loaded without migrations."""

from meaningflow.resources import rules
from meaningflow.resources.models import CancellationPolicy, Facility, RuleSet

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


def reference_ensure() -> None:
    """Create missing facilities, policy versions and the first rule set. Idempotent."""
    if Facility.objects.count() < len(FACILITIES):
        for position, (code, zh, en) in enumerate(FACILITIES):
            Facility.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "position": position})
    for code, policy_rules, zh, en in rules.POLICY_SEED:
        CancellationPolicy.objects.get_or_create(
            code=code,
            effective_from=rules.POLICY_EFFECTIVE_FROM,
            defaults={"rules": policy_rules, "description_zh": zh, "description_en": en},
        )
    RuleSet.objects.get_or_create(
        effective_from=rules.POLICY_EFFECTIVE_FROM, defaults={"values": {}, "note": "defaults"}
    )
