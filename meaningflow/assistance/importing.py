"""Parsing and row validation of registry files (GV-1). No writes here.

A file is decoded (UTF-8 with or without BOM, then GB18030), its headers are mapped to
canonical field names (Chinese or English, see docs/REGISTRY_IMPORT.md), and each row is
normalised into a dict or rejected with reasons. ``services.registry_import`` decides
what to write.
"""

import csv
import datetime
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from meaningflow.accounts.identity import region_code_ever_existed, validate_cn_resident_id
from meaningflow.places.selectors import region_code_is_within

# canonical name → accepted headers (compared after stripping spaces and lower-casing)
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "id_number"),
    "sex": ("性别", "sex"),
    "birth_date": ("出生日期", "birth_date"),
    "region_code": ("户籍区划代码", "区划代码", "行政区划代码", "region_code"),
    "registered_unemployed_since": ("登记失业日期", "失业登记日期", "registered_unemployed_since"),
    # The old single status column, still accepted; or the two columns below (item 6).
    "employment_status": ("就业状态", "employment_status"),
    "registration_status": ("登记状态", "失业登记状态", "registration_status"),
    "work_form": ("就业形式", "就业方式", "work_form"),
    "occupation_category": ("人员身份", "职业类别", "身份类别", "occupation_category"),
    "graduation_date": ("毕业日期", "毕业时间", "graduation_date"),
    "has_disability": ("是否残疾", "has_disability", "disability"),
    "disability_level": ("残疾等级", "disability_level"),
    "dibao": ("是否低保", "低保", "dibao"),
    "zero_employment": ("零就业家庭", "zero_employment_household", "zero_employment"),
    "household_code": ("家庭编号", "household_code"),
    "phone": ("联系电话", "手机号码", "phone"),
    "email": ("电子邮箱", "email"),
    "skills": ("技能", "skills"),
    "intentions": ("意向", "求职意向", "intentions"),
    "service_needs": ("服务需求", "service_needs"),
    "region_preference": ("意向地区", "region_preference"),
    "categories": ("其他类别", "困难类别", "categories"),
    "receives_unemployment_insurance": ("领取失业保险金", "receives_unemployment_insurance"),
    "social_insurance_paid_monthly": ("月缴社保费", "social_insurance_paid_monthly"),
    "flexible_subsidy_months_used": ("已享社保补贴月数", "flexible_subsidy_months_used"),
    "flexible_subsidy_first_approved": ("社保补贴首次批准日期", "flexible_subsidy_first_approved"),
    "public_welfare_post_months_used": ("公益性岗位月数", "public_welfare_post_months_used"),
    "public_welfare_post_placements": ("公益性岗位安置次数", "public_welfare_post_placements"),
    "skill_evaluation_subsidies": ("技能评价补贴次数", "skill_evaluation_subsidies"),
    "startup_loans": ("创业担保贷款次数", "startup_loans"),
}
REQUIRED = ("name", "id_number", "region_code", "registered_unemployed_since")
# One of these must be there: the old single column or the registration status.
STATUS_COLUMNS = ("employment_status", "registration_status")

REGISTERED, DEREGISTERED = "registered", "deregistered"
# The old single 就业状态 column → (registration status, work form), as migration 0004 maps it.
STATUS_VALUES = {
    "unemployed": (REGISTERED, "none"),
    "失业": (REGISTERED, "none"),
    "登记失业": (REGISTERED, "none"),
    "flexible": (REGISTERED, "flexible"),
    "灵活就业": (REGISTERED, "flexible"),
    "employed": (REGISTERED, "employed"),
    "就业": (REGISTERED, "employed"),
    "已就业": (REGISTERED, "employed"),
    "单位就业": (REGISTERED, "employed"),
    "exited": (DEREGISTERED, "none"),
    "退出": (DEREGISTERED, "none"),
    "注销": (DEREGISTERED, "none"),
}
REGISTRATION_VALUES = {
    "registered": REGISTERED,
    "登记失业": REGISTERED,
    "已登记": REGISTERED,
    "登记": REGISTERED,
    "在册": REGISTERED,
    "deregistered": DEREGISTERED,
    "exited": DEREGISTERED,
    "注销": DEREGISTERED,
    "已注销": DEREGISTERED,
    "退出": DEREGISTERED,
}
WORK_FORM_VALUES = {
    "none": "none",
    "无": "none",
    "未就业": "none",
    "失业": "none",
    "flexible": "flexible",
    "灵活就业": "flexible",
    "employed": "employed",
    "单位就业": "employed",
    "就业": "employed",
    "已就业": "employed",
}
OCCUPATION_VALUES = {"worker": "worker", "工人": "worker", "职工": "worker", "cadre": "cadre", "干部": "cadre"}
YES = {"是", "有", "yes", "y", "true", "1", "√"}
NO = {"否", "无", "no", "n", "false", "0", ""}
INTENTION_VALUES = {
    "job": "job",
    "就业": "job",
    "求职": "job",
    "training": "training",
    "培训": "training",
    "startup": "startup",
    "创业": "startup",
    "participation": "participation",
    "参与": "participation",
}
NEED_VALUES = {
    "job": "job",
    "就业": "job",
    "training": "training",
    "培训": "training",
    "startup": "startup",
    "创业": "startup",
}
CATEGORY_VALUES = {
    "land_expropriated": "land_expropriated",
    "失地农民": "land_expropriated",
    "veteran": "veteran",
    "退役军人": "veteran",
    "single_parent": "single_parent",
    "单亲家庭": "single_parent",
    "单亲": "single_parent",
    "carer": "carer",
    "照料重病家属": "carer",
    "poor_graduate": "poor_graduate",
    "困难家庭毕业生": "poor_graduate",
    "released_prisoner": "released_prisoner",
    "刑满释放人员": "released_prisoner",
    "rehabilitated_drug_user": "rehabilitated_drug_user",
    "戒毒康复人员": "rehabilitated_drug_user",
    "poverty_relapse_monitored": "poverty_relapse_monitored",
    "防止返贫监测对象": "poverty_relapse_monitored",
}
DISABILITY_LEVELS = {
    "1": "1",
    "2": "2",
    "3": "3",
    "4": "4",
    "一级": "1",
    "二级": "2",
    "三级": "3",
    "四级": "4",
}
SEX_VALUES = {"男": "M", "m": "M", "male": "M", "女": "F", "f": "F", "female": "F"}
LIST_SPLIT = re.compile(r"[;,，；、|/]+")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


class FileError(Exception):
    """The whole file is unusable (encoding, headers, size): nothing is read further."""


@dataclass
class ParsedFile:
    headers: list[str]
    rows: list[dict]  # canonical name → raw cell value
    unknown_headers: list[str] = field(default_factory=list)


def _header_key(header) -> str:
    return re.sub(r"\s+", "", str(header or "")).lower()


HEADER_LOOKUP = {_header_key(h): name for name, headers in COLUMNS.items() for h in headers}


def decode_text(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError(_("The file is neither UTF-8 nor GB18030 text; save it as UTF-8 CSV and try again."))


def _map_headers(headers: list) -> tuple[list[str | None], list[str]]:
    mapped, unknown = [], []
    for header in headers:
        name = HEADER_LOOKUP.get(_header_key(header))
        mapped.append(name)
        if name is None and _header_key(header):
            unknown.append(str(header))
    missing = [name for name in REQUIRED if name not in mapped]
    if not any(name in mapped for name in STATUS_COLUMNS):
        missing.append("employment_status")
    if missing:
        labels = ", ".join(f"{COLUMNS[name][0]} ({name})" for name in missing)
        raise FileError(_("Required columns are missing: %(columns)s.") % {"columns": labels})
    duplicated = {name for name in mapped if name and mapped.count(name) > 1}
    if duplicated:
        raise FileError(_("Columns appear twice: %(columns)s.") % {"columns": ", ".join(sorted(duplicated))})
    return mapped, unknown


def _rows_from_table(table, max_rows: int) -> ParsedFile:
    iterator = iter(table)
    try:
        headers = list(next(iterator))
    except StopIteration:
        raise FileError(_("The file is empty.")) from None
    mapped, unknown = _map_headers(headers)
    rows = []
    for values in iterator:
        values = list(values)
        if not any(v not in (None, "") and str(v).strip() for v in values):
            continue  # blank line
        if len(rows) >= max_rows:
            raise FileError(
                _("The file has more than %(limit)s rows; split it into smaller files.") % {"limit": max_rows}
            )
        rows.append({name: values[i] if i < len(values) else None for i, name in enumerate(mapped) if name})
    return ParsedFile(headers=[str(h) for h in headers], rows=rows, unknown_headers=unknown)


def parse_file(content: bytes, filename: str, *, max_rows: int, max_bytes: int) -> ParsedFile:
    if len(content) > max_bytes:
        raise FileError(
            _("The file is larger than %(limit)s bytes; split it into smaller files.") % {"limit": max_bytes}
        )
    if filename.lower().endswith(".xlsx"):
        return _parse_xlsx(content, max_rows)
    text = decode_text(content)
    try:
        return _rows_from_table(csv.reader(io.StringIO(text, newline="")), max_rows)
    except csv.Error as exc:
        raise FileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from None


def _parse_xlsx(content: bytes, max_rows: int) -> ParsedFile:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        raise FileError(_("The file is not a readable Excel (.xlsx) workbook.")) from None
    try:
        return _rows_from_table(workbook.worksheets[0].iter_rows(values_only=True), max_rows)
    finally:
        workbook.close()


def parse_api_rows(rows: list[dict], *, max_rows: int) -> ParsedFile:
    if len(rows) > max_rows:
        raise FileError(_("The request has more than %(limit)s rows.") % {"limit": max_rows})
    headers = sorted({key for row in rows for key in row})
    mapped, unknown = _map_headers(headers)
    lookup = dict(zip(headers, mapped, strict=True))
    canonical = [{lookup[k]: v for k, v in row.items() if lookup.get(k)} for row in rows]
    return ParsedFile(headers=headers, rows=canonical, unknown_headers=unknown)


# --- row validation --------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores long digit strings as numbers
    return str(value).strip()


def _date(value, label: str, reasons: list, *, today: datetime.date) -> datetime.date | None:
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
            reasons.append(_("%(field)s: %(value)s is not a date (use YYYY-MM-DD).") % {"field": label, "value": text})
            return None
    if parsed > today:
        reasons.append(_("%(field)s: the date is in the future.") % {"field": label})
        return None
    return parsed


def _bool(value, label: str, reasons: list) -> bool:
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    reasons.append(_("%(field)s: %(value)s is not yes/no (是/否).") % {"field": label, "value": text})
    return False


def _choices(value, mapping: dict, label: str, reasons: list) -> list[str]:
    result = []
    for part in LIST_SPLIT.split(_text(value)):
        part = part.strip()
        if not part:
            continue
        code = mapping.get(part.lower(), mapping.get(part))
        if code is None:
            reasons.append(_("%(field)s: unknown value %(value)s.") % {"field": label, "value": part})
        elif code not in result:
            result.append(code)
    return result


def _count(value, label: str, reasons: list) -> int:
    text = _text(value)
    if not text:
        return 0
    if not text.isdigit() or int(text) > 600:
        reasons.append(_("%(field)s: %(value)s is not a whole number.") % {"field": label, "value": text})
        return 0
    return int(text)


def validate_row(
    raw: dict, *, scope_prefixes: list[str], skill_lookup: dict[str, str], today: datetime.date
) -> tuple[dict | None, list[str]]:
    """Normalise one row. Returns (values, []) or (None, reasons)."""
    reasons: list[str] = []
    values: dict = {}
    name = _text(raw.get("name"))
    if not name or len(name) > 100:
        reasons.append(_("姓名 (name): required, at most 100 characters."))
    values["name"] = name
    try:
        identity = validate_cn_resident_id(_text(raw.get("id_number")), today=today)
    except ValidationError as exc:
        reasons.append(_("身份证号 (id_number): %(error)s") % {"error": " ".join(exc.messages)})
        identity = None
    if identity:
        values.update(id_number=identity.number, birth_date=identity.birth_date, sex=identity.sex)
        given_birth = _date(raw.get("birth_date"), "出生日期 (birth_date)", reasons, today=today)
        if given_birth and given_birth != identity.birth_date:
            reasons.append(_("出生日期 (birth_date) does not match the ID number."))
        given_sex = SEX_VALUES.get(_text(raw.get("sex")).lower())
        if _text(raw.get("sex")) and given_sex != identity.sex:
            reasons.append(_("性别 (sex) does not match the ID number."))
    region = _text(raw.get("region_code"))
    if not re.fullmatch(r"[0-9]{6}", region) or not region_code_ever_existed(region):
        reasons.append(_("区划代码 (region_code): %(value)s is not a GB/T 2260 county code.") % {"value": region})
    elif not any(region_code_is_within(region, prefix) for prefix in scope_prefixes):
        reasons.append(_("区划代码 (region_code): %(value)s is outside your region.") % {"value": region})
    values["region_code"] = region
    registration, work = _status(raw, reasons)
    values["registration_status"], values["work_form"] = registration, work
    since = _date(
        raw.get("registered_unemployed_since"),
        "登记失业日期 (registered_unemployed_since)",
        reasons,
        today=today,
    )
    if since is None and registration == REGISTERED and work == "none" and not any("登记失业日期" in r for r in reasons):
        reasons.append(_("登记失业日期 (registered_unemployed_since): required for registered unemployed persons."))
    if since and identity and since < identity.birth_date:
        reasons.append(_("登记失业日期 (registered_unemployed_since) is before the date of birth."))
    values["registered_unemployed_since"] = since
    _validate_extras(raw, values, reasons, skill_lookup=skill_lookup, today=today)
    if reasons:
        return None, reasons
    return values, []


def _status(raw: dict, reasons: list) -> tuple[str | None, str | None]:
    """(registration status, work form) from the old 就业状态 column or the two new ones;
    where both are given they must agree."""
    old_text = _text(raw.get("employment_status"))
    old = STATUS_VALUES.get(old_text.lower()) if old_text else None
    if old_text and old is None:
        reasons.append(_("就业状态 (employment_status): unknown value %(value)s.") % {"value": old_text})
    registration_text, work_text = _text(raw.get("registration_status")), _text(raw.get("work_form"))
    registration = REGISTRATION_VALUES.get(registration_text.lower()) if registration_text else None
    if registration_text and registration is None:
        reasons.append(_("登记状态 (registration_status): unknown value %(value)s.") % {"value": registration_text})
    work = WORK_FORM_VALUES.get(work_text.lower()) if work_text else None
    if work_text and work is None:
        reasons.append(_("就业形式 (work_form): unknown value %(value)s.") % {"value": work_text})
    if old and ((registration and registration != old[0]) or (work and work != old[1])):
        reasons.append(_("就业状态 (employment_status) contradicts 登记状态 or 就业形式."))
    if not (old_text or registration_text):
        reasons.append(_("登记状态 (registration_status): required."))
    registration = registration or (old[0] if old else None)
    work = work or (old[1] if old else "none")
    return registration, work


def _validate_extras(raw: dict, values: dict, reasons: list, *, skill_lookup: dict, today) -> None:
    level_text = _text(raw.get("disability_level"))
    level = DISABILITY_LEVELS.get(level_text) if level_text else ""
    if level is None:
        reasons.append(_("残疾等级 (disability_level): unknown value %(value)s.") % {"value": level_text})
    values["disability_level"] = level or ""
    values["has_disability"] = _bool(raw.get("has_disability"), "是否残疾 (has_disability)", reasons) or bool(level)
    values["dibao"] = _bool(raw.get("dibao"), "是否低保 (dibao)", reasons)
    values["reports_zero_employment"] = _bool(raw.get("zero_employment"), "零就业家庭 (zero_employment)", reasons)
    household = _text(raw.get("household_code"))
    if len(household) > 40:
        reasons.append(_("家庭编号 (household_code): at most 40 characters."))
    values["household_code"] = household
    phone = re.sub(r"[\s-]", "", _text(raw.get("phone")))
    if phone and not re.fullmatch(r"\+?[0-9]{7,15}", phone):
        reasons.append(_("联系电话 (phone): %(value)s is not a phone number.") % {"value": phone})
    values["phone"] = phone
    email = _text(raw.get("email"))
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        reasons.append(_("电子邮箱 (email): not an e-mail address."))
    values["email"] = email
    skills = []
    for part in LIST_SPLIT.split(_text(raw.get("skills"))):
        part = part.strip()
        if part:
            code = skill_lookup.get(part.lower())
            if code is None:
                reasons.append(_("技能 (skills): unknown skill %(value)s.") % {"value": part})
            elif code not in skills:
                skills.append(code)
    values["skills"] = skills
    values["intentions"] = _choices(raw.get("intentions"), INTENTION_VALUES, "意向 (intentions)", reasons)
    values["service_needs"] = _choices(raw.get("service_needs"), NEED_VALUES, "服务需求 (service_needs)", reasons)
    values["categories"] = _choices(raw.get("categories"), CATEGORY_VALUES, "其他类别 (categories)", reasons)
    preference = _text(raw.get("region_preference"))
    if preference and not re.fullmatch(r"[0-9]{6}", preference):
        reasons.append(_("意向地区 (region_preference): a six-digit region code."))
    values["region_preference"] = preference
    values["receives_unemployment_insurance"] = _bool(
        raw.get("receives_unemployment_insurance"), "领取失业保险金", reasons
    )
    paid = _text(raw.get("social_insurance_paid_monthly")) or "0"
    try:
        values["social_insurance_paid_monthly"] = Decimal(paid).quantize(Decimal("0.01"))
        if values["social_insurance_paid_monthly"] < 0 or values["social_insurance_paid_monthly"] > 100000:
            raise InvalidOperation
    except InvalidOperation:
        reasons.append(_("月缴社保费 (social_insurance_paid_monthly): %(value)s is not an amount.") % {"value": paid})
    for key, label in (
        ("flexible_subsidy_months_used", "已享社保补贴月数"),
        ("public_welfare_post_months_used", "公益性岗位月数"),
        ("public_welfare_post_placements", "公益性岗位安置次数"),
        ("skill_evaluation_subsidies", "技能评价补贴次数"),
        ("startup_loans", "创业担保贷款次数"),
    ):
        values[key] = _count(raw.get(key), label, reasons)
    values["flexible_subsidy_first_approved"] = _date(
        raw.get("flexible_subsidy_first_approved"), "社保补贴首次批准日期", reasons, today=today
    )
    # A file without these columns keeps what an earlier file said (the key stays out of
    # ``values``); an empty cell means the default (worker) or no date.
    if "occupation_category" in raw:
        text = _text(raw.get("occupation_category"))
        values["occupation_category"] = OCCUPATION_VALUES.get(text.lower()) if text else "worker"
        if values["occupation_category"] is None:
            reasons.append(_("人员身份 (occupation_category): unknown value %(value)s.") % {"value": text})
    if "graduation_date" in raw:
        values["graduation_date"] = _date(raw.get("graduation_date"), "毕业日期 (graduation_date)", reasons, today=today)


def fingerprint(values: dict) -> str:
    """Stable hash of a normalised row: equal data, equal fingerprint."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()
