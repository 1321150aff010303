"""The pagination of ``GET /leads/``: page numbers, with a capped count.

Same shape as every API list (``{count, next, previous, results}``, SPEC §9)
plus ``count_is_capped``: the leads are counted up to ``COUNT_CAP`` and no
further (``leads.pagination.count_capped``), so that a page costs the same at
a thousand leads and at a million (a ``search`` counts its matches up to
``SEARCH_COUNT_CAP``). Past the cap ``count`` is the cap,
``count_is_capped`` is true, and ``next`` is there as long as there are more
rows (the page reads one row more than it shows). A page past the end, or a
page that is not a positive number, is a 404 ``not_found`` as before.
"""

from __future__ import annotations

from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from leads import pagination as lists
from leads.pagination import offset_page


class CappedCountPagination(pagination.PageNumberPagination):
    """``PageNumberPagination`` (same parameters: ``page``, ``page_size`` up to
    200) whose count stops at ``COUNT_CAP``."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        raw = request.query_params.get(self.page_query_param) or "1"
        # isascii(): str.isdigit() is also true of "³", which int() refuses.
        number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0
        if number < 1:
            raise NotFound("Invalid page: give a page number from 1.")
        searched = bool(request.query_params.get("search", "").strip())
        self.capped_page = offset_page(
            queryset,
            number=number,
            size=self.get_page_size(request),
            clamp=False,
            cap=lists.SEARCH_COUNT_CAP if searched else None,
        )
        if number > 1 and not self.capped_page.rows:
            raise NotFound("Invalid page: there are fewer results.")
        return self.capped_page.rows

    def get_next_link(self):
        if not self.capped_page.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.capped_page.next_page_number)

    def get_previous_link(self):
        if not self.capped_page.has_previous:
            return None
        url = self.request.build_absolute_uri()
        if self.capped_page.previous_page_number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.capped_page.previous_page_number)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.capped_page.count,
                "count_is_capped": self.capped_page.count_is_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        cap, search_cap = lists.COUNT_CAP, lists.SEARCH_COUNT_CAP
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["count"] = {
            "type": "integer",
            "example": 123,
            "description": (
                f"The number of results, counted up to {cap:,} ({search_cap:,} with `search`): "
                "with more, it is the cap and `count_is_capped` is true."
            ),
        }
        properties = {
            "count": properties["count"],
            "count_is_capped": {
                "type": "boolean",
                "example": False,
                "description": (
                    f"True when there are more than {cap:,} results (`count` then says "
                    f"{cap:,}). Follow `next` until it is null to read them all."
                ),
            },
            **{name: value for name, value in properties.items() if name != "count"},
        }
        response["properties"] = properties
        response["required"] = ["count", "count_is_capped", "results"]
        return response
