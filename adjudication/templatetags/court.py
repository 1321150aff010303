"""Template tags the court offers other apps' pages.

``{% lead_cases lead %}`` shows, on the lead page, the cases about the lead
that the viewer may see: the leads app's template asks the court for the
fragment, so the leads app imports nothing of the court (see leads/hooks.py).
"""

from __future__ import annotations

from django import template

from adjudication.selectors import cases_for_lead

register = template.Library()


@register.inclusion_tag("adjudication/_lead_cases.html", takes_context=True)
def lead_cases(context, lead) -> dict:
    return {"cases": list(cases_for_lead(lead=lead, user=context["request"].user))}
