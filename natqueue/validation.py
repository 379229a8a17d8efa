"""Checks on what residents and staff type, shared by the API and the CLI.

Each check returns the cleaned value or raises ``Invalid`` naming the field,
so the API can answer with every bad field at once.
"""

import functools
import re
import unicodedata

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_PHONE = re.compile(r"^(?:\+?86)?(1[3-9][0-9]{9})$")
SITE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class Invalid(ValueError):
    """One or more fields are wrong; ``fields`` maps each to a reason code."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


@functools.lru_cache(maxsize=8)
def _ascii_drops(keep: str) -> dict:
    """The translation table deleting what ``plain_code`` drops from ASCII text."""
    return str.maketrans("", "", "".join(ch for ch in " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f-" if ch not in keep))


def plain_code(value: str, keep: str = "", upper: bool = True) -> str:
    """What a person meant by an identifier they typed, scanned or pasted, in ASCII.

    NFKC folds full-width characters (``１３８``, ``Ｅ``) into ASCII; every other decimal
    digit (Arabic-Indic ``١``, Devanagari ``१``...) becomes its ASCII digit; spaces, dashes
    and invisible format characters (a zero-width space from a chat message) are dropped,
    except the separators in ``keep``; letters are upper-cased when ``upper``. Without this,
    one ID written in four scripts was four people. Whatever still is not ASCII stays, for
    the caller's ASCII-only format to refuse."""
    if value.isascii():  # nearly every join: the same answer without a pass per character
        text = value.translate(_ascii_drops(keep))
        return text.upper() if upper else text
    out = []
    for ch in unicodedata.normalize("NFKC", value):
        if ch in keep:
            out.append(ch)
        elif ch.isascii():
            if not ch.isspace() and ch != "-":
                out.append(ch)
        elif (digit := unicodedata.decimal(ch, None)) is not None:
            out.append(str(digit))
        elif not ch.isspace() and unicodedata.category(ch) not in ("Pd", "Cf"):
            out.append(ch)
    text = "".join(out)
    return text.upper() if upper else text


def resident_id_checksum_ok(number: str) -> bool:
    """GB 11643-1999: weighted sum of the first 17 digits mod 11 picks the check character."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=False))
    return _ID_CHECK[total % 11] == number[17]


def _valid_birth_date(number: str) -> bool:
    from datetime import date

    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def clean_resident_id(value) -> str:
    """A mainland resident ID: 18 characters, a real birth date, and a matching check character.
    Nothing typed is ``required``, not ``format``: the resident is told to fill it in."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid({"id_number": "required"})
    number = plain_code(value)
    if not _ID_SHAPE.match(number):
        raise Invalid({"id_number": "format"})
    if not _valid_birth_date(number):
        raise Invalid({"id_number": "birth_date"})
    if not resident_id_checksum_ok(number):
        raise Invalid({"id_number": "checksum"})
    return number


def clean_phone(value) -> str:
    """A mainland mobile number, stored without the +86 prefix so one person has one form."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid({"phone": "required"})
    match = _PHONE.match(plain_code(value).replace("(", "").replace(")", ""))
    if not match:
        raise Invalid({"phone": "format"})
    return match.group(1)


#: Ways people type the middle dot of a minority name (买买提·艾力): katakana middle dot, bullet,
#: hyphenation point (Big5 keyboards), half-width katakana dot, dot and bullet operators,
#: Greek ano teleia, word-separator dot. All are stored as U+00B7.
_MIDDLE_DOTS = re.compile(r"\s*[\u00b7\u30fb\u2022\u2027\uff65\u22c5\u2219\u0387\u2e31]\s*")
#: Letters that show as nothing (Hangul fillers, the braille blank): a name of only these is empty.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: Control, format (zero-width, bidi overrides, BOM), surrogate and unassigned-separator categories.
_REFUSED_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))


def clean_name(value, field: str = "name", limit: int = 40) -> str:
    """A name (or an address, a reason) as people write it, but nothing a screen, a CSV or
    a terminal would take as a command or show as nothing: no NUL, ESC, bidi override,
    zero-width character, BOM or lone surrogate. Middle dots are stored as U+00B7."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid({field: "required"})
    name = _MIDDLE_DOTS.sub("\u00b7", " ".join(value.split()))
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES or ch in _BLANK_LETTERS for ch in name):
        raise Invalid({field: "format"})
    if len(name) > limit:
        raise Invalid({field: "too_long"})
    return name


def clean_site_id(value) -> str:
    if not isinstance(value, str) or not SITE_ID.match(value):
        raise Invalid({"id": "format"})
    return value


def clean_tube_code(value, error: str, field: str = "tube") -> str:
    """A tube code named in a request (to move a sample into, or the one a mark was made with).

    Its pattern is the site's (``workflow.is_tube_code``) where a tube is opened; here only
    its shape is checked. ``error`` is the code reported for ``field`` when it is not one."""
    code = plain_tube_code(value) if isinstance(value, str) and len(value) <= 100 else ""
    if not code:
        raise Invalid({field: error})
    return code


def plain_tube_code(value: str) -> str:
    """A tube barcode as the site's pattern and the one-use check see it: ASCII digits,
    upper-case letters, no spaces; anything still not ASCII makes it ``""`` (no code).
    Dashes stay: a site's codes may have them."""
    code = plain_code(value, keep="-")
    return code if code.isascii() else ""


def clean_request_id(value) -> str | None:
    """An ``Idempotency-Key``: optional, but when given it must be short and plain."""
    if value is None or value == "":
        return None
    if not REQUEST_ID.match(value):
        raise Invalid({"Idempotency-Key": "format"})
    return value


def collect(**checks) -> dict:
    """Run every check and raise one ``Invalid`` naming all bad fields, not just the first."""
    cleaned, bad = {}, {}
    for name, check in checks.items():
        try:
            cleaned[name] = check()
        except Invalid as exc:
            bad.update(exc.fields)
    if bad:
        raise Invalid(bad)
    return cleaned


def mask_id_number(number: str) -> str:
    """``4201**********123X``: enough for a resident to recognise, useless to anyone else.
    A short document (passport, permit: 8 or 9 characters) keeps only its first and last two,
    since 'first 4, last 4' would show all of it."""
    if not number or len(number) < 6:
        return "*" * len(number or "")
    if len(number) < 15:
        return number[:1] + "*" * (len(number) - 3) + number[-2:]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str) -> str:
    """``138****5678``."""
    if not phone or len(phone) < 7:
        return "*" * len(phone or "")
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """``张*明``, ``李*``: a sweep team at the door can ask for 张先生, a passer-by learns nothing.
    Longer names keep their first and last letters and their length."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
