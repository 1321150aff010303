"""Pagination of every API list: `{count, next, previous, results}` (SPEC §9)."""

from __future__ import annotations

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def paginated_response(*, queryset, serializer_class, request, view, context: dict | None = None):
    """One page of ``queryset`` through ``serializer_class``, in the list shape.

    A page number past the end (or not a number) is DRF's 404 ``not_found``.
    """
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    serializer = serializer_class(page, many=True, context={"request": request, **(context or {})})
    return paginator.get_paginated_response(serializer.data)
