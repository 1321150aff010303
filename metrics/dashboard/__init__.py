"""The managers' dashboards as data: tables (shown on the page and exported
as CSV from the same rows) and chart specifications.

* ``page`` — ``Dashboard``: one request's reads, tables and sections;
* ``tables`` — every table's columns (``TABLES``) and the breakdown names;
* ``charts`` — the chart specifications, built from the tables' rows;
* ``cells`` — how a cell reads on the page and in CSV.
"""

from metrics.dashboard.cells import cell_text, csv_value
from metrics.dashboard.page import Dashboard
from metrics.dashboard.tables import DIMENSION_LABELS, TABLES, Column, Table

__all__ = ["DIMENSION_LABELS", "TABLES", "Column", "Dashboard", "Table", "cell_text", "csv_value"]
