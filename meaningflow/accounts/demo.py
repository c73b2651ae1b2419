"""Bilingual demo data for `make run`: people in cities in China and abroad, organisations,
an officer and a moderator. Everything is created through the services, so the demo is
also a smoke test of the real code paths. Deterministic (seeded) so logins never change."""

import random
from datetime import date, time

from stdnum.cn import ric

from meaningflow.accounts import privacy, services, two_factor
from meaningflow.accounts.models import (
    ConsentEvent,
    ConsentPurpose,
    Interest,
    Membership,
    Organisation,
    Skill,
    StaffRole,
    User,
)
from meaningflow.places import selectors as places

DEMO_PASSWORD = "take-part-2026"  # noqa: S105 - published demo password

# (username, display name, home: division code or city geonameid, region code for the ID)
CHINA_PEOPLE = [
    ("wang_fang", "王芳", "430100", "430102"),
    ("li_wei", "李伟", "430100", "430103"),
    ("zhang_min", "张敏", "430100", "430104"),
    ("liu_yang", "刘洋", "430100", "430111"),
    ("chen_jing", "陈静", "430100", "430121"),
    ("yang_li", "杨丽", "110100", "110105"),
    ("zhao_qiang", "赵强", "110100", "110108"),
    ("huang_lei", "黄磊", "110100", "110101"),
    ("zhou_xia", "周霞", "110100", "110106"),
    ("wu_gang", "吴刚", "510100", "510104"),
    ("xu_hui", "徐慧", "510100", "510105"),
    ("sun_tao", "孙涛", "510100", "510107"),
    ("hu_yan", "胡燕", "510100", "510108"),
    ("zhu_hong", "朱红", "330100", "330102"),
    ("gao_jun", "高军", "330100", "330106"),
    ("lin_na", "林娜", "330100", "330105"),
    ("he_ping", "何平", "330100", "330108"),
    ("guo_lan", "郭兰", "532900", "532901"),
    ("ma_lin", "马林", "532900", "532901"),
    ("luo_xin", "罗欣", "532900", "532901"),
    ("liang_shan", "梁山", "440300", "440303"),
    ("song_mei", "宋梅", "440300", "440304"),
]
ABROAD_PEOPLE = [
    ("yuki_tanaka", "Yuki Tanaka", 1850147, "JP"),
    ("kenji_sato", "Kenji Sato", 1850147, "JP"),
    ("anna_schmidt", "Anna Schmidt", 2950159, "DE"),
    ("lukas_weber", "Lukas Weber", 2950159, "DE"),
    ("somchai_k", "Somchai Kongsak", 1153671, "TH"),
    ("malee_s", "Malee Srisuk", 1153671, "TH"),
    ("laura_garcia", "Laura García", 3128760, "ES"),
    ("jordi_puig", "Jordi Puig", 3128760, "ES"),
]
# A newcomer who has not verified the identity yet (ID-2): what they contribute waits.
NEWCOMER = ("xiao_chen", "小陈", "430100")
ORGANISATIONS = [
    ("芙蓉社区服务中心", "Furong Community Service Centre", Organisation.Type.COMMUNITY, "430100", None),
    ("长沙市第一中学", "Changsha No. 1 Middle School", Organisation.Type.SCHOOL, "430100", None),
    (
        "长沙市人力资源和社会保障局",
        "Changsha Human Resources and Social Security Bureau",
        Organisation.Type.GOVERNMENT_AGENCY,
        "430100",
        None,
    ),
    ("银龄互助公益协会", "Silver Age Mutual Aid Association", Organisation.Type.NGO, "110100", None),
    ("成都蜀绣工坊", "Chengdu Shu Embroidery Workshop", Organisation.Type.CULTURAL_BODY, "510100", None),
    ("杭州小河咖啡", "Xiaohe Café Hangzhou", Organisation.Type.SMALL_BUSINESS, "330100", None),
    ("大理乡村振兴合作社", "Dali Rural Revitalisation Cooperative", Organisation.Type.COMMUNITY, "532900", None),
    ("深圳智造科技有限公司", "Shenzhen Smart Manufacturing Co.", Organisation.Type.ENTERPRISE, "440300", None),
    ("Kreuzberg Nachbarschaftshaus", "Kreuzberg Neighbourhood House", Organisation.Type.COMMUNITY, None, 2950159),
    ("Chiang Mai Makers", "Chiang Mai Makers", Organisation.Type.NGO, None, 1153671),
]


def cn_resident_id(region_code: str, birth: date, sequence: int) -> str:
    body = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def _profile(rng: random.Random, user: User, *, division=None, city=None, languages: list[str]) -> None:
    interests = rng.sample(list(Interest.objects.all()), k=3)
    provinces = list(places.province_choices())
    services.profile_update(
        user=user,
        bio="",
        home_division=division,
        home_city=city,
        travel_willingness=rng.choice(["local", "province", "national", "international"]),
        travel_regions=rng.sample(provinces, k=2) if division else [],
        languages=languages,
        intentions=rng.sample(["job", "training", "startup", "participation"], k=2),
        interests=interests,
    )
    for skill in rng.sample(list(Skill.objects.all()), k=4):
        services.profile_skill_set(user=user, skill_code=skill.code, level=rng.randint(1, 5), years=rng.randint(0, 30))
    day = rng.randint(0, 4)
    services.availability_replace(user=user, windows=[(day, time(9), time(12)), (5, time(14), time(18))])


def load(stdout) -> dict[str, int]:
    """Create the demo into an empty database. Returns what was created."""
    rng = random.Random(2026)
    people: list[User] = []
    # Each service opens its own durable transaction, so there is no outer one here;
    # load_demo refuses to run on a non-empty database instead.
    if True:
        for index, (username, name, home_code, region) in enumerate(CHINA_PEOPLE):
            user = services.user_register(
                username=username,
                email=f"{username}@demo.meaningflow.org",
                password=DEMO_PASSWORD,
                display_name=name,
                language="zh-hans",
            )
            birth = date(rng.randint(1956, 1990), rng.randint(1, 12), rng.randint(1, 28))
            services.identity_verify(
                user=user,
                document_type="cn_resident_id",
                legal_name=name,
                number=cn_resident_id(region, birth, 100 + index),
            )
            _profile(rng, user, division=places.division_get(home_code), languages=["zh"])
            people.append(user)
        for index, (username, name, geonameid, country) in enumerate(ABROAD_PEOPLE):
            user = services.user_register(
                username=username,
                email=f"{username}@demo.meaningflow.org",
                password=DEMO_PASSWORD,
                display_name=name,
                language="en",
            )
            services.identity_verify(
                user=user,
                document_type="passport",
                legal_name=name,
                number=f"{country}{7_000_000 + index * 7919}",
                country=country,
            )
            _profile(rng, user, city=places.city_by_geonameid(geonameid), languages=["en", "zh"])
            people.append(user)
        # PR-1: the demo people agreed to be suggested to organisations; the first five in
        # China (on the Hunan registry of the assistance demo) also to be linked to it.
        for index, user in enumerate(people):
            privacy.consent_set(
                user=user, purpose=ConsentPurpose.MATCHING, granted=True, source=ConsentEvent.Source.REGISTRATION
            )
            if index < 5:
                privacy.consent_set(
                    user=user,
                    purpose=ConsentPurpose.GOVERNMENT_SHARING,
                    granted=True,
                    source=ConsentEvent.Source.REGISTRATION,
                )
        username, name, home_code = NEWCOMER
        newcomer = services.user_register(
            username=username,
            email=f"{username}@demo.meaningflow.org",
            password=DEMO_PASSWORD,
            display_name=name,
            language="zh-hans",
        )
        _profile(rng, newcomer, division=places.division_get(home_code), languages=["zh"])
        organisations = []
        for name, name_en, org_type, division_code, geonameid in ORGANISATIONS:
            creator = rng.choice(people)
            organisation = services.organisation_create(
                creator=creator,
                name=name,
                name_en=name_en,
                type=org_type,
                division=places.division_get(division_code) if division_code else None,
                city=places.city_by_geonameid(geonameid) if geonameid else None,
                description=f"{name} · {name_en}",
            )
            organisations.append(organisation)
            for member in rng.sample(people, k=3):
                if member != creator:
                    Membership.objects.get_or_create(
                        organisation=organisation, user=member, defaults={"status": Membership.Status.ACTIVE}
                    )
        admin = User.objects.create_superuser(
            "admin", "admin@demo.meaningflow.org", DEMO_PASSWORD, display_name="平台管理员 Admin"
        )
        officer = services.user_register(
            username="officer_hunan",
            email="officer@demo.meaningflow.org",
            password=DEMO_PASSWORD,
            display_name="湖南就业专员 Officer Hunan",
        )
        services.staff_role_grant(
            granted_by=admin,
            user=officer,
            role=StaffRole.Role.OFFICER,
            region_prefix="43",
            department="人社 Human Resources and Social Security",
        )
        moderator = services.user_register(
            username="moderator",
            email="moderator@demo.meaningflow.org",
            password=DEMO_PASSWORD,
            display_name="社区版主 Moderator",
        )
        services.staff_role_grant(granted_by=admin, user=moderator, role=StaffRole.Role.MODERATOR)
        for staff in (admin, officer, moderator):  # PR-4: staff sign in with a second factor
            two_factor.demo_authenticator_add(user=staff)
        for organisation in organisations[:6]:
            services.organisation_decide_verification(moderator=moderator, organisation=organisation, approve=True)
    return {"people": len(people), "organisations": len(organisations)}


LOGINS = [
    ("admin", "platform administrator (Django admin at /admin/)"),
    ("officer_hunan", "government officer for Hunan (region 43)"),
    ("moderator", "platform moderator"),
    ("wang_fang", "participant in Changsha (中文)"),
    ("anna_schmidt", "participant in Berlin (English)"),
    ("xiao_chen", "newcomer in Changsha, identity not verified yet: contribution value waits (中文)"),
]
