"""Registry fields of issue 11: registration status and work form apart (item 6), the
occupation category (item 7), the graduation date (item 9), and what discovery reads of them."""

import datetime

import numpy
import pytest

from meaningflow.accounts.demo import cn_resident_id
from meaningflow.assistance import discovery, services
from meaningflow.assistance.models import RegistryPerson
from meaningflow.assistance.tests.helpers import csv_bytes

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 6, 10)


def _row(seq: int, **columns) -> dict:
    return {
        "姓名": f"测试{seq}",
        "身份证号": cn_resident_id("430102", datetime.date(1980, 3, 3), seq),
        "户籍区划代码": "430102",
        "登记失业日期": "2024-01-15",
        **columns,
    }


def _import(officer, rows: list[dict]):
    headers = list(dict.fromkeys(key for row in rows for key in row))
    content = csv_bytes([[row.get(h, "") for h in headers] for row in rows], headers=headers)
    return services.registry_import(actor=officer, region_prefix="43", filename="r.csv", content=content, today=TODAY)


def _person(seq: int) -> RegistryPerson:
    number = cn_resident_id("430102", datetime.date(1980, 3, 3), seq)
    return next(p for p in RegistryPerson.objects.all() if p.id_number == number)


def test_the_old_status_column_maps_to_registration_and_work_form(officer):
    batch = _import(
        officer,
        [
            _row(1, 就业状态="失业"),
            _row(2, 就业状态="灵活就业"),
            _row(3, 就业状态="已就业"),
            _row(4, 就业状态="注销"),
        ],
    )
    assert batch.status == "applied", batch.report
    states = {seq: (_person(seq).registration_status, _person(seq).work_form) for seq in (1, 2, 3, 4)}
    assert states == {
        1: ("registered", "none"),
        2: ("registered", "flexible"),
        3: ("registered", "employed"),
        4: ("deregistered", "none"),
    }
    assert _person(4).exited_on is not None and _person(1).exited_on is None


def test_separate_columns_a_registered_person_can_work_flexibly(officer):
    batch = _import(officer, [_row(1, 登记状态="登记失业", 就业形式="灵活就业"), _row(2, 登记状态="在册")])
    assert batch.status == "applied", batch.report
    assert (_person(1).registration_status, _person(1).work_form) == ("registered", "flexible")
    assert (_person(2).registration_status, _person(2).work_form) == ("registered", "none")
    # Back to the registry after an exit: the exit date goes.
    _import(officer, [_row(1, 登记状态="注销", 就业形式="灵活就业")])
    assert _person(1).registration_status == "deregistered" and _person(1).exited_on
    _import(officer, [_row(1, 登记状态="登记失业", 就业形式="无")])
    assert _person(1).registration_status == "registered" and _person(1).exited_on is None


def test_status_values_are_checked(officer):
    batch = _import(
        officer,
        [
            _row(1, 就业状态="失业", 登记状态="注销"),  # contradicts
            _row(2, 登记状态="待定"),
            _row(3, 登记状态="登记失业", 就业形式="兼职"),
            _row(4, 登记状态="登记失业", 登记失业日期=""),  # registered and not working: the date is required
            _row(5, 登记状态="登记失业", 就业形式="灵活就业", 登记失业日期=""),  # flexible: optional
        ],
    )
    assert batch.status == "rejected" and RegistryPerson.objects.count() == 0
    codes = {r["row"]: r["codes"] for r in batch.report["rows"]}
    assert codes == {
        2: ["import.employment_status.contradicts"],
        3: ["import.registration_status.unknown_value"],
        4: ["import.work_form.unknown_value"],
        5: ["import.registered_unemployed_since.required"],
        6: [],
    }


def test_a_file_needs_one_status_column(officer):
    batch = _import(officer, [_row(1)])
    assert batch.status == "rejected" and batch.report["error_codes"] == ["import.columns_missing"]


def test_occupation_category_defaults_to_worker_and_an_absent_column_keeps_it(officer):
    _import(officer, [_row(1, 就业状态="失业", 人员身份="干部"), _row(2, 就业状态="失业", 人员身份="")])
    assert (_person(1).occupation_category, _person(2).occupation_category) == ("cadre", "worker")
    # An older file format without the column does not turn the cadre into a worker.
    batch = _import(officer, [_row(1, 就业状态="失业")])
    assert batch.status == "applied" and _person(1).occupation_category == "cadre"
    rejected = _import(officer, [_row(1, 就业状态="失业", 职业类别="农民")])
    assert rejected.status == "rejected" and rejected.report["rows"][0]["codes"] == [
        "import.occupation_category.unknown_value"
    ]


def test_graduation_date(officer):
    _import(officer, [_row(1, 就业状态="失业", 毕业日期="2024-07-01")])
    assert _person(1).graduation_date == datetime.date(2024, 7, 1)
    future = _import(officer, [_row(1, 就业状态="失业", 毕业日期="2026-07-01")])
    assert future.status == "rejected" and future.report["rows"][0]["codes"] == ["import.graduation_date.in_future"]


@pytest.mark.postgres
def test_discovery_reads_the_new_fields_under_the_declared_names(officer):
    _import(
        officer,
        [
            _row(1, 登记状态="登记失业", 就业形式="灵活就业", 人员身份="干部", 毕业日期="2024-07-01"),
            _row(2, 登记状态="登记失业", 就业形式="单位就业"),
            _row(3, 登记状态="登记失业"),
            _row(4, 登记状态="登记失业", 就业形式="灵活就业", 登记失业日期=""),
            _row(5, 登记状态="注销"),
        ],
    )
    population = discovery.load_population("43", period="2025-06")
    ids = {int(pid): i for i, pid in enumerate(population.ids)}
    assert _person(5).pk not in ids  # deregistered: not in the population
    columns = population.columns

    def column(name, seq):
        return columns[name][ids[_person(seq).pk]]

    assert [bool(column("registered_unemployed", s)) for s in (1, 2, 3, 4)] == [True, False, True, False]
    assert [bool(column("flexibly_employed", s)) for s in (1, 2, 3, 4)] == [True, False, False, True]
    assert [bool(column("formally_employed", s)) for s in (1, 2, 3, 4)] == [False, True, False, False]
    assert [bool(column("is_cadre", s)) for s in (1, 2, 3)] == [True, False, False]
    assert column("graduation_date", 1) == numpy.datetime64("2024-07-01")
    assert column("graduation_date", 2) == numpy.datetime64("1970-01-01")  # unknown
    assert columns["graduation_date"].dtype == numpy.dtype("datetime64[D]")
