"""One person is one identifier, however it was typed: digits of any script, full-width
characters and stray separators are normalised before any check or storage, and names
keep no control or invisible characters."""

import csv
import io

import pytest

from natqueue.tickets.documents import clean_document
from natqueue.validation import Invalid, clean_name, clean_phone
from tests.flow_helpers import call, open_tube, sample

ASCII_ID = "110105195004052429"
_SCRIPTS = {"arabic-indic": 0x0660, "full-width": 0xFF10, "devanagari": 0x0966}


def _in_script(text: str, zero: int) -> str:
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in text)


def _body(id_number: str, phone: str = "13800138000") -> dict:
    return {"name": "王秀兰", "phone": phone, "id_number": id_number}


def test_one_id_in_four_digit_scripts_is_one_person(app, client, site, staff, admin):
    """The issue's case: A001..A004 for one person, four rows in the lab's CSV."""
    first = client.post(f"/api/v1/sites/{site['id']}/tickets",
                        json=_body(_in_script(ASCII_ID, _SCRIPTS["arabic-indic"])))
    assert first.status_code == 201, first.get_json()
    for typed in (ASCII_ID, _in_script(ASCII_ID, _SCRIPTS["full-width"]),
                  _in_script(ASCII_ID, _SCRIPTS["devanagari"])):
        again = client.post(f"/api/v1/sites/{site['id']}/tickets", json=_body(typed))
        assert again.status_code == 409, (typed, again.get_json())
        assert again.get_json()["error"]["code"] == "already_queued"
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 1
    open_tube(client, site["id"], 1, "1000000001", staff)
    sample(client, call(client, site["id"], 1, staff)["id"], staff)
    export = client.get(f"/api/v1/sites/{site['id']}/rounds/1/export.csv", headers=admin)
    rows = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig"))))
    ids = [cell for row in rows[1:] for cell in row if ASCII_ID in cell]
    assert len(rows) == 2 and ids, rows  # one person, one row, with the ID in ASCII
    assert all(cell.isascii() for cell in ids)


@pytest.mark.parametrize("typed", [
    "１１０１０５１９５００４０５２４２９",
    "110105 1950 0405 2429",
    "110105\u200b195004052429",  # copied from a chat message with a zero-width space
    "\u0661\u0661\u0660\u0661\u0660\u0665\u0661\u0669\u0665\u0660\u0660\u0664\u0660\u0665\u0662\u0664\u0662\u0669",
])
def test_resident_ids_are_stored_in_ascii(typed):
    assert clean_document("id", typed) == ("id", ASCII_ID)


def test_the_check_character_x_is_upper_case_in_any_width():
    assert clean_document("id", "11010519491231002ｘ") == ("id", "11010519491231002X")


@pytest.mark.parametrize("typed", ["11010519500405242九", "11010519500405242Ω", "11010519491231002\u0425"])
def test_what_is_still_not_ascii_is_refused(typed):
    with pytest.raises(Invalid) as exc:
        clean_document("id", typed)
    assert exc.value.fields == {"id_number": "format"}


@pytest.mark.parametrize(("doc_type", "typed", "stored"), [
    ("passport", "Ｅ１２３４５６７８", "E12345678"),
    ("passport", "e12345678", "E12345678"),
    ("hk_macau", "ｃ１２３４５６７８", "C12345678"),
    ("taiwan", "\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d", "01234567"),
    ("foreign_pr", "ＵＳＡ３１０８０３１２０００１", "USA310803120001"),
])
def test_every_document_type_is_normalised(doc_type, typed, stored):
    assert clean_document(doc_type, typed) == (doc_type, stored)


def test_a_document_with_letters_of_another_alphabet_is_refused():
    with pytest.raises(Invalid) as exc:
        clean_document("passport", "Е12345678")  # Cyrillic Е, which looks like E
    assert exc.value.fields == {"id_number": "format"}


@pytest.mark.parametrize("typed", ["13８００１３８０００", "＋86 138-0013-8000", "138\u20130013\u20138000",
                                   "\u0661\u0663\u0668\u0660\u0660\u0661\u0663\u0668\u0660\u0660\u0660"])
def test_phones_are_normalised(typed):
    assert clean_phone(typed) == "13800138000"


def test_a_phone_in_another_script_is_one_phone_at_the_api(client, site, staff):
    joined = client.post(f"/api/v1/sites/{site['id']}/tickets", json=_body(ASCII_ID, "13８００１３８０００"))
    assert joined.status_code == 201
    assert joined.get_json()["phone"] == "138****8000"


def test_tube_codes_are_normalised_before_the_one_use_check(client, site, staff):
    opened = open_tube(client, site["id"], 1, "１０００００００٠١", staff)
    assert opened["code"] == "1000000001"
    refused = open_tube(client, site["id"], 2, "1000000001", staff, status=409)
    assert refused["error"]["code"] == "tube_used"
    scanned = client.post(f"/api/v1/sites/{site['id']}/stations/2/scan", json={"code": "１０００００００٠٢"},
                          headers=staff)
    assert scanned.status_code == 200 and scanned.get_json()["tube"]["code"] == "1000000002"
    odd = client.post(f"/api/v1/sites/{site['id']}/stations/2/tube", json={"code": "100000000Ω"}, headers=staff)
    assert odd.status_code == 400


def test_tube_codes_follow_a_lettered_pattern_in_any_case(client, site, staff, admin):
    client.patch(f"/api/v1/sites/{site['id']}/workflow", json={"tube_pattern": r"^T\d{5}$"}, headers=admin)
    assert open_tube(client, site["id"], 1, "ｔ１２３４５", staff)["code"] == "T12345"


def test_staff_codes_typed_full_width_sign_in(client, site):
    code = "".join(chr(0xFF10 + int(c)) for c in site["staff_code"])
    response = client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": code})
    assert response.status_code == 200, response.get_json()
    weird = client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": "码码码码"})
    assert weird.status_code == 400 and weird.get_json()["error"]["fields"] == {"code": "format"}


def test_a_ticket_code_typed_in_capitals_or_full_width_checks_in(client, site, staff):
    ticket = client.post(f"/api/v1/sites/{site['id']}/tickets", json=_body(ASCII_ID)).get_json()
    call(client, site["id"], 1, staff)
    typed = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in ticket["code"].upper())
    checked = client.post(f"/api/v1/sites/{site['id']}/stations/1/scan", json={"code": typed}, headers=staff)
    assert checked.status_code == 200, checked.get_json()
    assert checked.get_json()["ticket"]["id"] == ticket["id"]


@pytest.mark.parametrize("bad", ["王\x00明", "王\x1b[31m明", "\u202e明王", "\u200b", "\u200b\u200b", "\ufeff",
                                 "\u3164", "\ud800王"])
def test_names_with_control_or_invisible_characters_are_refused(bad):
    with pytest.raises(Invalid) as exc:
        clean_name(bad)
    assert exc.value.fields == {"name": "format"} or exc.value.fields == {"name": "required"}


@pytest.mark.parametrize(("typed", "kept"), [
    ("买买提·艾力", "买买提·艾力"),
    ("买买提・艾力", "买买提·艾力"),  # U+30FB, as Japanese input methods type it
    ("买买提•艾力", "买买提·艾力"),  # U+2022
    ("买买提‧艾力", "买买提·艾力"),  # U+2027, from Big5 keyboards
    ("买买提 · 艾力", "买买提·艾力"),
    ("欧阳 娜娜", "欧阳 娜娜"),
    ("José Núñez", "José Núñez"),
    ("𠮷野家", "𠮷野家"),  # a name character outside the basic plane
])
def test_real_names_stay(typed, kept):
    assert clean_name(typed) == kept


def test_a_name_with_a_control_character_is_refused_at_the_api(client, site):
    response = client.post(f"/api/v1/sites/{site['id']}/tickets", json={**_body(ASCII_ID), "name": "王\x1b明"})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"name": "format"}
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 0
