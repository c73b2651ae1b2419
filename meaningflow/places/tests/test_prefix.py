"""GB/T 2260 prefix rules: pure functions, no database."""

import pytest

from meaningflow.places.selectors import (
    ascii_fold,
    normalise_region_prefix,
    region_code_is_within,
)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("43", "43"),
        ("4300", "43"),
        ("430000", "43"),
        ("4301", "4301"),
        ("430100", "4301"),
        ("430102", "430102"),
        ("431000", "4310"),  # Chenzhou: the inner "10" is significant
        ("100000", "10"),
        ("430", "430"),  # odd lengths are taken literally
        (" 43 ", "43"),
    ],
)
def test_normalise_region_prefix(prefix, expected):
    assert normalise_region_prefix(prefix) == expected


@pytest.mark.parametrize("prefix", ["", "4", "4a", "4301001", "abcdef", None])
def test_normalise_region_prefix_rejects_malformed(prefix):
    with pytest.raises(ValueError):
        normalise_region_prefix(prefix)


@pytest.mark.parametrize(
    ("code", "prefix", "expected"),
    [
        ("430102", "43", True),
        ("430102", "430000", True),
        ("430102", "4301", True),
        ("430102", "430100", True),
        ("430102", "430102", True),
        ("430100", "43", True),
        ("430000", "43", True),
        ("430000", "4301", False),  # the province is not inside its capital
        ("430202", "4301", False),  # Zhuzhou is not Changsha
        ("431002", "4301", False),
        ("440305", "43", False),
        ("430102", "430101", False),
        # Municipality twins stand for the whole city, counties included.
        ("500230", "500100", True),
        ("110105", "110100", True),
        ("120105", "110100", False),
    ],
)
def test_region_code_is_within(code, prefix, expected):
    assert region_code_is_within(code, prefix) is expected


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("4301", "43"),
        ("43010a", "43"),
        ("", "43"),
        (None, "43"),
        ("430102", ""),
        ("430102", "x"),
        ("430102", None),
        ("4301020", "43"),
    ],
)
def test_region_code_is_within_fails_closed(code, prefix):
    assert region_code_is_within(code, prefix) is False


def test_ascii_fold():
    assert ascii_fold("Zürich") == "zurich"
    assert ascii_fold("São Paulo") == "sao paulo"
    assert ascii_fold("清迈") == ""
