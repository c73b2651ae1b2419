"""Parsing and row validation of registry files (GV-1). No writes here.

A file is decoded (UTF-8 with or without BOM, then GB18030), its headers are mapped to
canonical field names (Chinese or English, see docs/REGISTRY_IMPORT.md), and each row is
normalised into a dict or rejected with reasons. ``services.registry_import`` decides
what to write.
"""

import codecs
import csv
import datetime
import hashlib
import io
import itertools
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


HEADER_SCAN_ROWS = 20  # a header row is looked for among the first rows (title rows above it)
TOTAL_WORDS = ("合计", "总计", "小计", "total")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary Excel (.xls), also WPS .et
ZIP_MAGIC = b"PK\x03\x04"
BIG5_MARKERS = ("身份證", "證件", "區劃", "就業", "登記", "戶籍")
DECODE_CHUNK = 1 << 20
MERGE_SECTION = re.compile(rb"<(?:\w+:)?mergeCells[\s>]")
MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')


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

    def append(self, message: str, code: str = "import.invalid") -> None:
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


def _header_key(header) -> str:
    return re.sub(r"\s+", "", str(header or "")).lower()


HEADER_LOOKUP = {_header_key(h): name for name, headers in COLUMNS.items() for h in headers}


def _missing(names) -> list[str]:
    missing = [name for name in REQUIRED if name not in names]
    if not any(name in names for name in STATUS_COLUMNS):
        missing.append("employment_status")
    return missing


def _labels(names: list[str]) -> str:
    return ", ".join(f"{COLUMNS[name][0]} ({name})" for name in names)


def _missing_error(names, sheet: str) -> FileError:
    labels = _labels(_missing(names))
    if sheet:
        message = _("Sheet %(sheet)s: required columns are missing: %(columns)s.") % {"sheet": sheet, "columns": labels}
    else:
        message = _("Required columns are missing: %(columns)s.") % {"columns": labels}
    return FileError(message, "import.columns_missing")


def _header_candidate(head: list, index: int) -> list[str | None]:
    """Column names of row ``index``; where a cell is not a known header, the row above may
    give it (a two-row header: group titles above, or fields written on the first row only)."""
    names = [HEADER_LOOKUP.get(_header_key(cell)) for cell in head[index][1]]
    if index == 0:
        return names
    above = [HEADER_LOOKUP.get(_header_key(cell)) for cell in head[index - 1][1]]
    names += [None] * (len(above) - len(names))
    for column, name in enumerate(above):
        if name and names[column] is None and name not in names:
            names[column] = name
    return names


def _find_header(head: list, sheet: str) -> tuple[int, list[str | None]]:
    """The header row among the first rows: the one (with the row above) that names every
    required column and the most columns; the earliest on a tie."""
    best, best_count, closest = None, 0, []
    for index in range(len(head)):
        names = _header_candidate(head, index)
        known = [name for name in names if name]
        if len(set(known)) > len(set(closest)):
            closest = known
        if not _missing(known) and len(set(known)) > best_count:
            best, best_count = (index, names), len(set(known))
    if best is None:
        raise _missing_error(closest, sheet)
    index, names = best
    doubled = sorted({name for name in names if name and names.count(name) > 1})
    if doubled:
        raise FileError(
            _("Columns appear twice: %(columns)s.") % {"columns": ", ".join(doubled)}, "import.columns_twice"
        )
    return index, names


def _blank(values) -> bool:
    return not any(cell is not None and str(cell).strip() for cell in values)


def _total_row(values, id_column: int) -> str:
    """The text of a total row (合计, 总计 …) — a row with such a cell and no ID number —
    or ""."""
    id_cell = values[id_column] if id_column < len(values) else None
    if id_cell is not None and re.search(r"[0-9]{15}", str(id_cell)):
        return ""
    for cell in values:
        text = re.sub(r"\s+", "", str(cell or "")).lower()
        if text.startswith(TOTAL_WORDS):
            return str(cell).strip()[:40]
    return ""


def _table(rows: Iterator, *, sheet: str, max_rows: int) -> Table:
    """Find the header among the first rows of ``rows`` ((line, values) pairs) and return
    the table whose rows follow it; raises FileError."""
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    if all(_blank(values) for _line, values in head):
        raise FileError(_("The file is empty."), "import.empty")
    index, names = _find_header(head, sheet)
    header_cells = head[index][1]
    unknown = [
        str(cell).strip()
        for column, cell in enumerate(header_cells)
        if str(cell or "").strip() and (column >= len(names) or names[column] is None)
    ]
    table = Table(rows=iter(()), sheet=sheet, header_line=head[index][0], unknown_headers=unknown)
    table.rows = _data_rows(itertools.chain(head[index + 1 :], rows), names, table, max_rows)
    return table


def _skipped_message(sheet: str, line: int, total: str) -> str:
    where = {"sheet": sheet, "line": line, "text": total}
    if total and sheet:
        return _("Sheet %(sheet)s, line %(line)s: a total row (%(text)s) was skipped.") % where
    if total:
        return _("Line %(line)s: a total row (%(text)s) was skipped.") % where
    if sheet:
        return _("Sheet %(sheet)s, line %(line)s: a line without an ID number below the total row was skipped.") % where
    return _("Line %(line)s: a line without an ID number below the total row was skipped.") % where


def _data_rows(rows: Iterator, names: list, table: Table, max_rows: int) -> Iterator[tuple[int, dict]]:
    id_column, count, after_total = names.index("id_number"), 0, False
    for line, values in rows:
        if _blank(values):
            continue
        total = _total_row(values, id_column)
        id_cell = values[id_column] if id_column < len(values) else None
        if total or (after_total and (id_cell is None or not str(id_cell).strip())):
            table.notes.append(("import.total_row", _skipped_message(table.sheet, line, total)))
            after_total = True
            continue
        count += 1
        if count > max_rows:
            raise FileError(
                _("The file has more than %(limit)s rows; split it into smaller files.") % {"limit": max_rows},
                "import.too_many_rows",
            )
        yield line, {name: values[i] if i < len(values) else None for i, name in enumerate(names) if name}


@contextmanager
def open_table(content: bytes, filename: str, *, max_rows: int, max_bytes: int) -> Iterator[Table]:
    """The file as a Table, read lazily while the block runs; raises FileError (here or
    while the rows are read) for a file that cannot be used."""
    if len(content) > max_bytes:
        raise FileError(
            _("The file is larger than %(limit)s bytes; split it into smaller files.") % {"limit": max_bytes},
            "import.too_large",
        )
    if content.startswith(OLE_MAGIC) or filename.lower().endswith((".xls", ".et")):
        raise FileError(
            _(
                "This is an old binary Excel workbook (.xls, Excel 97–2003), which cannot be read. Open it in "
                "Excel or WPS and save it as “Excel Workbook (*.xlsx)” or “CSV UTF-8”, then import that file."
            ),
            "import.xls",
        )
    if content.startswith(ZIP_MAGIC) or filename.lower().endswith(".xlsx"):
        with _xlsx_table(content, max_rows) as table:
            yield table
    else:
        yield _csv_table(content, max_rows)


def _decodes(content: bytes, encoding: str) -> bool:
    """Whether the whole content decodes, checked in chunks (no copy of the text is kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(content), DECODE_CHUNK):
            decoder.decode(content[start : start + DECODE_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _big5_error() -> FileError:
    return FileError(
        _(
            "The file looks like Big5 (traditional Chinese) text, which cannot be read. Save it as “CSV UTF-8” "
            "(Excel: Save As → CSV UTF-8; WPS: 另存为 → CSV, encoding UTF-8) and import it again."
        ),
        "import.big5",
    )


def _looks_big5(content: bytes) -> bool:
    text = content[:65536].decode("big5", errors="ignore")
    return any(marker in text for marker in BIG5_MARKERS)


def _text_encoding(content: bytes) -> str:
    if content.startswith(codecs.BOM_UTF8) or _decodes(content, "utf-8"):
        return "utf-8-sig"
    if _decodes(content, "gb18030"):
        return "gb18030"  # Big5 bytes decode as GB18030 too: told apart by the headers
    if _looks_big5(content):
        raise _big5_error()
    raise FileError(
        _("The file is neither UTF-8 nor GB18030 text; save it as UTF-8 CSV and try again."), "import.encoding"
    )


def _csv_table(content: bytes, max_rows: int) -> Table:
    encoding = _text_encoding(content)
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline=""))
    try:
        return _table(_csv_rows(reader), sheet="", max_rows=max_rows)
    except FileError as exc:
        if exc.code == "import.columns_missing" and encoding == "gb18030" and _looks_big5(content):
            raise _big5_error() from None
        raise


def _csv_rows(reader) -> Iterator[tuple[int, list]]:
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise FileError(_("The CSV file is malformed: %(error)s") % {"error": exc}, "import.csv_malformed") from None


@contextmanager
def _xlsx_table(content: bytes, max_rows: int) -> Iterator[Table]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        archive = zipfile.ZipFile(io.BytesIO(content))
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        raise FileError(_("The file is not a readable Excel (.xlsx) workbook."), "import.not_xlsx") from None
    try:
        yield _first_sheet_with_header(workbook, archive, max_rows)
    finally:
        workbook.close()
        archive.close()


def _first_sheet_with_header(workbook, archive, max_rows: int) -> Table:
    """The first sheet that has a header row (an instructions sheet may come first)."""
    skipped: list[tuple[str, FileError]] = []
    for sheet in workbook.worksheets:
        # ReadOnlyWorksheet has no merged-cell list: the ranges are read from the sheet's XML.
        merges = _merged_ranges(archive, getattr(sheet, "_worksheet_path", ""))
        rows = _filled(enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1), merges)
        try:
            table = _table(rows, sheet=sheet.title, max_rows=max_rows)
        except FileError as exc:
            if exc.code not in ("import.columns_missing", "import.empty"):
                raise
            skipped.append((sheet.title, exc))
            continue
        if skipped:
            table.notes.append(
                (
                    "import.sheet_skipped",
                    _("Read sheet %(sheet)s; sheets without a header row were skipped: %(skipped)s.")
                    % {"sheet": sheet.title, "skipped": ", ".join(title for title, _exc in skipped)},
                )
            )
        return table
    if len(skipped) == 1:
        raise skipped[0][1]
    raise FileError(
        _("No sheet has a header row with the required columns: %(sheets)s")
        % {"sheets": " ".join(str(exc) for _title, exc in skipped)},
        "import.columns_missing",
    )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """(first column, first row, last column, last row) of every merged range of a sheet.
    The ranges follow the cell data in the XML: the data is skimmed in chunks, not parsed."""
    try:
        source = archive.open(path)
    except KeyError:
        return []
    found, tail = b"", b""
    with source:
        while chunk := source.read(DECODE_CHUNK):
            if found:
                found += chunk
                continue
            window = tail + chunk
            match = MERGE_SECTION.search(window)
            if match:
                found = window[match.start() :]
            tail = window[-64:]
    ranges = set()
    for first_col, first_row, last_col, last_row in MERGE_REF.findall(found):
        ranges.add(
            (
                _column_number(first_col),
                int(first_row),
                _column_number(last_col or first_col),
                int(last_row or first_row),
            )
        )
    return sorted(ranges, key=lambda r: (r[1], r[0]))


def _filled(rows: Iterator, merges: list) -> Iterator[tuple[int, list]]:
    """Rows with every cell of a merged range holding the range's value (a household number
    merged down over its members, a header merged over two rows)."""
    starts = defaultdict(list)
    for first_col, first_row, last_col, last_row in merges:
        starts[first_row].append((first_col, last_col, last_row))
    active: list[tuple[int, int, int, object]] = []  # (first column, last column, last row, value)
    for line, values in rows:
        if line not in starts and not active:
            yield line, values
            continue
        values = list(values)
        active = [entry for entry in active if entry[2] >= line]
        for first_col, last_col, last_row in starts.pop(line, ()):
            value = values[first_col - 1] if first_col <= len(values) else None
            active.append((first_col, last_col, last_row, value))
        for first_col, last_col, _last_row, value in active:
            if len(values) < last_col:
                values.extend([None] * (last_col - len(values)))
            values[first_col - 1 : last_col] = [value] * (last_col - first_col + 1)
        yield line, values


def api_table(rows: list[dict], *, max_rows: int) -> Table:
    """Rows pushed through the API as a Table (line numbers start at 2, as in a file)."""
    if len(rows) > max_rows:
        raise FileError(_("The request has more than %(limit)s rows.") % {"limit": max_rows}, "import.too_many_rows")
    headers = sorted({key for row in rows for key in row})
    lookup = {header: HEADER_LOOKUP.get(_header_key(header)) for header in headers}
    known = [name for name in lookup.values() if name]
    if _missing(known):
        raise _missing_error(known, "")
    doubled = sorted({name for name in known if known.count(name) > 1})
    if doubled:
        raise FileError(
            _("Columns appear twice: %(columns)s.") % {"columns": ", ".join(doubled)}, "import.columns_twice"
        )
    unknown = [header for header, name in lookup.items() if name is None]
    canonical = (
        (line, {lookup[key]: value for key, value in row.items() if lookup.get(key)})
        for line, row in enumerate(rows, start=2)
    )
    return Table(rows=canonical, unknown_headers=unknown)


# --- row validation --------------------------------------------------------------


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
) -> tuple[dict | None, Problems, Problems]:
    """Normalise one row. Returns (values, [], notes) or (None, reasons, notes); ``notes``
    are warnings that do not reject the row (a skill kept as free text …)."""
    reasons, notes = Problems(), Problems()
    values: dict = {}
    name = _text(raw.get("name"))
    if not name or len(name) > 100:
        reasons.append(_("姓名 (name): required, at most 100 characters."))
    values["name"] = name
    identity = _identity(raw.get("id_number"), reasons, today=today)
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
    if (
        since is None
        and registration == REGISTERED
        and work == "none"
        and not any("登记失业日期" in r for r in reasons)
    ):
        reasons.append(_("登记失业日期 (registered_unemployed_since): required for registered unemployed persons."))
    if since and identity and since < identity.birth_date:
        reasons.append(_("登记失业日期 (registered_unemployed_since) is before the date of birth."))
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
            _("身份证号 (id_number): %(error)s") % {"error": " ".join(exc.messages)}, f"import.id_number.{exc.code}"
        )
        return None


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


def _validate_extras(raw: dict, values: dict, reasons: Problems, *, today) -> None:
    level_text = _text(raw.get("disability_level"))
    level = DISABILITY_LEVELS.get(level_text) if level_text else ""
    if level is None:
        reasons.append(_("残疾等级 (disability_level): unknown value %(value)s.") % {"value": level_text})
    values["disability_level"] = level or ""
    values["has_disability"] = _bool(raw.get("has_disability"), "是否残疾 (has_disability)", reasons) or bool(level)
    values["dibao"] = _bool(raw.get("dibao"), "是否低保 (dibao)", reasons)
    values["reports_zero_employment"] = _bool(raw.get("zero_employment"), "零就业家庭 (zero_employment)", reasons)
    household = _text(raw.get("household_code"))
    if isinstance(raw.get("household_code"), float) and raw["household_code"] >= 1e15:
        reasons.append(
            _("家庭编号 (household_code): the cell holds a long number, not text. %(help)s")
            % {"help": TEXT_COLUMN_HELP},
            "import.household_code.not_text",
        )
    if len(household) > 40:
        reasons.append(_("家庭编号 (household_code): at most 40 characters."))
    values["household_code"] = household
    phone = re.sub(r"[\s-]", "", _text(raw.get("phone")))
    if _number_cell(raw.get("phone")):
        reasons.append(
            _("联系电话 (phone): the cell holds a number, not text (a leading 0 would be lost). %(help)s")
            % {"help": TEXT_COLUMN_HELP},
            "import.phone.not_text",
        )
    elif phone and not re.fullmatch(r"\+?[0-9]{7,15}", phone):
        reasons.append(_("联系电话 (phone): %(value)s is not a phone number.") % {"value": phone})
    values["phone"] = phone
    email = _text(raw.get("email"))
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        reasons.append(_("电子邮箱 (email): not an e-mail address."))
    values["email"] = email
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
        values["graduation_date"] = _date(
            raw.get("graduation_date"), "毕业日期 (graduation_date)", reasons, today=today
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
