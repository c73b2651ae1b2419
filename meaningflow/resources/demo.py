"""Shared World demo: 160 resources across the ten demo cities (Chinese and English names),
some public, and bookings in every state. Everything goes through the services; dates
in the past are reached by injecting ``now``. Deterministic (seeded)."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger import services as ledger
from meaningflow.places import selectors as places_selectors
from meaningflow.resources import services
from meaningflow.resources.models import Booking, Resource
from meaningflow.resources.reference import reference_ensure

User = get_user_model()

# place key → (division code or geonameid, Chinese name, English name, currency)
PLACES = {
    "changsha": ("430100", "长沙", "Changsha", "CNY"),
    "beijing": ("110100", "北京", "Beijing", "CNY"),
    "chengdu": ("510100", "成都", "Chengdu", "CNY"),
    "hangzhou": ("330100", "杭州", "Hangzhou", "CNY"),
    "dali": ("532900", "大理", "Dali", "CNY"),
    "shenzhen": ("440300", "深圳", "Shenzhen", "CNY"),
    "tokyo": (1850147, "东京", "Tokyo", "JPY"),
    "berlin": (2950159, "柏林", "Berlin", "EUR"),
    "chiangmai": (1153671, "清迈", "Chiang Mai", "THB"),
    "barcelona": (3128760, "巴塞罗那", "Barcelona", "EUR"),
}
DISTRICTS = {
    "changsha": ["芙蓉区", "天心区", "岳麓区", "开福区"],
    "beijing": ["东城区", "朝阳区", "海淀区", "西城区"],
    "chengdu": ["锦江区", "青羊区", "武侯区", "成华区"],
    "hangzhou": ["上城区", "西湖区", "拱墅区", "滨江区"],
    "dali": ["古城", "喜洲", "双廊", "才村"],
    "shenzhen": ["福田区", "南山区", "罗湖区", "宝安区"],
}
ABROAD_AREAS = {
    "tokyo": ["Shimokitazawa", "Koenji", "Yanaka", "Kichijoji"],
    "berlin": ["Kreuzberg", "Neukölln", "Wedding", "Prenzlauer Berg"],
    "chiangmai": ["Nimman", "Old City", "Santitham", "Hang Dong"],
    "barcelona": ["Gràcia", "Poblenou", "Raval", "Sants"],
}
# type → [(Chinese pattern, English pattern, facilities, units, capacity)]
KINDS = {
    "room": [
        ("{d}共享公寓单间", "Shared apartment room in {d}", ["wifi", "kitchen", "washing_machine"], 1, 2),
        ("{d}青年旅舍床位", "Hostel bunk in {d}", ["wifi", "shared_bathroom"], 3, 1),
        ("{d}民居客房", "Guest room in a family home, {d}", ["wifi", "heating", "private_bathroom"], 1, 2),
    ],
    "workspace": [
        ("{d}联合办公工位", "{d} co-working desk", ["wifi", "desk", "air_conditioning"], 4, 1),
        ("{d}创作工作室", "{d} maker studio", ["wifi", "desk"], 1, 3),
    ],
    "meeting_room": [
        (
            "{d}社区会议室",
            "{d} community meeting room",
            ["wifi", "projector", "wheelchair", "accessible_toilet"],
            1,
            20,
        ),
    ],
    "kitchen": [("{d}共享厨房", "{d} shared kitchen", ["kitchen", "wheelchair"], 1, 6)],
    "bicycle": [("{d}城市自行车", "City bicycle in {d}", ["bike_lock", "helmet"], 2, 1)],
    "vehicle": [("{d}小型货车", "Small van in {d}", ["parking"], 1, 3)],
    "tools": [
        ("{d}电动工具套装", "Power tool kit in {d}", [], 1, 1),
        ("{d}露营装备", "Camping gear set in {d}", [], 2, 4),
    ],
    "local_guide": [("{d}社区向导", "Local guide for {d}", ["elderly_friendly"], 1, 6)],
}
SPECIALS = [  # (place, type, zh, en, facilities, exchange)
    (
        "changsha",
        "kitchen",
        "长沙芙蓉区共享厨房",
        "Furong District shared kitchen, Changsha",
        ["kitchen", "wheelchair"],
        False,
    ),
    ("dali", "room", "大理白族民居客房", "Bai-style guest house room, Dali", ["wifi", "heating"], False),
    ("dali", "room", "大理换宿：客栈帮工包住宿", "Dali work-for-lodging at a guest house", ["wifi", "kitchen"], True),
    ("berlin", "workspace", "柏林克罗伊茨贝格联合办公工位", "Kreuzberg co-working desk", ["wifi", "desk"], False),
    (
        "chiangmai",
        "workspace",
        "清迈尼曼路创作工作室",
        "Chiang Mai studio on Nimman Road",
        ["wifi", "desk", "air_conditioning"],
        False,
    ),
    (
        "tokyo",
        "room",
        "东京下北泽共享公寓房间",
        "Tokyo shared apartment room, Shimokitazawa",
        ["wifi", "kitchen"],
        False,
    ),
    ("berlin", "bicycle", "柏林城市自行车", "Berlin city bicycle", ["bike_lock", "helmet"], False),
    ("barcelona", "room", "巴塞罗那格拉西亚换宿房间", "Gràcia room for help in the community garden", ["wifi"], True),
]
PER_PLACE = 15


def _place(key):
    ref = PLACES[key][0]
    if isinstance(ref, str):
        division = places_selectors.division_get(ref)
        return {"division": division}, division
    city = places_selectors.city_by_geonameid(ref)
    return {"city": city}, city


def _organisations_by_place() -> dict:
    found = {}
    # accounts' Organisation.Type values of the public bodies that list resources here
    for org in accounts_selectors.organisations_of_types(types=["government_agency", "community"]):
        code = org.division.code if org.division_id else (org.city.geonameid if org.city_id else None)
        for key, (ref, *_rest) in PLACES.items():
            if ref == code:
                found.setdefault(key, []).append(org)
    return found


def _people_by_place(people: list) -> dict:
    by_place: dict = {}
    for user in people:
        profile = accounts_selectors.profile_of(user=user)
        code = (
            profile.home_division.code
            if profile.home_division_id
            else (profile.home_city.geonameid if profile.home_city_id else None)
        )
        for key, (ref, *_rest) in PLACES.items():
            if ref == code:
                by_place.setdefault(key, []).append(user)
    return by_place


def _fields(rng, key, type_, zh, en, facilities, units, capacity, currency, exchange=False) -> dict:
    payment = rng.choice(["cv", "cv", "mixed", "money"]) if not exchange else "cv"
    price = {"CNY": (60, 300), "JPY": (2000, 9000), "EUR": (8, 60), "THB": (200, 1200)}[currency]
    fields = {
        "type": type_,
        "title_zh": zh,
        "title_en": en,
        "facilities": facilities,
        "units": units,
        "capacity": capacity,
        "payment": payment,
        "description": f"{zh}。{en}.",
        "house_rules": "请保持安静，22:00 后不喧哗。Quiet after 22:00, please.",
        "booking_mode": rng.choice(["request", "request", "instant"]),
        "cancellation_policy": rng.choice(["flexible", "moderate", "limited", "firm"]),
        "lead_time_hours": rng.choice([0, 2, 24]),
        "preparation_minutes": rng.choice([0, 30, 60]) if type_ in ("meeting_room", "kitchen", "room") else 0,
        "max_slots": 14 if type_ == "room" else 8,
    }
    if payment != "cv":
        fields["price_amount"] = rng.randint(*price)
        fields["price_currency"] = currency
    if exchange:
        fields.update(
            is_exchange=True,
            exchange_hours_per_day=4,
            exchange_provides="住宿和早餐 Bed and breakfast",
            booking_mode="request",
        )
    return fields


def _ensure_cv(user, amount: int) -> None:
    if ledger_selectors.available_balance_of(user) >= amount:
        return
    ledger.contribution_record(
        beneficiary=user,
        kind="resource",
        inputs={"resource_type": "room", "duration": max(1, amount // 200), "demand": "normal"},
        idempotency_key=f"demo.resources:starter:{user.pk}",
        cause=f"demo.resources:starter:{user.pk}",
    )


def load(stdout) -> dict[str, int]:
    rng = random.Random(4242)
    reference_ensure()
    people = list(User.objects.filter(is_superuser=False, staff_roles__isnull=True).order_by("pk"))
    by_place = _people_by_place(people)
    orgs = _organisations_by_place()
    resources: list[Resource] = []
    for key, (_ref, _zh_city, en_city, currency) in PLACES.items():
        where, place = _place(key)
        areas = DISTRICTS.get(key) or ABROAD_AREAS[key]
        owners = by_place.get(key) or people
        catalogue = [(t, k) for t, ks in KINDS.items() for k in ks]
        for i in range(PER_PLACE):
            type_, (zh, en, facilities, units, capacity) = catalogue[i % len(catalogue)]
            area = rng.choice(areas)
            zh_name = f"{PLACES[key][1]}{area}" if key in DISTRICTS else f"{PLACES[key][1]}{area}"
            en_name = f"{area}, {en_city}"
            fields = _fields(
                rng, key, type_, zh.format(d=zh_name), en.format(d=en_name), facilities, units, capacity, currency
            )
            public_org = None
            if type_ in ("meeting_room", "kitchen") and orgs.get(key):
                public_org = orgs[key][0]
            if public_org is not None:
                managers = accounts_selectors.organisation_managers(organisation=public_org)
                owner = managers[0] if managers else rng.choice(owners)
                if managers:
                    fields.update(is_public=True, payment="cv")
                    fields.pop("price_amount", None)
                    fields.pop("price_currency", None)
                    public_org = public_org if managers else None
            else:
                owner = rng.choice(owners)
            resources.append(
                services.resource_create(
                    owner=owner,
                    organisation=public_org if fields.get("is_public") else None,
                    latitude=round(place.latitude + rng.uniform(-0.04, 0.04), 5),
                    longitude=round(place.longitude + rng.uniform(-0.04, 0.04), 5),
                    **where,
                    **fields,
                )
            )
    for key, type_, zh, en, facilities, exchange in SPECIALS:
        where, place = _place(key)
        fields = _fields(rng, key, type_, zh, en, facilities, 1, 2, PLACES[key][3], exchange=exchange)
        resources.append(
            services.resource_create(
                owner=rng.choice(by_place.get(key) or people),
                latitude=round(place.latitude + rng.uniform(-0.02, 0.02), 5),
                longitude=round(place.longitude + rng.uniform(-0.02, 0.02), 5),
                **where,
                **fields,
            )
        )
    bookings = _bookings(rng, resources, people, stdout)
    stdout.write(f"resources: {len(resources)} resources, {bookings} bookings\n")
    return {"resources": len(resources), "public": sum(r.is_public for r in resources), "bookings": bookings}


def _bookings(rng, resources: list[Resource], people: list, stdout) -> int:
    """A few bookings in every state, on nightly and daily resources (dates from today)."""
    today = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    candidates = [r for r in resources if r.slot != "hourly" and r.payment != "money" and r.lead_time_hours == 0]
    rng.shuffle(candidates)
    guests = [
        p
        for p in people
        if p.username
        in ("li_wei", "anna_schmidt", "yuki_tanaka", "zhang_min", "laura_garcia", "wu_gang", "somchai_k", "zhou_xia")
    ]
    for guest in guests:
        _ensure_cv(guest, 2400)
    plan = [
        "requested",
        "accepted",
        "in_use",
        "completed",
        "completed",
        "cancelled",
        "declined",
        "expired",
        "requested",
        "accepted",
        "completed",
        "in_use",
    ]
    made = 0
    for index, state in enumerate(plan):
        resource, guest = candidates[index], guests[index % len(guests)]
        if resource.owner_id == guest.pk:
            continue
        # Past bookings are made "then" by injecting now.
        offset = {"in_use": -1, "completed": -12, "expired": -3}.get(state, 7 + index)
        made_at = today + timedelta(days=offset - 3)
        start = (today + timedelta(days=offset)).date()
        end = start + timedelta(days=2)
        try:
            booking = services.booking_create(
                resource=resource,
                guest=guest,
                start=start,
                end=end,
                message="你好，我想预订。Hello, I would like to book.",
                now=made_at,
            )
        except (ValidationError, PermissionDenied) as exc:  # a combination the rules refuse
            stdout.write(f"resources demo: skipped a {state} booking: {exc}\n")
            continue
        owner = resource.owner
        after = made_at + timedelta(hours=2)
        if state in ("accepted", "in_use", "completed") and booking.status == Booking.Status.REQUESTED:
            services.booking_accept(booking=booking, actor=owner, now=after)
        if state in ("in_use", "completed"):
            services.booking_start(booking=booking, now=booking.starts_at + timedelta(hours=1))
        if state == "completed":
            services.booking_complete(booking=booking, now=booking.ends_at + timedelta(days=1))
        if state == "cancelled":
            services.booking_cancel(booking=booking, actor=guest, reason="行程变更 Plans changed", now=after)
        if state == "declined" and booking.status == Booking.Status.REQUESTED:
            services.booking_decline(booking=booking, actor=owner, reason="那几天不方便 Not possible then", now=after)
        if state == "expired" and booking.status == Booking.Status.REQUESTED:
            services.booking_expire(booking=booking, now=booking.respond_by)
        made += 1
    return made
