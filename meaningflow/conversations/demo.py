"""Demo conversations: people asking organisations about joining, answered by a manager.

Threads about needs and bookings are opened by those apps' demos when they create
applications and bookings; this one only uses what the accounts demo created.
"""

import random

from django.contrib.auth import get_user_model

from meaningflow.accounts.selectors import organisation_list, organisation_managers
from meaningflow.conversations import services

QUESTIONS = [
    ("你好，我想加入你们，需要准备什么材料吗？", "Hello, I'd like to join. What should I prepare?"),
    ("周末的活动还需要志愿者吗？", "Do your weekend activities still need volunteers?"),
    ("我会一点木工，可以帮忙吗？", "I know some carpentry. Can I help?"),
]
ANSWERS = [
    ("欢迎！请在页面上提交加入申请。", "Welcome! Send a join request on our page."),
    ("需要的，周六上午九点在社区中心集合。", "Yes: meet at the community centre, 9 on Saturday."),
]

User = get_user_model()


def load(stdout) -> dict[str, int]:
    rng = random.Random(2027)
    people = list(User.objects.filter(is_staff=False, staff_roles__isnull=True).order_by("pk")[:30])
    threads = messages = 0
    for organisation in organisation_list().order_by("pk")[:6]:
        managers = organisation_managers(organisation=organisation)
        candidates = [p for p in people if p not in managers]
        if not managers or not candidates:
            continue
        asker = rng.choice(candidates)
        thread = services.thread_open(
            subject=f"accounts.organisation:{organisation.pk}:{asker.pk}",
            title=f"{organisation.name} · {asker}",
            participants=[asker, managers[0]],
        )
        threads += 1
        question, answer = rng.choice(QUESTIONS), rng.choice(ANSWERS)
        lang = 0 if asker.preferred_language.startswith("zh") else 1
        services.message_post(thread=thread, sender=asker, body=question[lang])
        services.message_post(thread=thread, sender=managers[0], body=answer[lang])
        messages += 2
    stdout.write(f"conversations: {threads} threads, {messages} messages\n")
    return {"threads": threads, "messages": messages}
