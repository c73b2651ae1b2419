"""Validation of identity documents (ID-2): pure functions, no database.

Mainland resident ID numbers are checked for format, ISO 7064 MOD 11-2 checksum (via
python-stdnum), a real and plausible birth date, and a region code that exists or existed
in GB/T 2260. Unlike ``stdnum.cn.ric.validate`` we do not require the region code to have
existed in the holder's birth year: the code is the district where the card was issued,
and people born before a district was created (re-registered later) hold valid cards.
"""

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric

CN_ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")
PASSPORT_PATTERN = re.compile(r"^[A-Z0-9]{5,20}$")
OLDEST_PLAUSIBLE_BIRTH_YEAR = 1890


@dataclass(frozen=True)
class CnResidentId:
    number: str
    birth_date: datetime.date
    region_code: str
    sex: str  # "M" or "F": the ninth-from-last digit's parity


def normalise_cn_resident_id(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").upper()


@lru_cache(maxsize=4096)
def region_code_ever_existed(code: str) -> bool:
    """True if the six-digit code is in GB/T 2260 at any date (stdnum's cn/loc table)."""
    parts = numdb.get("cn/loc").info(code)
    return len(parts) == 2 and "province" in parts[0][1] and "county" in parts[1][1]


# The codes of the errors about the document number itself (shown beside that field).
NUMBER_ERROR_CODES = frozenset(
    {
        "identity.bad_format",
        "identity.bad_check_digit",
        "identity.impossible_birth_date",
        "identity.unknown_region",
        "identity.bad_passport_number",
    }
)


def validate_cn_resident_id(raw: str, *, today: datetime.date | None = None) -> CnResidentId:
    number = normalise_cn_resident_id(raw)
    if not CN_ID_PATTERN.match(number):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a final digit or X."),
            code="identity.bad_format",
        )
    if ric.calc_check_digit(number) != number[-1]:
        raise ValidationError(
            _("This resident ID number is not valid: its check digit does not match."),
            code="identity.bad_check_digit",
        )
    try:
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("This resident ID number contains an impossible date of birth."), code="identity.impossible_birth_date"
        ) from None
    today = today or timezone.localdate()
    if birth_date > today or birth_date.year < OLDEST_PLAUSIBLE_BIRTH_YEAR:
        raise ValidationError(
            _("This resident ID number contains an impossible date of birth."), code="identity.impossible_birth_date"
        )
    if not region_code_ever_existed(number[:6]):
        raise ValidationError(
            _("This resident ID number starts with an unknown region code."), code="identity.unknown_region"
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return CnResidentId(number=number, birth_date=birth_date, region_code=number[:6], sex=sex)


def validate_passport(raw_number: str, country: str) -> tuple[str, str]:
    """Return the normalised (number, alpha-2 country) or raise ValidationError."""
    country = (country or "").strip().upper()
    if pycountry.countries.get(alpha_2=country) is None:
        raise ValidationError(_("Choose the country that issued the passport."), code="identity.unknown_country")
    number = re.sub(r"[\s-]", "", raw_number or "").upper()
    if not PASSPORT_PATTERN.match(number):
        raise ValidationError(
            _("A passport number has 5 to 20 letters and digits."), code="identity.bad_passport_number"
        )
    return number, country
