"""Identity documents a site accepts, each with the check its real format allows.

A person is identified by (document type, number). The key used in Redis for
"is this person already queued / already sampled this round" is the bare
number for a resident ID (so records from before other documents existed keep
their meaning) and ``<type>:<number>`` for the others.
"""

import re
from datetime import date

from natqueue.validation import Invalid, clean_resident_id, plain_code, resident_id_checksum_ok

RESIDENT_ID = "id"
PASSPORT = "passport"
HK_MACAU = "hk_macau"
TAIWAN = "taiwan"
FOREIGN_PR = "foreign_pr"
DOC_TYPES = (RESIDENT_ID, PASSPORT, HK_MACAU, TAIWAN, FOREIGN_PR)

# Chinese passports: E + 8 digits, E + letter (no I/O) + 7 digits, G + 8 digits,
# DE/SE/PE + 7 digits. Foreign passports: the ICAO 9303 document number field,
# 6 to 9 letters or digits with at least two digits.
_PASSPORT_CN = re.compile(r"^(?:E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8}|[DSP]E\d{7})$", re.ASCII)
_PASSPORT_ICAO = re.compile(r"^(?=(?:[A-Z]*\d){2})[A-Z0-9]{6,9}$", re.ASCII)
# Mainland residents' permit to Hong Kong and Macau (C + 8, or C + letter + 7), and the
# home-return permit of Hong Kong and Macau residents (H/M + 8 digits; 10 digits before 2013).
_HK_MACAU = re.compile(r"^(?:C\d{8}|C[A-HJ-NP-Z]\d{7}|[HM]\d{8}(?:\d{2})?)$", re.ASCII)
# Taiwan residents' permit (8 digits; 10 before 2015) and mainland residents' permit to Taiwan (L + 8).
_TAIWAN = re.compile(r"^(?:\d{8}|\d{10}|L\d{8})$", re.ASCII)
# Foreign permanent residence card: 3-letter nationality + 2-digit authority + YYMMDD + 4 digits
# (2004 card, 15 characters), or 9 + 2-digit authority + 3-digit nationality + YYYYMMDD + 3 digits
# + a GB 11643 check character (2023 card, 18 characters).
_PR_OLD = re.compile(r"^[A-Z]{3}\d{12}$", re.ASCII)
_PR_NEW = re.compile(r"^9\d{16}[\dX]$", re.ASCII)


def _plain(value, field: str) -> str:
    """The number in ASCII upper case (see ``plain_code``); every format here is ASCII."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid({field: "required"})
    plain = plain_code(value)
    if not plain.isascii():
        raise Invalid({field: "format"})
    return plain


def _birth_ok(born: date | None) -> bool:
    return born is not None and date(1900, 1, 1) <= born <= date.today()


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def birth_date(doc_type: str, number: str) -> date | None:
    """The birth date a document number carries, when its format has one."""
    if doc_type == RESIDENT_ID or (doc_type == FOREIGN_PR and len(number) == 18):
        return _date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    if doc_type == FOREIGN_PR and len(number) == 15:
        yy = int(number[5:7])
        century = 2000 if yy <= date.today().year % 100 else 1900
        return _date(century + yy, int(number[7:9]), int(number[9:11]))
    return None


def clean_document(doc_type, number, field: str = "id_number") -> tuple[str, str]:
    """(type, cleaned number) or ``Invalid``. No type means a resident ID (the core's join body)."""
    doc_type = doc_type or RESIDENT_ID
    if doc_type not in DOC_TYPES:
        raise Invalid({"doc_type": "unknown"})
    if doc_type == RESIDENT_ID:
        try:
            return doc_type, clean_resident_id(number)
        except Invalid as exc:
            raise Invalid({field: exc.fields["id_number"]}) from None
    plain = _plain(number, field)
    if doc_type == PASSPORT:
        # E, G, DE, SE and PE are Chinese series: those must have the Chinese format.
        chinese = plain[:1] in ("E", "G") or plain[:2] in ("DE", "SE", "PE")
        ok = bool(_PASSPORT_CN.match(plain) if chinese else _PASSPORT_ICAO.match(plain))
    elif doc_type == HK_MACAU:
        ok = bool(_HK_MACAU.match(plain))
    elif doc_type == TAIWAN:
        ok = bool(_TAIWAN.match(plain))
    else:
        ok = bool(_PR_OLD.match(plain) or _PR_NEW.match(plain))
        if ok and not _birth_ok(birth_date(doc_type, plain)):
            raise Invalid({field: "birth_date"})
        if ok and len(plain) == 18 and not resident_id_checksum_ok(plain):
            raise Invalid({field: "checksum"})
    if not ok:
        raise Invalid({field: "format"})
    return doc_type, plain


def person_key(doc_type: str, number: str) -> str:
    return number if doc_type == RESIDENT_ID else f"{doc_type}:{number}"


def age_on(doc_type: str, number: str, today: date) -> int | None:
    """Full years on ``today`` (the site's clock), or None when the document carries no birth date."""
    born = birth_date(doc_type, number)
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
