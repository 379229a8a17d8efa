"""Chinese first, English second: what residents and staff read, and a catalog that keeps up with the code.

The catalog tests extract every msgid from the code and templates exactly as
``scripts/i18n.sh`` does (same ``babel.cfg``, same keywords), so a string added
without a Chinese translation fails here by name instead of showing English to
an elderly resident.
"""

import gettext
import os
import re

import pytest
from babel import Locale
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import person

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOG_DIR = os.path.join(ROOT, "translations", "zh_CN", "LC_MESSAGES")
# Keep in step with KEYWORDS in scripts/i18n.sh.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CJK = re.compile(r"[\u4e00-\u9fff]")

# The resident page's main labels: (English msgid, what a Chinese phone must show).
RESIDENT_LABELS = [
    ("Take a number", "排队取号"),
    ("People ahead of you", "您前面还有"),
    ("Estimated wait", "预计等待"),
    ("Leave the queue", "离开队伍"),
    ("Your turn is coming soon. Please come to the sampling site now.", "快到您了，请前往采样点"),
    ("Please go to station {n}", "请到 {n} 号采样台"),
    ("Called: go to station {n}", "已叫号：请到 {n} 号采样台"),
    ("about {n} min", "约 {n} 分钟"),
]
STATION_LABELS = [
    ("Call next", "叫号"),
    ("Recall", "重呼"),
    ("No-show", "过号"),
    ("Sampled", "已采样"),
    ("Staff code", "工作人员口令"),
]
BAD_JOIN = {"name": "", "phone": "12345", "id_number": "110105198001010000"}


def _po():
    with open(os.path.join(CATALOG_DIR, "messages.po"), "rb") as fh:
        return read_po(fh, locale="zh_CN")


def _mo():
    with open(os.path.join(CATALOG_DIR, "messages.mo"), "rb") as fh:
        return read_mo(fh)


def _msgid(message_id) -> str:
    return message_id[0] if isinstance(message_id, tuple | list) else message_id


def _extracted() -> dict[str, str]:
    """Every msgid in the code and templates today, with where it was found."""
    with open(os.path.join(ROOT, "babel.cfg")) as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault(_msgid(message), f"{filename}:{lineno}")
    return found


def _resident_page(client, site, **headers):
    response = client.get(f"/s/{site['id']}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- what people see ------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Accept-Language": "zh-CN,zh;q=0.9"}, {"Accept-Language": "zh"}])
def test_resident_page_is_chinese_by_default_and_for_chinese_phones(client, site, headers):
    page = _resident_page(client, site, **headers)
    assert '<html lang="zh-CN">' in page
    for english, chinese in RESIDENT_LABELS:
        assert chinese in page
        assert english not in page


@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9", "en-GB"])
def test_resident_page_is_english_for_english_phones(client, site, accept):
    page = _resident_page(client, site, **{"Accept-Language": accept})
    assert '<html lang="en">' in page
    for english, chinese in RESIDENT_LABELS:
        assert english in page
        assert chinese not in page


def test_language_chosen_with_lang_sticks_on_the_next_visit(client, site):
    page = client.get(f"/s/{site['id']}?lang=en", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "Take a number" in page
    # Reopened later without ?lang=: still English, though the phone prefers Chinese.
    again = _resident_page(client, site, **{"Accept-Language": "zh-CN"})
    assert "Take a number" in again and "排队取号" not in again
    # And back to Chinese the same way.
    client.get(f"/s/{site['id']}?lang=zh_CN")
    back = _resident_page(client, site, **{"Accept-Language": "en"})
    assert "排队取号" in back and "Take a number" not in back


def test_unknown_lang_falls_back_to_the_phone_language(client, site):
    page = client.get(f"/s/{site['id']}?lang=fr").get_data(as_text=True)
    assert "排队取号" in page
    assert client.get_cookie("natq_lang") is None


def test_station_console_labels_follow_the_language(client, site):
    zh = client.get(f"/station/{site['id']}/1").get_data(as_text=True)
    en = client.get(f"/station/{site['id']}/1", headers={"Accept-Language": "en"}).get_data(as_text=True)

    def shown(text, page):  # an element's whole text: "Sampled" is not "Sampled. Thank you!"
        return re.search(rf">\s*{re.escape(text)}\s*<", page) is not None

    for english, chinese in STATION_LABELS:
        assert shown(chinese, zh) and not shown(english, zh), english
        assert shown(english, en) and not shown(chinese, en), english
    # Station statuses, shown by the console's script.
    assert '"开放"' in zh and '"暂停"' in zh and '"关闭"' in zh


# --- API error messages ----------------------------------------------------------


def test_invalid_join_explains_itself_in_chinese_by_default(client, site):
    response = client.post(f"/api/v1/sites/{site['id']}/tickets", json=BAD_JOIN)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == _po().get("Some fields are not valid.").string
    assert CJK.search(error["message"])
    assert set(error["fields"]) == {"name", "phone", "id_number"}


def test_invalid_join_explains_itself_in_english_for_english_phones(client, site):
    response = client.post(f"/api/v1/sites/{site['id']}/tickets", json=BAD_JOIN,
                           headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "Some fields are not valid."


def test_domain_errors_are_translated_per_request(client, site, join):
    """Messages defined once at import time (lazy) still follow each request's language."""
    join(1)
    url = f"/api/v1/sites/{site['id']}/tickets"
    zh = client.post(url, json=person(1)).get_json()["error"]
    en = client.post(url, json=person(1), headers={"Accept-Language": "en"}).get_json()["error"]
    assert zh["code"] == en["code"] == "already_queued"
    assert zh["message"] == "这个身份证号已经在排队了。"
    assert en["message"] == "This ID number is already in the queue."


# --- the catalog keeps up with the code ------------------------------------------


def test_every_ui_string_has_a_chinese_translation():
    extracted = _extracted()
    assert "Take a number" in extracted and "Some fields are not valid." in extracted  # extraction works
    po, mo = _po(), _mo()
    problems = []
    for msgid, where in sorted(extracted.items(), key=lambda item: item[1]):
        entry, compiled = po.get(msgid), mo.get(msgid)
        if entry is None:
            problems.append(f"{where}: {msgid!r} is not in messages.po (run scripts/i18n.sh)")
        elif not _msgid(entry.string) or entry.fuzzy:
            problems.append(f"{where}: {msgid!r} has no confirmed Chinese (empty or fuzzy) in messages.po")
        elif compiled is None or not _msgid(compiled.string):
            problems.append(f"{where}: {msgid!r} is missing from messages.mo (run scripts/i18n.sh)")
    assert not problems, "Untranslated UI strings:\n" + "\n".join(problems)


def test_flask_babel_finds_the_chinese_catalog():
    """Babel reads zh_CN as zh_Hans_CN and gettext looks for that directory: it must reach zh_CN's catalog."""
    found = gettext.find("messages", os.path.join(ROOT, "translations"), [str(Locale.parse("zh_CN"))])
    assert found is not None, "translations/zh_Hans_CN must point at zh_CN (scripts/i18n.sh makes the link)"
    assert os.path.samefile(found, os.path.join(CATALOG_DIR, "messages.mo"))


def test_translations_keep_their_placeholders():
    """``%(n)s`` lost in a translation would show residents no station number, or crash the page."""
    def names(text) -> set[str]:
        return set(PLACEHOLDER.findall(_msgid(text)))

    broken = [f"{m.id!r} -> {m.string!r}" for m in _po() if m.string and names(m.id) != names(m.string)]
    assert not broken, "Placeholders differ:\n" + "\n".join(broken)


def test_compiled_catalog_matches_the_po_file():
    """A .po edited but not compiled means the app still shows the old (or English) text."""
    po, mo = _po(), _mo()
    expected = {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}
    compiled = {m.id: m.string for m in mo if m.id}
    stale = sorted(
        f"{msgid!r}: po {expected.get(msgid)!r}, mo {compiled.get(msgid)!r}"
        for msgid in set(expected) | set(compiled)
        if expected.get(msgid) != compiled.get(msgid)
    )
    assert not stale, "messages.mo is out of date, run scripts/i18n.sh:\n" + "\n".join(stale)
