"""Sorting Vietnamese text and names the way Vietnamese readers expect.

A collation key of our own (PyICU does not install from the project's files): it follows the
Unicode CLDR collation for Vietnamese, which ICU implements, at three levels.

1. **Letters** (primary): the 29-letter alphabet a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t
   u ư v x y, the foreign letters f j w z at their Latin places, digits before letters, a space
   before everything. Letter shapes (ă â đ ê ô ơ ư) make different letters; digraphs (ch, gi, ng,
   nh, ph, th, tr, kh, qu) are plain letter sequences, as in modern dictionaries and in ICU.
2. **Tones** (secondary), compared only when the letters are equal: none < huyền (à) < hỏi (ả) <
   ngã (ã) < sắc (á) < nặng (ạ), the CLDR order. The tone counts per syllable (word), so the
   old and the new tone placement ("hoà", "hòa") sort as one.
3. **Case** (tertiary): lower before upper.

Names sort by given name (the last word), then family and middle names (`name_key`), which is
how Vietnamese class lists and verification lists are ordered.
"""

from __future__ import annotations

import unicodedata

__all__ = ["name_key", "sort_names", "text_key"]

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER = {ch: i for i, ch in enumerate(_ALPHABET)}
_DIGITS = {str(d): d for d in range(10)}
# Primary weights: space 0, digits 1–10, letters 20…, anything else after the letters.
_SPACE, _DIGIT0, _LETTER0, _OTHER0 = 0, 1, 20, 100

# Combining marks that change the letter (primary) and those that are tones (secondary).
_SHAPE = {"\u0306": "ă", "\u0302": "^", "\u031b": "'"}  # breve, circumflex, horn
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_WITH_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
_WITH_HORN = {"o": "ơ", "u": "ư"}

Key = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def _letters(text: str) -> tuple[list[int], list[int], list[int]]:
    """Primary weights, one tone per word, and case flags of `text`."""
    primary: list[int] = []
    tones: list[int] = []
    case: list[int] = []
    word_tone = 0
    in_word = False
    for ch in unicodedata.normalize("NFD", text.strip()):
        if ch in _TONES:
            word_tone = _TONES[ch]
            continue
        if ch in _SHAPE:
            if primary and primary[-1] >= _LETTER0:
                base = _ALPHABET[primary[-1] - _LETTER0]
                shaped = {"\u0306": {"a": "ă"}, "\u0302": _WITH_CIRCUMFLEX,
                          "\u031b": _WITH_HORN}[ch].get(base)
                if shaped:
                    primary[-1] = _LETTER0 + _LETTER[shaped]
            continue
        if unicodedata.category(ch) == "Mn":
            continue  # other marks carry no weight
        if ch.isspace():
            if in_word:
                tones.append(word_tone)
                word_tone, in_word = 0, False
                if primary and primary[-1] != _SPACE:
                    primary.append(_SPACE)
            continue
        in_word = True
        low = ch.lower()  # "Đ" has no decomposition: it lowers to the letter "đ"
        if low in _LETTER:
            primary.append(_LETTER0 + _LETTER[low])
        elif low in _DIGITS:
            primary.append(_DIGIT0 + _DIGITS[low])
        else:
            primary.append(_OTHER0 + ord(low))
        case.append(0 if ch == low else 1)
    if in_word:
        tones.append(word_tone)
    return primary, tones, case


def text_key(text: str) -> Key:
    """Collation key of any Vietnamese text (letters, then tones, then case)."""
    primary, tones, case = _letters(text)
    return tuple(primary), tuple(tones), tuple(case)


def name_key(full_name: str) -> tuple[Key, Key, Key]:
    """Key of a person's full name: given name, then family and middle names, then the whole
    name as written (so the order is total and stable)."""
    words = full_name.split()
    if not words:
        empty: Key = ((), (), ())
        return empty, empty, empty
    return text_key(words[-1]), text_key(" ".join(words[:-1])), text_key(full_name)


def sort_names(names: list[str]) -> list[str]:
    """The names in Vietnamese list order."""
    return sorted(names, key=name_key)
