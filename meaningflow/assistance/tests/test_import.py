"""Registry import (GV-1): validation, all-or-nothing, idempotency, limits, API and CLI."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from meaningflow.accounts.privacy import consent_set
from meaningflow.accounts.services import identity_verify
from meaningflow.assistance import services
from meaningflow.assistance.models import Household, ImportBatch, RegistryPerson
from meaningflow.assistance.tests.helpers import HEADERS_ZH, csv_bytes, person_row, xlsx_bytes
from meaningflow.core.errors import error_codes

pytestmark = pytest.mark.django_db


def _import(officer, content, filename="registry.csv", **kwargs):
    return services.registry_import(actor=officer, region_prefix="43", filename=filename, content=content, **kwargs)


@pytest.mark.postgres
def test_clean_file_applies_and_reimport_is_a_no_op(officer):
    rows = [person_row(i, household="H1" if i < 2 else "", dibao="是" if i == 0 else "否") for i in range(5)]
    batch = _import(officer, csv_bytes(rows))
    assert (batch.status, batch.accepted, batch.rejected) == ("applied", 5, 0)
    assert RegistryPerson.objects.count() == 5
    assert Household.objects.get(code="H1").dibao is True
    person = RegistryPerson.objects.get(id_masked=batch.report["rows"][0]["id"])
    assert person.name == "测试0" and person.id_number.startswith("430102")
    again = _import(officer, csv_bytes(rows))
    assert (again.accepted, again.updated, again.unchanged) == (0, 0, 5)


@pytest.mark.postgres
def test_one_bad_row_rejects_the_whole_file(officer):
    good = [person_row(i) for i in range(3)]
    bad_checksum = person_row(9)
    bad_checksum[1] = bad_checksum[1][:-1] + ("0" if bad_checksum[1][-1] != "0" else "1")
    bad_date = person_row(10, since="2024-13-45")
    outside = person_row(11, region="110101")
    batch = _import(officer, csv_bytes([*good, bad_checksum, bad_date, outside]))
    assert batch.status == ImportBatch.Status.REJECTED
    assert RegistryPerson.objects.count() == 0
    rejected = {r["row"]: r["codes"] for r in batch.report["rows"] if r["status"] == "rejected"}
    assert rejected == {
        5: ["import.id_number.bad_check_digit"],
        6: ["import.registered_unemployed_since.not_a_date"],
        7: ["import.region_code.outside_region"],
    }
    assert batch.report["error_codes"] == ["import.rows_rejected"]
    csv_text = services.import_report_csv(batch=batch)  # the report officers download, in words
    assert "check digit" in csv_text and "valid" in csv_text


def test_duplicates_inside_a_file_are_rejected(officer):
    row = person_row(1)
    batch = _import(officer, csv_bytes([row, person_row(2), row]))
    assert batch.status == "rejected"
    assert batch.report["rows"][2]["codes"] == ["import.duplicate"]
    assert RegistryPerson.objects.count() == 0


def test_wrong_headers_are_reported(officer):
    batch = _import(officer, csv_bytes([["张三", "x"]], headers=["姓名", "电话"]))
    assert batch.status == "rejected"
    assert batch.report["error_codes"] == ["import.columns_missing"]
    # The message names the missing columns as the file's header would.
    assert "身份证号" in batch.report["errors"][0] and "就业状态" in batch.report["errors"][0]


def test_gb18030_is_accepted_and_garbage_is_reported(officer):
    batch = _import(officer, csv_bytes([person_row(1)], encoding="gb18030"))
    assert batch.status == "applied"
    garbage = _import(officer, b"\xff\xfe\x00\x81\x30" * 10)
    assert garbage.status == "rejected" and garbage.report["error_codes"] == ["import.encoding"]


def test_row_and_byte_limits(officer):
    rows = [person_row(i) for i in range(4)]
    too_many = _import(officer, csv_bytes(rows), max_rows=3)
    assert too_many.status == "rejected" and too_many.report["error_codes"] == ["import.too_many_rows"]
    too_big = _import(officer, csv_bytes(rows), max_bytes=100)
    assert too_big.status == "rejected" and too_big.report["error_codes"] == ["import.too_large"]
    assert RegistryPerson.objects.count() == 0


def test_xlsx_and_english_headers(officer):
    english = [
        "name",
        "id_number",
        "region_code",
        "registered_unemployed_since",
        "employment_status",
        "disability",
        "dibao",
        "zero_employment",
        "household_code",
        "phone",
        "skills",
        "intentions",
        "service_needs",
    ]
    rows = [person_row(1), person_row(2, status="flexible")]
    rows[0][3] = datetime.datetime(2024, 1, 15)
    batch = _import(officer, xlsx_bytes(rows, headers=english), filename="registry.xlsx")
    assert batch.status == "applied", batch.report
    assert RegistryPerson.objects.filter(registration_status="registered", work_form="flexible").count() == 1


def test_updated_rows_are_counted(officer):
    _import(officer, csv_bytes([person_row(1), person_row(2)]))
    batch = _import(officer, csv_bytes([person_row(1, disabled="是"), person_row(2)]))
    assert (batch.accepted, batch.updated, batch.unchanged) == (0, 1, 1)
    assert RegistryPerson.objects.filter(has_disability=True).count() == 1


@pytest.mark.postgres
def test_officer_cannot_import_into_another_region(officer_beijing):
    with pytest.raises(PermissionDenied) as denied:
        services.registry_import(
            actor=officer_beijing,
            region_prefix="43",
            filename="a.csv",
            content=csv_bytes([person_row(1)]),
        )
    assert error_codes(denied.value) == ["import.outside_region"]


def test_links_to_verified_identity(officer, make_user):
    row = person_row(7)
    user = make_user("linked", verified=False)
    identity_verify(user=user, document_type="cn_resident_id", legal_name="测试7", number=row[1])
    consent_set(user=user, purpose="government_sharing", granted=True)  # PR-1: the link is the person's choice
    _import(officer, csv_bytes([row, person_row(8)]))
    assert RegistryPerson.objects.get(user=user).id_number == row[1]
    assert RegistryPerson.objects.filter(user__isnull=True).count() == 1


def test_api_push_with_region_token(client, superuser, reference_data):
    api_client, token = services.registry_api_client_create(actor=superuser, name="湖南就业平台", region_prefix="43")
    rows = [dict(zip(HEADERS_ZH, person_row(i), strict=True)) for i in range(2)]
    response = client.post(
        "/api/v1/assistance/registry/import",
        {"rows": rows},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["accepted"] == 2
    outside = [dict(zip(HEADERS_ZH, person_row(5, region="110101"), strict=True))]
    response = client.post(
        "/api/v1/assistance/registry/import",
        {"rows": outside},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    response = client.post(
        "/api/v1/assistance/registry/import",
        {"rows": rows},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer wrong",
    )
    assert response.status_code == 401


def test_an_api_error_answer_carries_its_code(client, superuser, reference_data):
    _client, token = services.registry_api_client_create(actor=superuser, name="湖南就业平台", region_prefix="43")
    rows = [dict(zip(HEADERS_ZH, person_row(1), strict=True))]
    response = client.post(
        "/api/v1/assistance/registry/import",
        {"rows": rows, "region_prefix": "11"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403 and response.json()["code"] == "import.outside_region"


def test_cli_import_shows_summary(reference_data, tmp_path):
    path = tmp_path / "registry.csv"
    path.write_bytes(csv_bytes([person_row(1), person_row(2)]))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_registry", str(path), "--region", "43", stdout=out, stderr=err)
    assert "new 2" in out.getvalue() and "assistance.import" in err.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([person_row(1, region="110101")]))
    with pytest.raises(CommandError):
        call_command(
            "import_registry",
            str(bad),
            "--region",
            "43",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
