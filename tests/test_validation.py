"""The checks residents meet when they type: real numbers pass, near-misses fail."""

import pytest

from natqueue.validation import (
    Invalid,
    clean_phone,
    clean_resident_id,
    mask_id_number,
    mask_phone,
    resident_id_checksum_ok,
)
from tests.conftest import make_id_number


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # the standard's own example
        "11010519491231002x",  # lower-case x is what people type
        "440305199003151236",
        "320311197001011230",
        " 11010519491231002X ",
    ],
)
def test_valid_resident_ids_pass(number):
    assert clean_resident_id(number) == number.strip().upper()


@pytest.mark.parametrize(
    "number, reason",
    [
        ("110105194912310021", "checksum"),  # one check digit off
        ("11010519491231002Y", "format"),
        ("1101051949123100", "format"),  # 16 digits: too short
        ("1101051949123100211", "format"),
        ("110105194902300027", "birth_date"),  # 30 February
        ("110105299901010025", "birth_date"),  # born in the future
        ("", "required"),  # nothing typed: "fill it in", not "format wrong"
        ("   ", "required"),
    ],
)
def test_invalid_resident_ids_fail_with_a_reason(number, reason):
    with pytest.raises(Invalid) as exc:
        clean_resident_id(number)
    assert exc.value.fields == {"id_number": reason}


def test_every_generated_id_has_the_right_check_character():
    for seed in range(200):
        assert resident_id_checksum_ok(make_id_number(seed))
        # Changing the check character always breaks it.
        number = make_id_number(seed)
        wrong = "0" if number[-1] != "0" else "1"
        assert not resident_id_checksum_ok(number[:-1] + wrong)


@pytest.mark.parametrize("raw", ["13800138000", "+8613800138000", "8613800138000", "138 0013 8000",
                                 "138-0013-8000", "19912345678"])
def test_mobile_numbers_pass_and_lose_their_prefix(raw):
    assert len(clean_phone(raw)) == 11


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "138001380001", "010-12345678", "abc"])
def test_non_mobile_numbers_fail(raw):
    with pytest.raises(Invalid) as exc:
        clean_phone(raw)
    assert exc.value.fields == {"phone": "format"}


@pytest.mark.parametrize("raw", ["", " ", None])
def test_a_phone_left_empty_is_required_not_wrong(raw):
    with pytest.raises(Invalid) as exc:
        clean_phone(raw)
    assert exc.value.fields == {"phone": "required"}


def test_masks_keep_only_what_a_person_recognises():
    assert mask_id_number("420106198001011237") == "4201**********1237"
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_phone("13812345678") == "138****5678"


def test_a_wrong_check_character_x_is_refused():
    """X is a check character like the digits: only the IDs whose weighted sum asks for it have it."""
    refused = 0
    for seed in range(200):
        number = make_id_number(seed)
        if number[-1] == "X":
            continue
        with pytest.raises(Invalid) as exc:
            clean_resident_id(number[:-1] + "X")
        assert exc.value.fields == {"id_number": "checksum"}
        refused += 1
    assert refused > 150


def test_a_join_with_a_wrong_check_character_x_is_refused(client, site):
    number = "44030519900315123X"  # 440305199003151236 with X for its check character 6
    assert resident_id_checksum_ok("440305199003151236")
    response = client.post(f"/api/v1/sites/{site['id']}/tickets",
                           json={"name": "王明", "phone": "13800138000", "id_number": number})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"id_number": "checksum"}
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 0
