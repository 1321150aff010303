"""Placeholder: the API helper replaces this with the SPEC §9 error handler."""

from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    return exception_handler(exc, context)
