"""Plain-language reasons for a match score (BX-2): one sentence per part, translatable.

The numbers come from ``matching.scoring``; this module only puts them into words, for
the few recommendations shown (so it may read names from the objects it is given).
"""

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from meaningflow.accounts.selectors import intention_labels, language_name, skill_level_label
from meaningflow.needs.matching import scoring
from meaningflow.needs.models import Need

PART_LABELS = {
    "skills": gettext_lazy("Skills"),
    "interests": gettext_lazy("Interests"),
    "distance": gettext_lazy("Distance and travel"),
    "time": gettext_lazy("Time"),
    "language": gettext_lazy("Language"),
    "trust": gettext_lazy("Trust level"),
    "reward": gettext_lazy("Reward and intentions"),
    "behaviour": gettext_lazy("What you looked at and applied to"),
}


def _behaviour_text(*, type_interest, need: Need) -> str:
    """The person's own browsing, told to them (never to a poster: ``candidate_parts``)."""
    if type_interest is None:
        return _("You have not looked at or applied to needs lately; this part counts as neutral.")
    share = float(type_interest[scoring.NEED_TYPES.index(need.type)]) if need.type in scoring.NEED_TYPES else 0.0
    if share >= 0.999:
        text = _("%(type)s needs are what you looked at and applied to most lately.")
    elif share > 0:
        text = _("You also looked at or applied to %(type)s needs lately.")
    else:
        text = _("You have not looked at %(type)s needs lately.")
    return text % {"type": need.get_type_display()}


def _row(name: str, value: float, weights: dict, text: str) -> dict:
    total = sum(weights.values()) or 1.0
    weight = weights.get(name, 0.0) / total
    return {
        "name": name,
        "label": str(PART_LABELS[name]),
        "value": round(float(value), 3),
        "percent": round(float(value) * 100),
        "weight": round(weight, 3),
        "points": round(float(value) * weight * 100, 1),
        "text": text,
    }


def _lang(code: str) -> str:
    return language_name(code, get_language() or "en")


def _skills_text(*, have: dict, domains: dict, need: Need) -> str:
    required = list(need.skills.all())
    if not required:
        return _("It asks for no particular skill.")
    sentences = []
    for ns in required:
        level = have.get(ns.skill_id)
        if level:
            sentences.append(
                _("You know %(skill)s at level %(have)s (asks for %(need)s).")
                % {
                    "skill": ns.skill.name,
                    "have": skill_level_label(level),
                    "need": skill_level_label(ns.level),
                }
            )
        elif domains.get(ns.skill.domain_id):
            sentences.append(
                _("%(skill)s is new to you, but you know the field (%(domain)s).")
                % {"skill": ns.skill.name, "domain": ns.skill.domain.name}
            )
        else:
            sentences.append(_("It asks for %(skill)s, which is not in your profile.") % {"skill": ns.skill.name})
    return " ".join(sentences)


def _distance_text(*, lat, lon, need: Need, travel: str) -> str:
    if need.is_remote:
        return _("Remote: no travel needed.")
    if lat is None or need.latitude is None:
        return _("We do not know how far it is: add your home city to your profile.")
    km = float(scoring.haversine_km(lat, lon, need.latitude, need.longitude))
    radius = scoring.TRAVEL_RADIUS_KM.get(travel, 30.0)
    if km < 1:
        return _("In your home area.")
    return _("About %(km)d km from your home (you said you would travel about %(radius)d km).") % {
        "km": round(km),
        "radius": radius,
    }


def _time_text(*, hours: float, need: Need) -> str:
    if hours <= 0:
        return _("You have not said when you are available.")
    if need.hours_per_week:
        return _("It needs about %(need)s h a week; you are available %(have)s h a week.") % {
            "need": f"{float(need.hours_per_week):g}",
            "have": f"{hours:g}",
        }
    return _("No weekly effort given; you are available %(have)s h a week.") % {"have": f"{hours:g}"}


def _language_text(*, person_codes: list[str], need: Need) -> str:
    codes = need.working_languages or [need.language]
    shared = [c for c in codes if c in person_codes]
    if shared:
        return _("In a language you speak: %(langs)s.") % {"langs": ", ".join(_lang(c) for c in shared)}
    if not person_codes:
        return _("Add your languages to your profile.")
    return _("It works in %(langs)s, which is not in your profile.") % {"langs": ", ".join(_lang(c) for c in codes)}


def _reward_text(*, intentions, need: Need) -> str:
    if not intentions:
        return _("Reward: %(reward)s. Tell us your intentions to match rewards better.") % {
            "reward": need.get_reward_display()
        }
    labels = ", ".join(intention_labels(list(intentions)))
    return _("Reward: %(reward)s; type: %(type)s; your intentions: %(intentions)s.") % {
        "reward": need.get_reward_display(),
        "type": need.get_type_display(),
        "intentions": labels,
    }


def _interests_text(*, interest_ids: set, need: Need) -> str:
    interests = list(need.interests.all())
    if not interests:
        return _("It lists no interests.")
    shared = [i.name for i in interests if i.pk in interest_ids]
    if shared:
        return _("Shares your interests: %(names)s.") % {"names": ", ".join(shared)}
    return _("None of its interests (%(names)s) are in your profile.") % {"names": ", ".join(i.name for i in interests)}


def need_parts(*, person, need: Need, parts, weights: dict) -> list[dict]:
    """Reasons why ``need`` suits ``person`` (a selectors.Person)."""
    f = person.features
    if getattr(person, "interest_ids", None) is None:
        person.interest_ids = set(person.profile.interests.values_list("pk", flat=True))
    interest_ids = person.interest_ids
    texts = {
        "skills": _skills_text(have=f.skill_levels, domains=f.domain_levels, need=need),
        "interests": _interests_text(interest_ids=interest_ids, need=need),
        "distance": _distance_text(lat=f.lat, lon=f.lon, need=need, travel=f.travel),
        "time": _time_text(hours=f.weekly_hours, need=need),
        "language": _language_text(person_codes=list(person.profile.languages or []), need=need),
        "trust": _("Your trust level is L%(level)d.") % {"level": f.trust_level},
        "reward": _reward_text(intentions=f.intentions, need=need),
        "behaviour": _behaviour_text(type_interest=f.type_interest, need=need),
    }
    return [_row(name, parts[i], weights, texts[name]) for i, name in enumerate(scoring.PARTS)]


def _candidate_skills_text(*, profile, need: Need) -> str:
    levels = {ps.skill_id: ps.level for ps in profile.skills.all()}
    domains = {ps.skill.domain_id for ps in profile.skills.select_related("skill")}
    required = list(need.skills.select_related("skill__domain"))
    if not required:
        return _("The need asks for no particular skill.")
    sentences = []
    for ns in required:
        if levels.get(ns.skill_id):
            sentences.append(
                _("Knows %(skill)s (%(level)s).")
                % {"skill": ns.skill.name, "level": skill_level_label(levels[ns.skill_id])}
            )
        elif ns.skill.domain_id in domains:
            sentences.append(
                _("Knows the field of %(skill)s (%(domain)s).")
                % {"skill": ns.skill.name, "domain": ns.skill.domain.name}
            )
    return " ".join(sentences) or _("No matching skill yet.")


def _candidate_interests_text(*, profile, need: Need) -> str:
    interests = list(need.interests.all())
    if not interests:
        return _("The need lists no interests.")
    own = set(profile.interests.values_list("pk", flat=True))
    shared = [i.name for i in interests if i.pk in own]
    if shared:
        return _("Shares the need's interests: %(names)s.") % {"names": ", ".join(shared)}
    return _("Shares none of the need's interests.")


def _candidate_distance_text(*, profile, need: Need, value: float) -> str:
    # Never the person's home: only whether the need is within the distance they said
    # they would travel (the part is 1/2 exactly at their travel radius).
    if need.is_remote:
        return _("Remote: no travel needed.")
    if not (profile.home_division_id or profile.home_city_id) or need.latitude is None:
        return _("Distance not known.")
    if value >= 0.5:
        return _("Within the distance they said they would travel.")
    return _("Farther than they said they would travel.")


def _candidate_time_text(*, weekly_hours: float, need: Need, value: float) -> str:
    # Never the person's hours: only whether they cover the need's weekly effort.
    if weekly_hours <= 0:
        return _("Has not said when they are available.")
    if not need.hours_per_week:
        return _("The need gives no weekly effort.")
    if value >= 0.999:
        return _("Available for the weekly hours it needs.")
    return _("Available for part of the weekly hours it needs.")


def _candidate_language_text(*, profile, need: Need) -> str:
    codes = need.working_languages or [need.language]
    person = list(profile.languages or [])
    shared = [c for c in codes if c in person]
    if shared:
        return _("Speaks a working language of the need: %(langs)s.") % {"langs": ", ".join(_lang(c) for c in shared)}
    if not person:
        return _("Has not listed the languages they speak.")
    return _("Does not list a working language of the need (%(langs)s).") % {
        "langs": ", ".join(_lang(c) for c in codes)
    }


def _candidate_reward_text(*, profile, value: float) -> str:
    # Never the person's intentions: only how well the need fits them.
    if not profile.intentions:
        return _("Has not said what they are looking for.")
    if value >= 0.8:
        return _("The reward and the kind of need fit what they are looking for.")
    if value >= 0.5:
        return _("The reward and the kind of need fit what they are looking for in part.")
    return _("The reward and the kind of need fit little with what they are looking for.")


def candidate_parts(*, profile, need: Need, parts, weights: dict, weekly_hours: float, trust_level: int) -> list[dict]:
    """Reasons why a suggested person suits ``need``, written for the poster who reads them
    and made only of what the person agreed to show (docs/MATCHING.md "Who sees suggested
    people"): no home, hours, intentions or browsing. ``weights`` are the candidate weights
    (``scoring.candidate_weights``); the behaviour part is not among the rows."""
    value = dict(zip(scoring.PARTS, (float(v) for v in parts), strict=True))
    texts = {
        "skills": _candidate_skills_text(profile=profile, need=need),
        "interests": _candidate_interests_text(profile=profile, need=need),
        "distance": _candidate_distance_text(profile=profile, need=need, value=value["distance"]),
        "time": _candidate_time_text(weekly_hours=weekly_hours, need=need, value=value["time"]),
        "language": _candidate_language_text(profile=profile, need=need),
        "trust": _("Trust level L%(level)d.") % {"level": trust_level},
        "reward": _candidate_reward_text(profile=profile, value=value["reward"]),
    }
    return [_row(name, value[name], weights, texts[name]) for name in scoring.CANDIDATE_PARTS]
