from django import template

from metrics.dashboard import cell_text

register = template.Library()


@register.filter
def cell(row: dict, column) -> str:
    """``{{ row|cell:column }}``: the row's value for the column, formatted by its kind."""
    return cell_text(row.get(column.key), column.kind)
