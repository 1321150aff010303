"""How a table cell reads: on the page, and in a CSV export a spreadsheet opens safely."""

from __future__ import annotations

from decimal import Decimal

# Cells starting with these are formulas to a spreadsheet; a lead source or
# campaign name typed by a user must stay text (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value, kind: str) -> str:
    """A cell as shown on the page (and, without the % sign, in CSV)."""
    if value is None or value == "":
        return "—"
    if kind == "pct":
        return f"{float(value) * 100:.1f}%"
    if kind == "hours":
        return f"{float(value):.1f}"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "int":
        return f"{value:,}" if isinstance(value, int) else str(value)
    return str(value)


def csv_value(value, kind: str):
    """A cell in CSV: plain numbers a spreadsheet reads (rates in percent),
    and text that a spreadsheet never runs as a formula."""
    if value is None:
        return ""
    if kind == "text" and isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if kind == "pct":
        return f"{float(value) * 100:.1f}"
    if kind == "hours":
        return f"{float(value):.2f}"
    if kind == "money":
        return f"{Decimal(value):.2f}"
    return value
