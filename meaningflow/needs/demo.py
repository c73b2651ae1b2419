"""Bilingual Dream Garden demo: 200+ needs posted by the demo organisations across the
demo cities, some government public needs, and applications in every state. Created
through the services, deterministic (seeded), dates relative to today."""

import random
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.needs import services
from meaningflow.needs.models import Need
from meaningflow.places import selectors as places_selectors

# (title_zh, title_en, type, [(skill, level)], description_zh, description_en, reward, public category)
TEMPLATES = [
    (
        "包饺子文化体验",
        "Dumpling-making cultural experience",
        "cultural",
        [("food.dumplings", 2)],
        "和社区老人一起包饺子，了解北方饺子的来历与讲究。",
        "Make dumplings with elders and learn their story.",
        "cv",
        "",
    ),
    (
        "社区老人智能手机教学",
        "Smartphone lessons for elderly neighbours",
        "community_service",
        [("digital.smartphone_use", 3), ("digital.digital_coaching", 2)],
        "每周两次，教老人用微信视频、扫码挂号和防诈骗。",
        "Teach elders video calls, booking doctors online and avoiding scams.",
        "cv",
        "community_service",
    ),
    (
        "乡村电商直播助农",
        "Rural e-commerce live-streaming for farmers",
        "project",
        [("media.live_stream_selling", 3), ("agriculture.rural_ecommerce", 2)],
        "帮助合作社开直播卖茶叶和菌子，策划脚本、布光和售后。",
        "Help a cooperative sell tea and mushrooms through live streams.",
        "stipend",
        "rural_revitalisation",
    ),
    (
        "学校英语角志愿者",
        "English corner volunteer at a school",
        "training",
        [("languages.english_conversation", 3)],
        "周五下午和初中生用英语聊天、做游戏。",
        "Chat and play games in English with middle-school pupils on Fridays.",
        "skill_exchange",
        "",
    ),
    (
        "修理咖啡馆：一起修小家电",
        "Repair café: fix small appliances together",
        "community_service",
        [("environment.repair_cafe", 2), ("trades.appliance_repair", 3)],
        "每月一次，帮邻居修台灯、电风扇和自行车，减少浪费。",
        "Once a month, help neighbours repair lamps, fans and bikes.",
        "cv",
        "public_welfare",
    ),
    (
        "非遗剪纸工作坊助教",
        "Heritage paper-cutting workshop assistant",
        "cultural",
        [("crafts.paper_cutting", 3)],
        "协助传承人带领游客体验剪纸，讲解窗花纹样。",
        "Assist a master paper-cutter teaching visitors window-flower patterns.",
        "lodging",
        "cultural_heritage",
    ),
    (
        "社区垃圾分类宣传员",
        "Waste-sorting ambassador",
        "public_welfare",
        [("environment.waste_sorting", 2)],
        "在小区投放点引导居民分类投放，记录问题。",
        "Guide residents at collection points and note problems.",
        "stipend",
        "community_service",
    ),
    (
        "老年大学书法课助教",
        "Calligraphy class assistant at the seniors' university",
        "training",
        [("crafts.calligraphy", 3)],
        "协助老师指导学员握笔、临帖。",
        "Help the teacher guide learners in brush holding and copying.",
        "cv",
        "",
    ),
    (
        "小程序开发：社区互助平台",
        "Mini-program for a neighbourhood mutual-aid board",
        "startup",
        [("software.mini_programs", 4), ("software.web_backend", 3)],
        "初创团队寻找早期伙伴，一起做邻里互助小程序。",
        "A start-up seeks early partners to build a neighbourhood help app.",
        "mixed",
        "",
    ),
    (
        "茶园采茶与制茶体验",
        "Tea picking and processing on a tea farm",
        "cultural",
        [("agriculture.tea_growing", 1)],
        "春茶季在茶园帮工，学习杀青与揉捻，包食宿。",
        "Help during the spring harvest and learn tea processing; lodging included.",
        "lodging",
        "rural_revitalisation",
    ),
    (
        "以老助老上门陪伴",
        "Elders helping elders: home visits",
        "community_service",
        [("care.seniors_helping_seniors", 2), ("care.home_visits", 2)],
        "低龄老人每周探访独居高龄老人，聊天、读报、测血压。",
        "Younger retirees visit older neighbours living alone.",
        "cv",
        "public_welfare",
    ),
    (
        "公益摄影：记录老街",
        "Photography: documenting an old street",
        "creative",
        [("media.photography", 3)],
        "为即将改造的老街拍摄影像档案，办一次社区影展。",
        "Build a photo archive of an old street before renovation.",
        "cv",
        "cultural_heritage",
    ),
    (
        "儿童编程启蒙课",
        "Coding for kids",
        "training",
        [("software.kids_coding", 3)],
        "周末给小学生上图形化编程课。",
        "Teach block-based coding to primary-school children at weekends.",
        "stipend",
        "",
    ),
    (
        "蜀绣技艺传承项目",
        "Shu embroidery apprenticeship project",
        "project",
        [("crafts.embroidery", 2)],
        "跟随绣娘完成一件作品，参与文创产品设计。",
        "Finish a piece with a master embroiderer and help design products.",
        "skill_exchange",
        "cultural_heritage",
    ),
    (
        "咖啡馆周末帮手换住宿",
        "Weekend café helper for lodging",
        "skill",
        [("food.coffee_making", 2)],
        "周末帮忙做咖啡、招呼客人，换取阁楼住宿。",
        "Help make coffee at weekends in exchange for an attic room.",
        "lodging",
        "",
    ),
    (
        "社区急救培训讲师",
        "Community first-aid trainer",
        "training",
        [("community.first_aid", 4)],
        "为居民讲授心肺复苏与AED使用。",
        "Teach residents CPR and how to use an AED.",
        "money",
        "",
    ),
    (
        "村史馆资料整理",
        "Village history museum archive",
        "public_welfare",
        [("community.community_history", 2), ("digital.records_management", 2)],
        "整理老照片与口述史，做数字化归档。",
        "Sort old photos and oral histories and digitise them.",
        "cv",
        "rural_revitalisation",
    ),
    (
        "短视频剪辑：非遗传承人故事",
        "Short videos about heritage craftspeople",
        "creative",
        [("media.video_editing", 3), ("media.short_video", 2)],
        "为五位传承人各剪一支三分钟短片。",
        "Edit a three-minute film about each of five craftspeople.",
        "money",
        "cultural_heritage",
    ),
    (
        "社区菜园共建",
        "Community vegetable garden",
        "community_service",
        [("environment.urban_gardening", 1)],
        "把闲置空地改造成菜园，每周浇水除草。",
        "Turn a vacant lot into a garden; water and weed weekly.",
        "cv",
        "",
    ),
    (
        "企业数据分析项目协作",
        "Data analysis project for a small factory",
        "project",
        [("digital.data_analysis", 3), ("digital.spreadsheets", 3)],
        "分析生产数据，找出能耗高的环节。",
        "Analyse production data to find energy-hungry steps.",
        "money",
        "",
    ),
]
ABROAD_TEMPLATES = [
    (
        "中文角：和柏林邻居练中文",
        "Chinese corner with Berlin neighbours",
        "training",
        [("languages.chinese_teaching", 3)],
        "Weekly Chinese conversation evening at the neighbourhood house.",
        "cv",
    ),
    (
        "修理咖啡馆（克罗伊茨贝格）",
        "Repair café Kreuzberg",
        "community_service",
        [("environment.repair_cafe", 2)],
        "Monthly repair café: bikes, lamps, clothes.",
        "cv",
    ),
    (
        "清迈创客空间木工工作坊",
        "Woodworking workshop at Chiang Mai Makers",
        "skill",
        [("crafts.woodcarving", 3)],
        "Run a weekend woodworking workshop for beginners.",
        "lodging",
    ),
    (
        "包饺子之夜（国际交流）",
        "Dumpling night: cultural exchange",
        "cultural",
        [("food.dumplings", 2)],
        "Teach neighbours to fold dumplings at a sister-city exchange evening.",
        "cv",
    ),
    (
        "远程中英翻译志愿者",
        "Remote Chinese–English translation volunteer",
        "skill",
        [("languages.translation", 4)],
        "Translate NGO leaflets between Chinese and English, remotely.",
        "cv",
    ),
]
STATES = ["applied", "shortlisted", "accepted", "in_progress", "completed", "declined", "withdrawn", "reviewed"]


def _poster(organisation):
    return accounts_selectors.first_active_member(organisation=organisation)


def _chinese_need(rng, organisation, index, now) -> dict:
    zh, en, type_, skills, desc_zh, desc_en, reward, category = TEMPLATES[index % len(TEMPLATES)]
    public = bool(category) and (organisation.type == "government_agency" or rng.random() < 0.3)
    start = now + timedelta(days=rng.randint(2, 60), hours=rng.randint(0, 10))
    districts = list(places_selectors.division_children(organisation.division.parent)) if organisation.division else []
    division = organisation.division
    if districts and rng.random() < 0.3:
        division = rng.choice(districts)
    remote = type_ in ("project", "startup", "creative") and rng.random() < 0.25
    data = {
        "type": type_,
        "language": "zh",
        "title": zh,
        "title_zh": zh,
        "title_en": en,
        "description": f"{desc_zh}\n\n{desc_en}",
        "starts_at": start,
        "ends_at": start + timedelta(hours=rng.choice([3, 8, 48, 24 * 30])),
        "places": rng.choice([1, 2, 3, 5, 10]),
        "hours_per_week": Decimal(rng.choice([2, 4, 6, 10])),
        "reward": reward,
        "skills": skills,
        "is_remote": remote,
        "division": None if remote else division,
        "working_languages": ["zh"] if rng.random() < 0.8 else ["zh", "en"],
        "source": "government"
        if organisation.type == "government_agency"
        else rng.choice(["community", "school", "ngo", "firm"]),
        "impact_people": rng.choice([0, 20, 50, 120]),
        "interests": rng.sample(
            [
                "cooking",
                "traditional_culture",
                "volunteering",
                "community",
                "technology",
                "elderly_wellbeing",
                "rural_life",
                "handicrafts",
                "education",
            ],
            k=2,
        ),
    }
    if public:
        data.update(
            is_public_need=True,
            public_category=category,
            subsidy_note="按当地公益性岗位补贴标准给予交通与误餐补贴 · Transport and meal subsidy per local rules",
        )
    if reward in ("money", "stipend", "mixed"):
        data.update(money_amount=Decimal(rng.choice([100, 200, 300, 800])), money_currency="CNY")
    if rng.random() < 0.08:
        data["cv_threshold"] = 500
    if rng.random() < 0.06:
        data["allocation"] = "lottery"
    return data


def _abroad_need(rng, organisation, index, now) -> dict:
    zh, en, type_, skills, desc, reward = ABROAD_TEMPLATES[index % len(ABROAD_TEMPLATES)]
    start = now + timedelta(days=rng.randint(2, 60))
    remote = "Remote" in en
    return {
        "type": type_,
        "language": "en",
        "title": en,
        "title_en": en,
        "title_zh": zh,
        "description": desc,
        "starts_at": start,
        "ends_at": start + timedelta(hours=rng.choice([3, 6, 24 * 14])),
        "places": rng.choice([1, 2, 4]),
        "hours_per_week": Decimal(rng.choice([2, 3, 5])),
        "reward": reward,
        "skills": skills,
        "is_remote": remote,
        "city": None if remote else organisation.city,
        "working_languages": ["en", "zh"],
        "source": rng.choice(["community", "sister_city", "ngo"]),
    }


def _applications(rng, needs: list[Need], people: list) -> int:
    count = 0
    selection = [n for n in needs if n.allocation == "selection" and not n.is_remote][:40]
    for i, need in enumerate(selection):
        poster = need.created_by
        candidates = [p for p in people if not services.can_manage_need(user=p, need=need)]
        applicant = rng.choice(candidates)
        state = STATES[i % len(STATES)]
        try:
            application = services.application_create(
                need=need, applicant=applicant, message="我对这个很感兴趣 · I would love to help."
            )
        except ValidationError:  # e.g. a CV threshold: the demo just skips that need
            continue
        count += 1
        steps = {
            "applied": [],
            "shortlisted": ["shortlist"],
            "accepted": ["accept"],
            "in_progress": ["accept", "start"],
            "completed": ["accept", "start"],
            "reviewed": ["accept", "start"],
            "declined": ["decline"],
            "withdrawn": [],
        }[state]
        for action in steps:
            services.application_transition(application=application, action=action, actor=poster)
        if state == "withdrawn":
            services.application_transition(application=application, action="withdraw", actor=applicant)
        if state in ("completed", "reviewed"):
            services.application_outcome_propose(
                application=application, actor=poster, outcome="completed", hours=Decimal(rng.choice([3, 6, 12]))
            )
            services.application_outcome_confirm(application=application, actor=applicant)
        if state == "reviewed":
            services.review_write(application=application, author=applicant, rating=5, comment="很有意义 · Meaningful.")
            services.review_write(application=application, author=poster, rating=5, comment="认真负责 · Reliable.")
    return count


def load(stdout) -> dict[str, int]:
    rng = random.Random(20261)
    now = timezone.now()
    needs: list[Need] = []
    organisations = list(accounts_selectors.organisation_list().order_by("pk"))
    per_org = 22
    for organisation in organisations:
        poster = _poster(organisation)
        for i in range(per_org):
            if organisation.division_id:
                data = _chinese_need(rng, organisation, i + rng.randint(0, len(TEMPLATES)), now)
            else:
                data = _abroad_need(rng, organisation, i, now)
            need = services.need_create(actor=poster, organisation=organisation, publish=i % 11 != 10, **data)
            needs.append(need)
    people = list(accounts_selectors.verified_people())
    applications = _applications(rng, [n for n in needs if n.status == "published"], people)
    return {
        "needs": len(needs),
        "public_needs": sum(1 for n in needs if n.is_public_need),
        "applications": applications,
    }
