"""The vocabulary of registry files: accepted column headers, the values each column may
hold, and the types the reading and checking steps share (``FileError``, ``Problems``,
``Table``)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

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
    """The whole file is unusable (format, encoding, headers, size): nothing is read further.
    ``code`` says which problem it is (tests and the report keep it)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class Problems(list):
    """Messages about one row, each with a code: ``codes[i]`` belongs to ``self[i]``."""

    def __init__(self):
        super().__init__()
        self.codes: list[str] = []

    def append(self, message: str, code: str) -> None:
        super().append(message)
        self.codes.append(code)


@dataclass
class Table:
    """The rows of a file, read lazily: ``rows`` yields (line number, canonical name → raw
    cell) one at a time, and appends file-level notes (skipped total rows …) as it goes."""

    rows: Iterator[tuple[int, dict]]
    sheet: str = ""
    header_line: int = 1
    unknown_headers: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
