"""Builders of registry files for tests: valid resident ID numbers, CSV and XLSX."""

import csv
import datetime
import io

import openpyxl

from meaningflow.accounts.demo import cn_resident_id

HEADERS_ZH = [
    "姓名",
    "身份证号",
    "户籍区划代码",
    "登记失业日期",
    "就业状态",
    "是否残疾",
    "是否低保",
    "零就业家庭",
    "家庭编号",
    "联系电话",
    "技能",
    "意向",
    "服务需求",
]


def person_row(
    seq: int,
    *,
    region="430102",
    birth=datetime.date(1980, 3, 3),
    since="2024-01-15",
    status="失业",
    disabled="否",
    dibao="否",
    zero="否",
    household="",
    phone="13800138000",
    skills="",
    intentions="就业",
    needs="就业",
    female=None,
) -> list[str]:
    number = cn_resident_id(region, birth, seq)
    if female is not None:
        # The 17th digit's parity is the sex: odd men, even women.
        sequence = seq * 2 + (0 if female else 1)
        number = cn_resident_id(region, birth, sequence)
    return [
        f"测试{seq}",
        number,
        region,
        since,
        status,
        disabled,
        dibao,
        zero,
        household,
        phone,
        skills,
        intentions,
        needs,
    ]


def csv_bytes(rows: list[list[str]], headers=HEADERS_ZH, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], headers=HEADERS_ZH) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
