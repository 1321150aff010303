"""What free text people type is cleaned to before it is stored, in every
interface (pages, API, admin).

* Bidirectional embedding, override and isolate controls (U+202A–U+202E,
  U+2066–U+2069) are removed: pasted into a statement, one of them reverses
  the rest of the line it is shown on. Plain right-to-left text needs none
  of them (the browser orders it by itself), and the marks U+200E/U+200F stay.
* Other control characters are removed, except line breaks and tabs;
  ``\\r\\n`` becomes ``\\n``.
* Leading and trailing white space, and invisible characters there
  (zero-width space, joiners, byte-order mark), are stripped.

``text_is_blank`` says whether anything visible is left: a statement of
zero-width spaces is no statement.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KEPT_CONTROLS = frozenset("\n\t")
# Categories with nothing to see: format (zero-width, joiners, BOM), control,
# and separators (spaces, line and paragraph separators).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def text_clean(value: str | None) -> str:
    """``value`` as it should be stored (see the module docstring)."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        char
        for char in text
        if char not in BIDI_CONTROLS and (char in _KEPT_CONTROLS or unicodedata.category(char) != "Cc")
    )
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def text_is_blank(value: str | None) -> bool:
    """Whether ``value`` has nothing a reader could see."""
    return not text_clean(value)
