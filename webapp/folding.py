"""Fold a text the way search compares it, in one place below the features.

Search (webapp/program/search.py, and static/js/search.js, held equal by
tests/program/test_search_parity.py) and the speakers' ids (webapp/ids.py) read a text folded:
NFKC, lower case, ß -> ss, accents dropped (é -> e), Hangul kept whole, German umlauts as ae/oe/ue
(or a/o/u), spaces and punctuation left out.
"""

import functools
import re
import unicodedata

_UMLAUTS_AE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_UMLAUTS_A = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
_HANGUL = range(0xAC00, 0xD7A4)
# Scripts written without spaces between words (Hangul, kana, CJK): their words match across spaces.
_NO_SPACES = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u4e00-\u9fff\uac00-\ud7a3]")


# The combining marks of Latin, Greek and Cyrillic accents (the blocks JS's search.js drops too).
_ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _drop_accents(text: str) -> str:
    if text.isascii():
        return text
    # NFD splits Hangul syllables into jamo too (letters, not marks); NFC puts them back together.
    return unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize("NFD", text)))


def fold(text: str, umlauts: str = "ae", spaces: bool = False) -> str:
    """Return text as search compares it: folded, umlauts as ae/oe/ue (or a/o/u), no punctuation.

    Spaces are left out too, unless spaces: then each run of them is one space.
    """
    lowered = unicodedata.normalize("NFKC", text or "").lower()
    spelled = lowered.translate(_UMLAUTS_AE if umlauts == "ae" else _UMLAUTS_A)
    words = _SPACES.sub(" ", _PUNCTUATION.sub("", _drop_accents(spelled))).strip()
    return words if spaces else words.replace(" ", "")


def _fold_char(c: str, table) -> str:
    if c.isascii():
        return c.lower() if c.isalnum() else ""
    if ord(c) in _HANGUL:
        return c
    out = _drop_accents(unicodedata.normalize("NFKC", c).lower().translate(table))
    return _SPACES.sub("", _PUNCTUATION.sub("", out))


@functools.lru_cache(maxsize=4096)
def _char_folds(c: str) -> tuple[str, str] | None:
    """Return what one character folds to (umlauts as ae/oe/ue, as a/o/u), or None for a space.

    Kept per character: marking folds every shown text on every search page, one character at a time.
    """
    if _SPACES.fullmatch(c) or not _SPACES.sub("", unicodedata.normalize("NFKC", c)):
        return None
    return _fold_char(c, _UMLAUTS_AE), _fold_char(c, _UMLAUTS_A)


def fold_mapped(text: str, umlauts: str = "ae", spaces: bool = False) -> tuple[str, list[int]]:
    """Return fold(text) and, for each of its characters, the index of the character of text it came from."""
    which = 0 if umlauts == "ae" else 1
    out, where = [], []
    for i, c in enumerate(text):
        folds = _char_folds(c)
        if folds is None:
            if spaces and out and out[-1] != " ":
                out.append(" ")
                where.append(i)
            continue
        for f in folds[which]:
            out.append(f)
            where.append(i)
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def across_spaces(term: str) -> bool:
    """Tell whether a folded word is matched with spaces left out (Korean: "간호정보" finds "간호 정보")."""
    return bool(_NO_SPACES.search(term))
