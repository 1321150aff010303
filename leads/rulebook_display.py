"""How the rulebook's rules read on a page: label, value with its unit, meaning.

Shared by the one-page rulebook and the case page's "rules that apply".
"""

from __future__ import annotations

from collections.abc import Iterable

from leads.models import RulebookVersion
from leads.services import RULE_FIELDS

# How each rule reads on the rulebook page: its name, and the unit of its
# value (singular, plural). Durations count working time when
# ``business_hours_only`` is on, and the page says so.
RULE_DISPLAY = {
    "mql_min_criteria": ("Criteria to qualify (MQL)", ("criterion", "criteria")),
    "grade_a_min_criteria": ("Criteria for grade A", ("criterion", "criteria")),
    "decision_hours": ("Time to decide", ("hour", "hours")),
    "followup_days": ("Time to follow up", ("day", "days")),
    "touches_grade_a": ("Touches for a grade A lead", ("touch", "touches")),
    "touches_grade_b": ("Touches for a grade B lead", ("touch", "touches")),
    "appeal_days": ("Appeal window", ("day", "days")),
    "review_days": ("Time to a verdict", ("day", "days")),
    "review_mode": ("Review mode", None),
    "sample_percent": ("Audit sample", ("%", "%")),
    "independent_judges": ("Independent judges", None),
    "business_hours_only": ("Business hours only", None),
    "panel_size": ("Judges per case", ("judge", "judges")),
}
DURATION_RULES = ("decision_hours", "followup_days", "appeal_days", "review_days")
# Rules whose model field carries no help text.
RULE_MEANINGS = {
    "review_mode": (
        "Which rejections go before the judges: only those marketing appeals, every rejection, "
        "or a monthly random sample of the unappealed ones."
    ),
}


def _rule_value(rulebook: RulebookVersion, name: str) -> str:
    value = getattr(rulebook, name)
    field = RulebookVersion._meta.get_field(name)
    if field.choices:
        return getattr(rulebook, f"get_{name}_display")()
    if isinstance(value, bool):
        return "on" if value else "off"
    singular, plural = RULE_DISPLAY[name][1]
    if singular == "%":
        return f"{value}%"
    unit = singular if value == 1 else plural
    if name in DURATION_RULES and rulebook.business_hours_only:
        unit = f"working {unit}"
    return f"{value} {unit}"


def rulebook_rules(rulebook: RulebookVersion, names: Iterable[str] = RULE_FIELDS) -> list[dict]:
    """The named rules of ``rulebook``, ready to show."""
    return [
        {
            "name": name,
            "label": RULE_DISPLAY[name][0],
            "value": _rule_value(rulebook, name),
            "meaning": RulebookVersion._meta.get_field(name).help_text or RULE_MEANINGS.get(name, ""),
        }
        for name in names
    ]
