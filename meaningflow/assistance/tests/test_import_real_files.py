"""Real spreadsheets (issue 11, items 13 and 17): number cells, title rows, two-row merged
headers, an instructions sheet, a total row, household numbers merged down, .xls and Big5
files, skills and intentions outside the taxonomy."""

import datetime
import io

import openpyxl
import pytest

from meaningflow.assistance import services
from meaningflow.assistance.models import AssistanceProfile, Household, RegistryPerson
from meaningflow.assistance.tests.helpers import HEADERS_ZH, csv_bytes, person_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def _import(officer, content, filename="registry.xlsx"):
    return services.registry_import(actor=officer, region_prefix="43", filename=filename, content=content)


def _workbook(sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(title, []):
            sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _digits_only_rows(count: int) -> list[list]:
    """Rows whose ID numbers end in a digit (not X), so that they fit in a number cell."""
    rows, seq = [], 1
    while len(rows) < count:
        row = person_row(seq)
        if row[1].isdigit():
            rows.append(row)
        seq += 1
    return rows


def _rejected(batch) -> dict[int, list[str]]:
    return {r["row"]: r["codes"] for r in batch.report["rows"] if r["status"] == "rejected"}


# --- item 13: number cells ---------------------------------------------------------------


@pytest.mark.postgres
def test_number_cells_in_the_id_and_phone_columns_are_refused(officer):
    rows = _digits_only_rows(4)
    rows[0][1] = int(rows[0][1])  # exact digits: still refused, a number is never turned into an ID
    rows[1][1] = float(rows[1][1])  # what Excel keeps: 15 significant digits
    rows[2][9] = 13800138000  # a phone number typed into a number cell
    batch = _import(officer, xlsx_bytes(rows))
    assert batch.status == "rejected" and RegistryPerson.objects.count() == 0
    assert _rejected(batch) == {
        2: ["import.id_number.not_text"],
        3: ["import.id_number.not_text"],
        4: ["import.phone.not_text"],
    }
    assert "import.id_number.not_text" in batch.report["error_codes"]
    hint = batch.report["errors"][batch.report["error_codes"].index("import.id_number.not_text")]
    assert "2 rows" in hint and "Text" in hint and "WPS" in hint and "apostrophe" in hint
    # The same rows with text cells import.
    fixed = _import(officer, xlsx_bytes(_digits_only_rows(4)))
    assert fixed.status == "applied" and fixed.accepted == 4


def test_a_csv_saved_from_a_number_column_is_refused(officer):
    row = person_row(1)
    row[1] = "4.30102E+17"
    batch = _import(officer, csv_bytes([row]), filename="registry.csv")
    assert _rejected(batch) == {2: ["import.id_number.not_text"]}


# --- item 17: the shape of real files -------------------------------------------------------


@pytest.mark.postgres
def test_title_row_and_two_row_merged_header(officer):
    """Row 1: a title merged across the table; rows 2–3: the header, fields merged down over
    both rows, 就业情况 merged across its two sub-columns."""
    people = [person_row(i) for i in range(1, 4)]
    top = ["姓名", "身份证号", "户籍区划代码", "登记失业日期", "就业情况", None, "联系电话"]
    sub = [None, None, None, None, "登记状态", "就业形式", None]
    data = [[p[0], p[1], p[2], p[3], "登记失业", "灵活就业", p[9]] for p in people]
    content = _workbook(
        {"名册": [["长沙市芙蓉区登记失业人员名册（2025年6月）"], top, sub, *data]},
        {"名册": ["A1:G1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2", "G2:G3"]},
    )
    batch = _import(officer, content)
    assert batch.status == "applied", batch.report
    assert (batch.report["sheet"], batch.report["header_row"]) == ("名册", 3)
    assert [r["row"] for r in batch.report["rows"]] == [4, 5, 6]
    assert RegistryPerson.objects.filter(registration_status="registered", work_form="flexible").count() == 3


def test_header_on_two_rows_without_merges(officer):
    people = [person_row(i) for i in range(1, 3)]
    top = ["姓名", "身份证号", "户籍区划代码", "登记失业日期", "就业情况", None]
    sub = [None, None, None, None, "登记状态", "就业形式"]
    data = [[p[0], p[1], p[2], p[3], "登记失业", "无"] for p in people]
    batch = _import(officer, csv_bytes([sub, *data], headers=top), filename="registry.csv")
    assert batch.status == "applied", batch.report
    assert batch.report["header_row"] == 2


def test_the_sheet_with_the_header_is_read_after_an_instructions_sheet(officer):
    content = _workbook(
        {
            "填表说明": [
                ["填表说明"],
                ["1. 身份证号请使用文本格式。"],
                ["2. 就业状态填写：失业、灵活就业、已就业、注销。"],
            ],
            "名册": [HEADERS_ZH, person_row(1), person_row(2)],
        }
    )
    batch = _import(officer, content)
    assert batch.status == "applied", batch.report
    assert batch.report["sheet"] == "名册" and batch.report["note_codes"] == ["import.sheet_skipped"]
    assert "填表说明" in batch.report["notes"][0]


def test_no_sheet_with_a_header_names_each_sheet(officer):
    content = _workbook({"说明": [["请按模板填写"]], "数据": [["姓名", "电话"], ["张三", "1"]]})
    batch = _import(officer, content)
    assert batch.status == "rejected" and batch.report["error_codes"] == ["import.columns_missing"]
    message = batch.report["errors"][0]
    assert "说明" in message and "数据" in message and "身份证号" in message


def test_a_total_row_and_the_lines_below_it_are_skipped_and_noted(officer):
    rows = [
        HEADERS_ZH,
        person_row(1),
        person_row(2),
        ["合计", "2人", *[None] * 11],
        [None, None, None, None, None, None, None, None, None, None, None, None, None],
        ["制表人：王芳", None, "审核人：李伟"],
    ]
    batch = _import(officer, _workbook({"Sheet1": rows}))
    assert batch.status == "applied", batch.report
    assert batch.accepted == 2
    assert batch.report["note_codes"] == ["import.total_row", "import.total_row"]
    assert "line 4" in batch.report["notes"][0] and "合计" in batch.report["notes"][0]


@pytest.mark.postgres
def test_household_numbers_merged_down_over_the_members(officer):
    """A household's number (and its zero-employment cell) merged over its members' rows:
    every member belongs to the household, none is silently left out."""
    members = [person_row(i, zero="是", household="HN-001") for i in range(1, 4)]
    single = person_row(4, household="HN-002")
    for row in members[1:]:
        row[7] = row[8] = None  # merged cells below the first are empty in the file
    content = _workbook({"Sheet1": [HEADERS_ZH, *members, single]}, {"Sheet1": ["H2:H4", "I2:I4"]})
    batch = _import(officer, content)
    assert batch.status == "applied", batch.report
    household = Household.objects.get(code="HN-001")
    assert household.members.count() == 3 and household.zero_employment is True
    assert Household.objects.get(code="HN-002").members.count() == 1


def test_old_excel_files_get_a_message_naming_the_format(officer):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    batch = _import(officer, ole, filename="registry.xls")
    assert batch.status == "rejected" and batch.report["error_codes"] == ["import.xls"]
    assert ".xls" in batch.report["errors"][0] and ".xlsx" in batch.report["errors"][0]
    renamed = _import(officer, ole, filename="registry.xlsx")  # the format, not the name, decides
    assert renamed.report["error_codes"] == ["import.xls"]


def test_big5_files_get_a_message_naming_the_encoding(officer):
    headers = ["姓名", "身份證號", "戶籍區劃代碼", "登記失業日期", "就業狀態"]
    row = person_row(1)
    content = csv_bytes([["陳大文", row[1], row[2], row[3], "失業"]], headers=headers, encoding="big5")
    batch = _import(officer, content, filename="registry.csv")
    assert batch.status == "rejected" and batch.report["error_codes"] == ["import.big5"]
    assert "Big5" in batch.report["errors"][0] and "UTF-8" in batch.report["errors"][0]


@pytest.mark.postgres
def test_skills_and_intentions_outside_the_taxonomy_are_kept_as_free_text(officer):
    rows = [
        person_row(1, skills="烹饪;育婴;food.home_cooking", intentions="灵活就业、就业"),
        person_row(2, skills="驾驶"),
    ]
    batch = _import(officer, csv_bytes(rows), filename="registry.csv")
    assert batch.status == "applied", batch.report
    by_line = {r["row"]: r for r in batch.report["rows"]}
    assert by_line[2]["note_codes"] == [
        "import.skills.free_text",
        "import.skills.free_text",
        "import.intentions.free_text",
    ]
    assert by_line[3]["note_codes"] == ["import.skills.free_text"]
    first = AssistanceProfile.objects.get(person__id_masked=by_line[2]["id"])
    assert (first.skills, first.skills_other) == (["food.home_cooking"], ["烹饪", "育婴"])
    assert (first.intentions, first.intentions_other) == (["job"], ["灵活就业"])
    assert "烹饪" in services.import_report_csv(batch=batch)


def test_the_case_file_shows_skills_kept_as_free_text(client, officer):
    _import(officer, csv_bytes([person_row(1, skills="烹饪")]), filename="registry.csv")
    client.force_login(officer)
    page = client.get(f"/assistance/persons/{RegistryPerson.objects.get().pk}/").content.decode()
    assert "烹饪" in page


def test_the_import_page_shows_notes_and_accepts_xls_for_its_message(client, officer):
    client.force_login(officer)
    rows = [HEADERS_ZH, person_row(1), ["合计", "1人"]]
    upload = io.BytesIO(_workbook({"Sheet1": rows}))
    upload.name = "名册.xlsx"
    response = client.post("/assistance/import/", {"region": "43", "file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "a total row (合计) was skipped" in page
    old = io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    old.name = "名册.xls"
    response = client.post("/assistance/import/", {"region": "43", "file": old})
    page = client.get(response["Location"]).content.decode()
    assert "Excel 97" in page


def test_dates_in_date_cells_still_import(officer):
    row = person_row(1)
    row[3] = datetime.datetime(2024, 1, 15)
    assert _import(officer, xlsx_bytes([row])).status == "applied"
