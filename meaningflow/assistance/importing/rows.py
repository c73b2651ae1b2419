"""Checking one row of a registry file: each cell normalised into the value stored, or the
row rejected with coded reasons (``Problems``). No writes here."""

import datetime
import hashlib
import json
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meaningflow.accounts.identity import region_code_ever_existed, validate_cn_resident_id
from meaningflow.assistance.importing.columns import (
    CATEGORY_VALUES,
    DATE_FORMATS,
    DISABILITY_LEVELS,
    INTENTION_VALUES,
    LIST_SPLIT,
    NEED_VALUES,
    NO,
    OCCUPATION_VALUES,
    REGISTERED,
    REGISTRATION_VALUES,
    SEX_VALUES,
    STATUS_VALUES,
    WORK_FORM_VALUES,
    YES,
    Problems,
)
from meaningflow.places.selectors import region_code_is_within


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a count or an amount typed into a number cell
    return str(value).strip()


# What a spreadsheet makes of a long number typed into a number cell, seen in CSV exports.
SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+")


def _number_cell(value) -> bool:
    """A cell that holds a number, not text: an ID or phone number in it has already lost
    digits (spreadsheets keep 15 significant digits) or its leading zero."""
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float, Decimal)) or bool(SCIENTIFIC.fullmatch(_text(value)))


TEXT_COLUMN_HELP = gettext_lazy(
    "Format the column as text (Excel: Format Cells → Text; WPS: 设置单元格格式 → 文本) and enter the numbers "
    "again from the source system, or type an apostrophe (') before each number."
)


def _date(value, label: str, reasons: Problems, *, field: str, today: datetime.date) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        parsed = value.date()
    elif isinstance(value, datetime.date):
        parsed = value
    else:
        text, parsed = _text(value), None
        for fmt in DATE_FORMATS:
            try:
                parsed = datetime.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if parsed is None:
            reasons.append(
                _("%(field)s: %(value)s is not a date (use YYYY-MM-DD).") % {"field": label, "value": text},
                f"import.{field}.not_a_date",
            )
            return None
    if parsed > today:
        reasons.append(_("%(field)s: the date is in the future.") % {"field": label}, f"import.{field}.in_future")
        return None
    return parsed


def _bool(value, label: str, reasons: Problems, *, field: str) -> bool:
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    reasons.append(
        _("%(field)s: %(value)s is not yes/no (是/否).") % {"field": label, "value": text}, f"import.{field}.not_yes_no"
    )
    return False


def _choices(value, mapping: dict, label: str, reasons: Problems, *, field: str) -> list[str]:
    result = []
    for part in LIST_SPLIT.split(_text(value)):
        part = part.strip()
        if not part:
            continue
        code = mapping.get(part.lower(), mapping.get(part))
        if code is None:
            reasons.append(
                _("%(field)s: unknown value %(value)s.") % {"field": label, "value": part},
                f"import.{field}.unknown_value",
            )
        elif code not in result:
            result.append(code)
    return result


def _count(value, label: str, reasons: Problems, *, field: str) -> int:
    text = _text(value)
    if not text:
        return 0
    if not text.isdigit() or int(text) > 600:
        reasons.append(
            _("%(field)s: %(value)s is not a whole number.") % {"field": label, "value": text},
            f"import.{field}.not_a_count",
        )
        return 0
    return int(text)


def validate_row(
    raw: dict, *, scope_prefixes: list[str], skill_lookup: dict[str, str], today: datetime.date
) -> tuple[dict | None, Problems, Problems]:
    """Normalise one row. Returns (values, [], notes) or (None, reasons, notes); ``notes``
    are warnings that do not reject the row (a skill kept as free text …)."""
    reasons, notes = Problems(), Problems()
    values: dict = {}
    name = _text(raw.get("name"))
    if not name or len(name) > 100:
        reasons.append(_("姓名 (name): required, at most 100 characters."), "import.name.invalid")
    values["name"] = name
    identity = _identity(raw.get("id_number"), reasons, today=today)
    if identity:
        values.update(id_number=identity.number, birth_date=identity.birth_date, sex=identity.sex)
        given_birth = _date(raw.get("birth_date"), "出生日期 (birth_date)", reasons, field="birth_date", today=today)
        if given_birth and given_birth != identity.birth_date:
            reasons.append(_("出生日期 (birth_date) does not match the ID number."), "import.birth_date.mismatch")
        given_sex = SEX_VALUES.get(_text(raw.get("sex")).lower())
        if _text(raw.get("sex")) and given_sex != identity.sex:
            reasons.append(_("性别 (sex) does not match the ID number."), "import.sex.mismatch")
    region = _text(raw.get("region_code"))
    if not re.fullmatch(r"[0-9]{6}", region) or not region_code_ever_existed(region):
        reasons.append(
            _("区划代码 (region_code): %(value)s is not a GB/T 2260 county code.") % {"value": region},
            "import.region_code.unknown",
        )
    elif not any(region_code_is_within(region, prefix) for prefix in scope_prefixes):
        reasons.append(
            _("区划代码 (region_code): %(value)s is outside your region.") % {"value": region},
            "import.region_code.outside_region",
        )
    values["region_code"] = region
    registration, work = _status(raw, reasons)
    values["registration_status"], values["work_form"] = registration, work
    since = _date(
        raw.get("registered_unemployed_since"),
        "登记失业日期 (registered_unemployed_since)",
        reasons,
        field="registered_unemployed_since",
        today=today,
    )
    if (
        since is None
        and registration == REGISTERED
        and work == "none"
        and not any(code.startswith("import.registered_unemployed_since.") for code in reasons.codes)
    ):
        reasons.append(
            _("登记失业日期 (registered_unemployed_since): required for registered unemployed persons."),
            "import.registered_unemployed_since.required",
        )
    if since and identity and since < identity.birth_date:
        reasons.append(
            _("登记失业日期 (registered_unemployed_since) is before the date of birth."),
            "import.registered_unemployed_since.before_birth",
        )
    values["registered_unemployed_since"] = since
    _validate_extras(raw, values, reasons, today=today)
    _validate_profile(raw, values, reasons, notes, skill_lookup=skill_lookup)
    if reasons:
        return None, reasons, notes
    return values, reasons, notes


def _identity(value, reasons: Problems, *, today: datetime.date):
    """The checked resident ID of a cell, or None with the reason. A number cell is refused
    whatever it holds: never turn a number into an ID (issue 11, item 13)."""
    if _number_cell(value):
        reasons.append(
            _(
                "身份证号 (id_number): the cell holds a number, not text, so the ID number may already be wrong. %(help)s"
            )
            % {"help": TEXT_COLUMN_HELP},
            "import.id_number.not_text",
        )
        return None
    try:
        return validate_cn_resident_id(_text(value), today=today)
    except ValidationError as exc:
        reasons.append(
            _("身份证号 (id_number): %(error)s") % {"error": " ".join(exc.messages)},
            f"import.id_number.{(exc.code or 'invalid').rsplit('.', 1)[-1]}",
        )
        return None


def _status(raw: dict, reasons: Problems) -> tuple[str | None, str | None]:
    """(registration status, work form) from the old 就业状态 column or the two new ones;
    where both are given they must agree."""
    old_text = _text(raw.get("employment_status"))
    old = STATUS_VALUES.get(old_text.lower()) if old_text else None
    if old_text and old is None:
        reasons.append(
            _("就业状态 (employment_status): unknown value %(value)s.") % {"value": old_text},
            "import.employment_status.unknown_value",
        )
    registration_text, work_text = _text(raw.get("registration_status")), _text(raw.get("work_form"))
    registration = REGISTRATION_VALUES.get(registration_text.lower()) if registration_text else None
    if registration_text and registration is None:
        reasons.append(
            _("登记状态 (registration_status): unknown value %(value)s.") % {"value": registration_text},
            "import.registration_status.unknown_value",
        )
    work = WORK_FORM_VALUES.get(work_text.lower()) if work_text else None
    if work_text and work is None:
        reasons.append(
            _("就业形式 (work_form): unknown value %(value)s.") % {"value": work_text}, "import.work_form.unknown_value"
        )
    if old and ((registration and registration != old[0]) or (work and work != old[1])):
        reasons.append(
            _("就业状态 (employment_status) contradicts 登记状态 or 就业形式."), "import.employment_status.contradicts"
        )
    if not (old_text or registration_text):
        reasons.append(_("登记状态 (registration_status): required."), "import.registration_status.required")
    registration = registration or (old[0] if old else None)
    work = work or (old[1] if old else "none")
    return registration, work


def _validate_extras(raw: dict, values: dict, reasons: Problems, *, today) -> None:
    level_text = _text(raw.get("disability_level"))
    level = DISABILITY_LEVELS.get(level_text) if level_text else ""
    if level is None:
        reasons.append(
            _("残疾等级 (disability_level): unknown value %(value)s.") % {"value": level_text},
            "import.disability_level.unknown_value",
        )
    values["disability_level"] = level or ""
    values["has_disability"] = _bool(
        raw.get("has_disability"), "是否残疾 (has_disability)", reasons, field="has_disability"
    ) or bool(level)
    values["dibao"] = _bool(raw.get("dibao"), "是否低保 (dibao)", reasons, field="dibao")
    values["reports_zero_employment"] = _bool(
        raw.get("zero_employment"), "零就业家庭 (zero_employment)", reasons, field="zero_employment"
    )
    household = _text(raw.get("household_code"))
    if isinstance(raw.get("household_code"), float) and raw["household_code"] >= 1e15:
        reasons.append(
            _("家庭编号 (household_code): the cell holds a long number, not text. %(help)s")
            % {"help": TEXT_COLUMN_HELP},
            "import.household_code.not_text",
        )
    if len(household) > 40:
        reasons.append(_("家庭编号 (household_code): at most 40 characters."), "import.household_code.too_long")
    values["household_code"] = household
    phone = re.sub(r"[\s-]", "", _text(raw.get("phone")))
    if _number_cell(raw.get("phone")):
        reasons.append(
            _("联系电话 (phone): the cell holds a number, not text (a leading 0 would be lost). %(help)s")
            % {"help": TEXT_COLUMN_HELP},
            "import.phone.not_text",
        )
    elif phone and not re.fullmatch(r"\+?[0-9]{7,15}", phone):
        reasons.append(
            _("联系电话 (phone): %(value)s is not a phone number.") % {"value": phone}, "import.phone.invalid"
        )
    values["phone"] = phone
    email = _text(raw.get("email"))
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        reasons.append(_("电子邮箱 (email): not an e-mail address."), "import.email.invalid")
    values["email"] = email
    values["service_needs"] = _choices(
        raw.get("service_needs"), NEED_VALUES, "服务需求 (service_needs)", reasons, field="service_needs"
    )
    values["categories"] = _choices(
        raw.get("categories"), CATEGORY_VALUES, "其他类别 (categories)", reasons, field="categories"
    )
    preference = _text(raw.get("region_preference"))
    if preference and not re.fullmatch(r"[0-9]{6}", preference):
        reasons.append(_("意向地区 (region_preference): a six-digit region code."), "import.region_preference.invalid")
    values["region_preference"] = preference
    values["receives_unemployment_insurance"] = _bool(
        raw.get("receives_unemployment_insurance"), "领取失业保险金", reasons, field="receives_unemployment_insurance"
    )
    paid = _text(raw.get("social_insurance_paid_monthly")) or "0"
    try:
        values["social_insurance_paid_monthly"] = Decimal(paid).quantize(Decimal("0.01"))
        if values["social_insurance_paid_monthly"] < 0 or values["social_insurance_paid_monthly"] > 100000:
            raise InvalidOperation
    except InvalidOperation:
        reasons.append(
            _("月缴社保费 (social_insurance_paid_monthly): %(value)s is not an amount.") % {"value": paid},
            "import.social_insurance_paid_monthly.not_an_amount",
        )
    for key, label in (
        ("flexible_subsidy_months_used", "已享社保补贴月数"),
        ("public_welfare_post_months_used", "公益性岗位月数"),
        ("public_welfare_post_placements", "公益性岗位安置次数"),
        ("skill_evaluation_subsidies", "技能评价补贴次数"),
        ("startup_loans", "创业担保贷款次数"),
    ):
        values[key] = _count(raw.get(key), label, reasons, field=key)
    values["flexible_subsidy_first_approved"] = _date(
        raw.get("flexible_subsidy_first_approved"),
        "社保补贴首次批准日期",
        reasons,
        field="flexible_subsidy_first_approved",
        today=today,
    )
    # A file without these columns keeps what an earlier file said (the key stays out of
    # ``values``); an empty cell means the default (worker) or no date.
    if "occupation_category" in raw:
        text = _text(raw.get("occupation_category"))
        values["occupation_category"] = OCCUPATION_VALUES.get(text.lower()) if text else "worker"
        if values["occupation_category"] is None:
            reasons.append(
                _("人员身份 (occupation_category): unknown value %(value)s.") % {"value": text},
                "import.occupation_category.unknown_value",
            )
    if "graduation_date" in raw:
        values["graduation_date"] = _date(
            raw.get("graduation_date"), "毕业日期 (graduation_date)", reasons, field="graduation_date", today=today
        )


def _validate_profile(raw: dict, values: dict, reasons: Problems, notes: Problems, *, skill_lookup: dict) -> None:
    """Skills and intentions: codes where the taxonomy knows them, the rest kept as free text
    with a note (烹饪, 育婴, 灵活就业 …) — not a reason to reject the row (item 17)."""
    skills, other_skills = [], []
    for part in LIST_SPLIT.split(_text(raw.get("skills"))):
        part = part.strip()[:60]
        if not part:
            continue
        code = skill_lookup.get(part.lower())
        if code is not None and code not in skills:
            skills.append(code)
        elif code is None and part not in other_skills:
            other_skills.append(part)
            notes.append(
                _("技能 (skills): %(value)s is not in the skill list; kept as free text.") % {"value": part},
                "import.skills.free_text",
            )
    intentions, other_intentions = [], []
    for part in LIST_SPLIT.split(_text(raw.get("intentions"))):
        part = part.strip()[:60]
        if not part:
            continue
        code = INTENTION_VALUES.get(part.lower(), INTENTION_VALUES.get(part))
        if code is not None and code not in intentions:
            intentions.append(code)
        elif code is None and part not in other_intentions:
            other_intentions.append(part)
            notes.append(
                _("意向 (intentions): %(value)s is not one of 就业, 培训, 创业, 参与; kept as free text.")
                % {"value": part},
                "import.intentions.free_text",
            )
    values.update(skills=skills, skills_other=other_skills, intentions=intentions, intentions_other=other_intentions)


def fingerprint(values: dict) -> str:
    """Stable hash of a normalised row: equal data, equal fingerprint."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()
