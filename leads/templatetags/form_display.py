"""Rendering form fields accessibly: the widget points at its help text and
its error message (``aria-describedby``) and says when it is invalid."""

from __future__ import annotations

from django import forms, template

register = template.Library()


@register.simple_tag
def field_widget(field, **attrs):
    """``{% field_widget form.note %}``: the widget with ``aria-describedby``
    naming the ids ``_field.html`` gives the help and error texts."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_help")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def widget_kind(field) -> str:
    """ "group" for radio buttons and checkbox lists (a fieldset with a legend),
    "checkbox" for a single checkbox (label after the box), else "input"."""
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "group"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"
