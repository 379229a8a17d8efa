"""Each document type accepts its real formats and refuses near-misses."""

from datetime import date

import pytest

from natqueue.tickets.documents import age_on, clean_document, person_key
from natqueue.validation import Invalid
from tests.conftest import make_id_number

VALID = [
    ("id", "11010519491231002X", "11010519491231002X"),
    ("id", "11010519491231002x", "11010519491231002X"),  # lower-case x, as people type it
    (None, "440305199003151236", "440305199003151236"),  # no type: a resident ID (the core's body)
    ("passport", "E12345678", "E12345678"),
    ("passport", "EA1234567", "EA1234567"),
    ("passport", "g12345678", "G12345678"),
    ("passport", "SE1234567", "SE1234567"),
    ("passport", "X1234567", "X1234567"),  # a foreign passport's 8-character number
    ("hk_macau", "C12345678", "C12345678"),
    ("hk_macau", "CA1234567", "CA1234567"),
    ("hk_macau", "H12345678", "H12345678"),
    ("hk_macau", "M1234567890", "M1234567890"),
    ("taiwan", "12345678", "12345678"),
    ("taiwan", "L12345678", "L12345678"),
    ("foreign_pr", "USA118001012345", "USA118001012345"),  # 2004 card: nationality, authority, YYMMDD
    ("foreign_pr", make_id_number(7, birth="19850312", area="931840"),
     make_id_number(7, birth="19850312", area="931840")),  # 2023 card: 9, authority, country, GB 11643 check
]

INVALID = [
    ("id", "110105194912310021", "checksum"),
    ("id", "110105194913310028", "birth_date"),
    ("id", "1101051949123100", "format"),
    ("passport", "E1234567", "format"),  # E needs 8 more characters
    ("passport", "EI1234567", "format"),  # I is never used (read as 1)
    ("passport", "ABCDEFGH", "format"),  # no digits
    ("passport", "E123456789", "format"),
    ("hk_macau", "C1234567", "format"),
    ("hk_macau", "K12345678", "format"),
    ("hk_macau", "H123456789", "format"),
    ("taiwan", "1234567", "format"),
    ("taiwan", "T12345678", "format"),
    ("foreign_pr", "US1108801012345", "format"),
    ("foreign_pr", "USA111380101234", "birth_date"),  # month 13
    ("foreign_pr", make_id_number(7, birth="19850312", area="931840")[:-1] + "0", "checksum"),
    ("foreign_pr", "11010519491231002X", "format"),  # a resident ID is not a PR card
]


@pytest.mark.parametrize(("doc_type", "number", "cleaned"), VALID)
def test_real_documents_pass(doc_type, number, cleaned):
    assert clean_document(doc_type, number) == (doc_type or "id", cleaned)


@pytest.mark.parametrize(("doc_type", "number", "reason"), INVALID)
def test_near_misses_are_refused_with_the_reason(doc_type, number, reason):
    with pytest.raises(Invalid) as caught:
        clean_document(doc_type, number)
    assert caught.value.fields == {"id_number": reason}


def test_unknown_document_type_is_refused():
    with pytest.raises(Invalid) as caught:
        clean_document("library_card", "123")
    assert caught.value.fields == {"doc_type": "unknown"}


def test_a_person_is_the_type_and_the_number():
    assert person_key("id", "11010519491231002X") == "11010519491231002X"
    assert person_key("taiwan", "12345678") != person_key("passport", "12345678")


def test_age_from_the_birth_date_on_a_given_day():
    assert age_on("id", "11010519491231002X", date(2019, 12, 30)) == 69
    assert age_on("id", "11010519491231002X", date(2019, 12, 31)) == 70
    assert age_on("passport", "E12345678", date(2026, 1, 1)) is None
