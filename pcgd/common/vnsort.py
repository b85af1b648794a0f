"""Sorting Vietnamese text and names the way Vietnamese readers expect.

A collation key of our own (PyICU does not install from the project's files): it follows the
Unicode CLDR collation for Vietnamese, which ICU implements, at three levels.

1. **Letters** (primary): the 29-letter alphabet a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t
   u ư v x y, the foreign letters f j w z at their Latin places, digits before letters, a space
   before everything. Letter shapes (ă â đ ê ô ơ ư) make different letters; digraphs (ch, gi, ng,
   nh, ph, th, tr, kh, qu) are plain letter sequences, as in modern dictionaries and in ICU.
   Other characters (punctuation) sort before the letters, by code point.
2. **Tones** (secondary), compared only when the letters are equal: none < huyền (à) < hỏi (ả) <
   ngã (ã) < sắc (á) < nặng (ạ), the CLDR order. The tone counts per syllable (word), so the
   old and the new tone placement ("hoà", "hòa") sort as one.
3. **Case** (tertiary): lower before upper.

Names sort by given name (the last word), then family and middle names (`name_key`), which is
how Vietnamese class lists and verification lists are ordered.

The key is built with `str.translate` tables prepared once (every precomposed Vietnamese letter
maps to its letter's weight and to its tone), so sorting a province's lists stays cheap.
"""

from __future__ import annotations

import unicodedata

__all__ = ["name_key", "sort_names", "text_key"]

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_TONE_MARKS = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_BASE = 0x3000  # primary weights are characters from here on: space, digits, then letters


def _tables() -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """char → its primary weight (as one character); toned char → its tone digit; letter →
    its case ("0" lower, "1" upper)."""
    primary: dict[int, str] = {ord(" "): chr(_BASE)}
    tones: dict[int, str] = {}
    case_of: dict[int, str] = {}
    for d in range(10):
        primary[ord(str(d))] = chr(_BASE + 1 + d)
    for i, letter in enumerate(_ALPHABET):
        weight = chr(_BASE + 20 + i)
        for case, flag in ((letter, "0"), (letter.upper(), "1")):
            primary[ord(case)] = weight
            case_of[ord(case)] = flag
            for mark, tone in _TONE_MARKS.items():
                toned = unicodedata.normalize("NFC", case + mark)
                if len(toned) == 1:
                    primary[ord(toned)] = weight
                    tones[ord(toned)] = str(tone)
                    case_of[ord(toned)] = flag
    return primary, tones, case_of


_PRIMARY, _TONES, _CASE = _tables()
# Keeps only tone digits and spaces: every other letter, digit and mark is dropped.
_TONE_ONLY: dict[int, str | None] = {
    **{code: None for code in _PRIMARY if code != ord(" ")}, **_TONES,
}
Key = tuple[str, str, str]


def text_key(text: str) -> Key:
    """Collation key of any Vietnamese text: (letters, one tone per word, case)."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    tones = "".join(max(word) if word else "0"
                    for word in text.translate(_TONE_ONLY).split(" "))
    return text.translate(_PRIMARY), tones, text.translate(_CASE)


def name_key(full_name: str) -> tuple[Key, Key]:
    """Key of a person's full name: given name, then family and middle names (each compared
    letters first, then tones, then case)."""
    words = full_name.split()
    if not words:
        return ("", "", ""), ("", "", "")
    return text_key(words[-1]), text_key(" ".join(words[:-1]))


def sort_names(names: list[str]) -> list[str]:
    """The names in Vietnamese list order."""
    return sorted(names, key=name_key)
