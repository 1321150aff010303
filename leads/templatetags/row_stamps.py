"""A row's actions, rendered once per page and stamped for each row.

A list page shows the same action forms on every row (accept, reject, log a
touch, …): the same markup, the same reason codes, the same CSRF token,
differing only by the lead's id (in the URL, the element ids and the HTMX
target) and, in a heading, its name. Rendered per row through the template
engine, they were most of a page's time: a 25-row inbox rendered about 300
templates. ``{% per_lead "reject" %} … {% endper_lead %}`` renders its
content once per page for a stand-in lead whose id and name cannot occur in
any other text, and then, for each row, replaces them by the row's own.

A row whose form came back with errors (``open_form`` names the block) is
rendered in full, as is any row rendered without ``row_stamps`` (the lead
page, a single row answered to HTMX that has no stamps of its own).
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()

# The stand-in lead's id: 2**62 + 42, nineteen digits, far above any lead id
# this application will hand out and too long a run of digits to occur by
# chance in a page's markup (a CSRF token holds letters too).
PLACEHOLDER_ID = 2**62 + 42
# The stand-in lead's name, as the template escapes it (nothing to escape).
PLACEHOLDER_NAME = "\u2063lead-name-placeholder\u2063"


class PlaceholderLead:
    """What a ``per_lead`` block sees as ``lead`` while it is rendered once:
    only ``pk`` and the name may be used inside such a block."""

    pk = id = PLACEHOLDER_ID

    def __str__(self) -> str:
        return PLACEHOLDER_NAME


class RowStamps(dict):
    """One page's rendered ``per_lead`` blocks (by block), and what a row's
    blocks see besides the lead (``context_for(lead_id)``: its blank forms),
    for the stand-in lead."""

    def __init__(self, context_for=None):
        super().__init__()
        self._context_for = context_for or (lambda lead_id: {})
        self._placeholder_context = None

    @property
    def placeholder_context(self) -> dict:
        if self._placeholder_context is None:
            self._placeholder_context = self._context_for(PLACEHOLDER_ID)
        return self._placeholder_context


class PerLeadNode(template.Node):
    def __init__(self, name: template.base.FilterExpression, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context) -> str:
        stamps = context.get("row_stamps")
        lead = context.get("lead")
        name = self.name.resolve(context)
        if stamps is None or lead is None or context.get("open_form") == name:
            return self.nodelist.render(context)
        # The block, and the action it was drawn for when the name is a
        # variable (one block in a loop over the row's actions).
        key = (self, name)
        html = stamps.get(key)
        if html is None:
            with context.push(**stamps.placeholder_context, lead=PlaceholderLead(), open_form=None):
                html = self.nodelist.render(context)
            stamps[key] = html
        stamped = html.replace(str(PLACEHOLDER_ID), str(int(lead.pk))).replace(
            PLACEHOLDER_NAME, conditional_escape(str(lead))
        )
        # The block was escaped as it rendered; the id is a number and the
        # name is escaped here.
        return mark_safe(stamped)  # noqa: S308


@register.tag
def per_lead(parser, token):
    """``{% per_lead "action" %}…{% endper_lead %}`` (or ``{% per_lead
    action %}`` in a loop over a row's actions): see the module."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError('per_lead takes one action name: {% per_lead "reject" %}')
    nodelist = parser.parse(("endper_lead",))
    parser.delete_first_token()
    return PerLeadNode(parser.compile_filter(bits[1]), nodelist)
