"""Free text as it is stored: no bidirectional overrides, no control
characters, nothing invisible at the ends (``leadcourt.text``)."""

from __future__ import annotations

import pytest

from leadcourt.text import text_clean, text_is_blank

RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"
ZWSP, ZWJ, BOM, LRM = "\u200b", "\u200d", "\ufeff", "\u200e"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (f"Budget {RLO}confirmed{PDF} in writing", "Budget confirmed in writing"),
        (f"{LRI}isolated{PDI}", "isolated"),
        ("line one\r\nline two\rline three", "line one\nline two\nline three"),
        ("tab\tand\nnewline stay, bell\x07 and NUL\x00 go", "tab\tand\nnewline stay, bell and NUL go"),
        (f"{ZWSP}{BOM}  padded \u00a0{ZWSP}", "padded"),
        # Right-to-left text needs no controls; the marks and joiners inside stay.
        ("العميل وافق على الميزانية", "العميل وافق على الميزانية"),
        (f"שלום{LRM} ok", f"שלום{LRM} ok"),
        (f"family 👨{ZWJ}👩{ZWJ}👧", f"family 👨{ZWJ}👩{ZWJ}👧"),
        (None, ""),
    ],
)
def test_text_is_stored_without_what_would_mislead_a_reader(typed, stored):
    assert text_clean(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "   ", ZWSP * 5, f"{ZWSP}{ZWJ}{BOM}\u2060", f"{RLO}{PDF}", "\u3000\n\t"]
)
def test_nothing_visible_is_blank(typed):
    assert text_is_blank(typed)


@pytest.mark.parametrize("typed", ["a", f"{ZWSP}x{ZWSP}", "٠", "—"])
def test_anything_visible_is_not_blank(typed):
    assert not text_is_blank(typed)
