"""Chinese text uses the full-width colon (：): an ASCII ':' between Chinese words, or closing
a label, reads as a typo to a Chinese reader. Placeholders and times (07:30) keep theirs."""

import os
import re

from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOG = os.path.join(ROOT, "translations", "zh_CN", "LC_MESSAGES", "messages.po")
TEMPLATES = os.path.join(ROOT, "templates")
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
# An ASCII colon next to Chinese (spaces between allowed), or ending the text (a label).
ASCII_COLON = re.compile(rf"[{CJK}]\s*:|:\s*[{CJK}]|:\s*$")
# A translated string followed by an ASCII colon in a template: in Chinese, "标签:".
COLON_AFTER_STRING = re.compile(r"\}\}\s*:")


def test_the_chinese_catalog_uses_full_width_colons():
    with open(CATALOG, "rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    wrong = [(m.id, m.string) for m in catalog if m.id and m.string
             for text in ([m.string] if isinstance(m.string, str) else m.string) if ASCII_COLON.search(text)]
    assert not wrong, wrong


def test_no_template_puts_an_ascii_colon_after_a_translated_string():
    wrong = []
    for name in sorted(os.listdir(TEMPLATES)):
        if not name.endswith(".html"):
            continue
        with open(os.path.join(TEMPLATES, name), encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if COLON_AFTER_STRING.search(line):
                    wrong.append(f"{name}:{number}: {line.strip()}")
    assert not wrong, "put the colon inside the msgid (_('Label:')), translated as '：'\n" + "\n".join(wrong)


def test_the_rule_catches_what_it_should():
    for wrong in ("采样台状态:", "试管 %(code)s: 满", "状态 : 开"):
        assert ASCII_COLON.search(wrong), wrong
    for right in ("要填写时间，例如 07:30", "采样台状态："):
        assert not ASCII_COLON.search(right), right
    assert COLON_AFTER_STRING.search("{{ _('Join page') }}: <a>")
    assert not COLON_AFTER_STRING.search("{{ _('Join page:') }}")
