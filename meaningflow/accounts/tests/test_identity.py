"""Real-name verification (ID-2): validation, one identity per person, encryption, audit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from stdnum.cn import ric

from meaningflow.accounts.demo import cn_resident_id
from meaningflow.accounts.identity import validate_cn_resident_id, validate_passport
from meaningflow.accounts.models import Identity, StaffRole
from meaningflow.accounts.services import identity_reveal, identity_verify, staff_role_grant
from meaningflow.core.errors import error_codes
from meaningflow.core.models import AuditEvent

VALID_ID = cn_resident_id("430102", datetime.date(1970, 5, 17), 123)


def with_bad_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


class TestResidentIdValidation:
    def test_valid_number_yields_birth_date_region_and_sex(self):
        info = validate_cn_resident_id(VALID_ID)
        assert info.birth_date == datetime.date(1970, 5, 17)
        assert info.region_code == "430102"
        assert info.sex == "M"  # 123 is odd

    def test_lowercase_x_and_spaces_are_normalised(self):
        body = "11010519491231002"
        number = cn_resident_id("110105", datetime.date(1949, 12, 31), 2)
        assert number.startswith(body)
        assert validate_cn_resident_id(" " + number[:6] + " " + number[6:].lower()).number == number

    def test_wrong_checksum_is_refused(self):
        with pytest.raises(ValidationError) as exc:
            validate_cn_resident_id(with_bad_check_digit(VALID_ID))
        assert error_codes(exc.value) == ["identity.bad_check_digit"]

    @pytest.mark.parametrize("birth", ["19700230", "19701301", "20991231", "18500101"])
    def test_impossible_birth_date_is_refused(self, birth):
        body = "430102" + birth + "123"
        number = body + ric.calc_check_digit(body + "0")
        with pytest.raises(ValidationError) as exc:
            validate_cn_resident_id(number)
        assert error_codes(exc.value) == ["identity.impossible_birth_date"]

    def test_unknown_region_code_is_refused(self):
        number = cn_resident_id("999901", datetime.date(1980, 1, 1), 1)
        with pytest.raises(ValidationError) as exc:
            validate_cn_resident_id(number)
        assert error_codes(exc.value) == ["identity.unknown_region"]

    def test_region_created_after_birth_year_is_still_valid(self):
        # 密云区 (110118) exists only since 2015; a person born in 1950 re-registered
        # there holds a valid card. python-stdnum alone would reject it.
        number = cn_resident_id("110118", datetime.date(1950, 3, 3), 5)
        assert validate_cn_resident_id(number).region_code == "110118"

    def test_abolished_region_code_is_still_valid(self):
        # 崇文区 (110103) was merged in 2010; cards issued there remain valid.
        assert validate_cn_resident_id(cn_resident_id("110103", datetime.date(1960, 1, 1), 7))

    @pytest.mark.parametrize("raw", ["", "12345", "4301021970051712345", "43010219700517123Y"])
    def test_malformed_numbers_are_refused(self, raw):
        with pytest.raises(ValidationError) as exc:
            validate_cn_resident_id(raw)
        assert error_codes(exc.value) == ["identity.bad_format"]

    def test_passport_needs_a_real_country(self):
        assert validate_passport("e1234 5678", "de") == ("E12345678", "DE")
        with pytest.raises(ValidationError) as country:
            validate_passport("E12345678", "XX")
        assert error_codes(country.value) == ["identity.unknown_country"]
        with pytest.raises(ValidationError) as number:
            validate_passport("!!", "DE")
        assert error_codes(number.value) == ["identity.bad_passport_number"]


@pytest.mark.postgres
@pytest.mark.django_db
class TestIdentityBinding:
    def test_verify_stores_number_encrypted_hashed_and_masked(self, alice):
        identity = identity_verify(user=alice, document_type="cn_resident_id", legal_name="王芳", number=VALID_ID)
        assert identity.number_masked == VALID_ID[:4] + "*" * 10 + VALID_ID[-4:]
        with connection.cursor() as cursor:
            cursor.execute("SELECT number, legal_name, number_hash FROM accounts_identity")
            raw_number, raw_name, number_hash = cursor.fetchone()
        assert VALID_ID not in raw_number and "王芳" not in raw_name
        assert VALID_ID not in number_hash
        assert Identity.objects.get(pk=identity.pk).number == VALID_ID
        assert AuditEvent.objects.filter(action="accounts.identity.verified", actor=alice).exists()

    def test_second_account_for_same_identity_is_refused_and_changes_nothing(self, alice, bob):
        identity_verify(user=alice, document_type="cn_resident_id", legal_name="王芳", number=VALID_ID)
        events_before = AuditEvent.objects.count()
        with pytest.raises(ValidationError) as refused:
            identity_verify(user=bob, document_type="cn_resident_id", legal_name="王芳", number=VALID_ID.lower())
        assert error_codes(refused.value) == ["identity.already_bound"]
        assert not Identity.objects.filter(user=bob).exists()
        # Nothing changes but the audit of the refused attempt (issue 12: probing is logged).
        assert list(
            AuditEvent.objects.values_list("action", flat=True)[: AuditEvent.objects.count() - events_before]
        ) == ["accounts.identity.verify_failed"]

    def test_a_user_cannot_bind_a_second_identity(self, alice):
        identity_verify(user=alice, document_type="passport", legal_name="Alice A", number="X1234567", country="GB")
        with pytest.raises(ValidationError) as refused:
            identity_verify(user=alice, document_type="cn_resident_id", legal_name="Alice", number=VALID_ID)
        assert error_codes(refused.value) == ["identity.already_verified"]
        assert Identity.objects.count() == 1

    def test_same_passport_number_of_different_countries_are_different_people(self, alice, bob):
        identity_verify(user=alice, document_type="passport", legal_name="A", number="X1234567", country="GB")
        identity_verify(user=bob, document_type="passport", legal_name="B", number="X1234567", country="FR")
        assert Identity.objects.count() == 2

    def test_invalid_document_changes_nothing(self, alice):
        with pytest.raises(ValidationError) as refused:
            identity_verify(
                user=alice, document_type="cn_resident_id", legal_name="王芳", number=with_bad_check_digit(VALID_ID)
            )
        assert error_codes(refused.value) == ["identity.bad_check_digit"]
        assert Identity.objects.count() == 0

    def test_database_refuses_duplicate_hash_even_without_the_service_check(self, alice, bob):
        identity = identity_verify(user=alice, document_type="cn_resident_id", legal_name="王芳", number=VALID_ID)
        with pytest.raises(IntegrityError), transaction.atomic():
            Identity.objects.create(
                user=bob,
                document_type="cn_resident_id",
                country="CN",
                legal_name="x",
                number=VALID_ID,
                number_hash=identity.number_hash,
                number_masked="x",
            )


@pytest.mark.postgres
@pytest.mark.django_db
class TestIdentityReveal:
    def test_officer_of_the_region_sees_the_number_and_the_read_is_audited(self, alice, bob, superuser):
        identity = identity_verify(user=alice, document_type="cn_resident_id", legal_name="王芳", number=VALID_ID)
        staff_role_grant(granted_by=superuser, user=bob, role=StaffRole.Role.OFFICER, region_prefix="43")
        assert identity_reveal(actor=bob, identity=identity, reason="case review 2026-11") == VALID_ID
        event = AuditEvent.objects.get(action="accounts.identity.revealed")
        assert (event.actor, event.reason, event.region_code) == (bob, "case review 2026-11", "430102")

    def test_officer_of_another_region_is_refused_and_nothing_is_logged_as_read(self, alice, bob, superuser):
        identity = identity_verify(user=alice, document_type="cn_resident_id", legal_name="王芳", number=VALID_ID)
        staff_role_grant(granted_by=superuser, user=bob, role=StaffRole.Role.OFFICER, region_prefix="44")
        with pytest.raises(PermissionDenied) as refused:
            identity_reveal(actor=bob, identity=identity, reason="curious")
        assert error_codes(refused.value) == ["identity.region_not_yours"]
        assert not AuditEvent.objects.filter(action="accounts.identity.revealed").exists()

    def test_a_reason_is_required(self, alice, superuser):
        identity = identity_verify(user=alice, document_type="cn_resident_id", legal_name="王芳", number=VALID_ID)
        with pytest.raises(ValidationError) as refused:
            identity_reveal(actor=superuser, identity=identity, reason="")
        assert error_codes(refused.value) == ["identity.reveal_reason_missing"]
